/**
 * Every query a person looking at the dashboards, and the alerting behind
 * them, makes ClickHouse run, enumerated from the specs themselves
 * (src/dashboards DASHBOARDS, src/alerts ALERT_RULES and their Grafana
 * provisioning), so a rewritten panel or rule is timed as it now is:
 *   - each panel of each dashboard over each range, its SQL expanded by
 *     expandMacros with every variable at All and the interval Grafana picks;
 *   - each dashboard variable's options query (Grafana runs them when the
 *     dashboard loads and when the range changes), once per distinct SQL; a
 *     computed variable's too (Grafana runs it on every refresh, before the
 *     panels that name it, which the bench runs with its value, untimed);
 *   - each alert rule as `sendlens alerts check` runs it (evaluateRules), and
 *     as the provisioned Grafana rule's query A (its rawSql over its relative
 *     time range), each over the rule's own range.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { ALERT_RULES, evaluateRules, provisioningDocument } from '../../src/alerts/index.js';
import { ALL_VALUE, computedVariablesIn, DASHBOARDS, expandMacros, grafanaIntervalMs, panelMaxDataPoints, withComputedVariables } from '../../src/dashboards/index.js';
import type { DashboardSpec, VariableValue } from '../../src/dashboards/index.js';

export interface BenchQuery {
  /** Dashboard name, `variables`, `alerts check` or `grafana alert`. */
  source: string;
  /** Panel key, variable name or rule uid. */
  name: string;
  /** The time range label: 24h, 7d, 30d, or a rule's own range. */
  range: string;
  /** Runs the query once as of `now`; resolves to the rows it returned (for `alerts check`: alerts firing). */
  run: (client: ClickHouseClient, now: Date) => Promise<number>;
  /**
   * Untimed, before each run with the same `now`: what Grafana runs before this query on the same
   * refresh (a computed variable, whose own query is timed as its own entry under `variables`).
   */
  prepare?: (client: ClickHouseClient, now: Date) => Promise<void>;
}

export const RANGES: readonly { label: string; ms: number }[] = [
  { label: '24h', ms: 86_400_000 },
  { label: '7d', ms: 7 * 86_400_000 },
  { label: '30d', ms: 30 * 86_400_000 },
];

/** Points Grafana asks a panel for when the panel sets none (its width in pixels, roughly). */
export const MAX_DATA_POINTS = 1_000;

/** The interval Grafana gives `panel` over `rangeMs`: its own Max data points, or the default. */
export const panelIntervalMs = (panel: { sql: string }, rangeMs: number): number => grafanaIntervalMs(rangeMs, panelMaxDataPoints(panel) ?? MAX_DATA_POINTS);


/** Variables as a dashboard opens: query variables at All, text boxes at their default. */
export function defaultVariables(dashboard: DashboardSpec): Record<string, VariableValue> {
  const variables: Record<string, VariableValue> = {};
  for (const variable of dashboard.variables) {
    if (variable.kind === 'query') {
      if (!variable.includeAll) throw new Error(`${dashboard.name}: variable ${variable.name} has no All option; the bench does not know what Grafana would select`);
      variables[variable.name] = ALL_VALUE;
    } else if (variable.kind === 'textbox') variables[variable.name] = variable.defaultValue;
  }
  return variables;
}

/**
 * Runs the query and reads its whole answer as Grafana would receive it, but
 * counts the rows as they stream in rather than holding them: a 30-day trend
 * over thousands of subjects is millions of rows.
 */
async function rowsOf(client: ClickHouseClient, query: string): Promise<number> {
  const result = await client.query({ query, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } as never });
  let rows = 0;
  for await (const batch of result.stream()) rows += (batch as unknown[]).length;
  return rows;
}

function sqlOverRange(sql: string, rangeMs: number, intervalMs: number, variables: Record<string, VariableValue>): BenchQuery['run'] {
  return (client, now) => rowsOf(client, expandMacros(sql, { from: new Date(now.getTime() - rangeMs), to: now, intervalMs, variables }));
}

