import type { ClickHouseClient } from '@clickhouse/client';
import { expandMacros } from '../dashboards/index.js';
import type { AlertRule } from './rules.js';

/** One alert instance above its threshold. */
export interface FiringAlert {
  rule: string;
  title: string;
  severity: AlertRule['severity'];
  labels: Record<string, string>;
  value: number;
  threshold: number;
  summary: string;
  evaluatedAt: string;
}

/**
 * Runs every rule's query as Grafana would at `at` (macros expanded over the
 * rule's range, ending at `at`) and returns the rows above their threshold.
 */
export async function evaluateRules(client: ClickHouseClient, rules: readonly AlertRule[], at: Date = new Date()): Promise<FiringAlert[]> {
  const firing: FiringAlert[] = [];
  for (const rule of rules) {
    const from = new Date(at.getTime() - rule.rangeSeconds * 1000);
    const sql = expandMacros(rule.sql, { from, to: at, intervalMs: 60_000 });
    const result = await client.query({ query: sql, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } as never });
    for (const row of (await result.json()) as Record<string, unknown>[]) {
      const value = Number(row.value);
      if (!(value > rule.threshold)) continue;
      const labels = Object.fromEntries(Object.entries(row).filter(([key]) => key !== 'value').map(([key, v]) => [key, String(v)]));
      firing.push({ rule: rule.uid, title: rule.title, severity: rule.severity, labels, value, threshold: rule.threshold, summary: rule.summary, evaluatedAt: at.toISOString() });
    }
  }
  return firing;
}