/** A panel's run, the computed variables it names resolved first (prepare) as of the same `now`. */
function panelOverRange(dashboard: DashboardSpec, sql: string, rangeMs: number, intervalMs: number, variables: Record<string, VariableValue>): Pick<BenchQuery, 'run' | 'prepare'> {
  const computed = computedVariablesIn(sql, dashboard.variables);
  if (computed.length === 0) return { run: sqlOverRange(sql, rangeMs, intervalMs, variables) };
  const context = (now: Date) => ({ from: new Date(now.getTime() - rangeMs), to: now, intervalMs, variables });
  let resolved: { at: number; variables: Record<string, VariableValue> } | undefined;
  return {
    prepare: async (client, now) => {
      resolved = { at: now.getTime(), variables: await withComputedVariables(computed, context(now), client) };
    },
    run: (client, now) => {
      if (resolved?.at !== now.getTime()) throw new Error(`${dashboard.name}: computed variables not resolved as of ${now.toISOString()} (prepare runs first)`);
      return rowsOf(client, expandMacros(sql, { ...context(now), variables: resolved.variables }));
    },
  };
}

/** `86400` → `24h`, `87300` → `24h15m`, `604800` → `7d`: a rule's range, as a label. */
export function durationLabel(seconds: number): string {
  if (seconds > 86_400 && seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  const units: readonly (readonly [string, number])[] = [['h', 3_600], ['m', 60], ['s', 1]];
  let rest = seconds;
  let label = '';
  for (const [unit, size] of units) {
    if (rest < size) continue;
    label += `${Math.floor(rest / size)}${unit}`;
    rest %= size;
  }
  return label || '0s';
}

/** The parts of the provisioning document the bench reads: each rule's query A. */
interface ProvisionedRule {
  uid: string;
  data: { refId: string; datasourceUid: string; relativeTimeRange?: { from: number; to: number }; model: { rawSql?: string; intervalMs?: number } }[];
}

/** Grafana alerting's default interval for a query that sets none. */
const GRAFANA_ALERT_INTERVAL_MS = 1_000;

export function benchQueries(dashboards: readonly DashboardSpec[] = DASHBOARDS): BenchQuery[] {
  const queries: BenchQuery[] = [];
  const variableSql = new Set<string>();
  for (const range of RANGES) {
    const intervalMs = grafanaIntervalMs(range.ms, MAX_DATA_POINTS);
    for (const dashboard of dashboards) {
      const variables = defaultVariables(dashboard);
      for (const variable of dashboard.variables) {
        if ((variable.kind !== 'query' && variable.kind !== 'computed') || variableSql.has(`${range.label} ${variable.sql}`)) continue;
        variableSql.add(`${range.label} ${variable.sql}`);
        queries.push({ source: 'variables', name: variable.name, range: range.label, run: sqlOverRange(variable.sql, range.ms, intervalMs, variables) });
      }
      for (const panel of dashboard.panels) {
        queries.push({ source: dashboard.name, name: panel.key, range: range.label, ...panelOverRange(dashboard, panel.sql, range.ms, panelIntervalMs(panel, range.ms), variables) });
      }
    }
  }
  for (const rule of ALERT_RULES) {
    queries.push({ source: 'alerts check', name: rule.uid, range: durationLabel(rule.rangeSeconds), run: async (client, now) => (await evaluateRules(client, [rule], now)).length });
  }
  const document = provisioningDocument(ALERT_RULES) as { groups: { rules: ProvisionedRule[] }[] };
  for (const rule of document.groups.flatMap((group) => group.rules)) {
    const sqlQueries = rule.data.filter((d) => d.datasourceUid !== '__expr__' && d.model.rawSql !== undefined);
    for (const query of sqlQueries) {
      const { from = 0, to = 0 } = query.relativeTimeRange ?? {};
      const sql = query.model.rawSql as string;
      const intervalMs = query.model.intervalMs ?? GRAFANA_ALERT_INTERVAL_MS;
      queries.push({
        source: 'grafana alert',
        name: sqlQueries.length > 1 ? `${rule.uid} ${query.refId}` : rule.uid,
        range: durationLabel(from - to),
        run: (client, now) => rowsOf(client, expandMacros(sql, { from: new Date(now.getTime() - from * 1000), to: new Date(now.getTime() - to * 1000), intervalMs })),
      });
    }
  }
  return queries;
}
