import { ALERT_RULES, evaluateRules } from '../../alerts/index.js';
import type { FiringAlert } from '../../alerts/index.js';
import { createStoreClient, storeConfigFromEnv } from '../../store/index.js';
import { UsageError } from '../errors.js';
import { renderTable } from '../table.js';

export interface AlertsCheckOptions {
  json?: boolean;
  webhook?: string;
  at?: string;
}

/** How long a webhook POST may take. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * `sendlens alerts check`: the rules Grafana is provisioned with, evaluated
 * against ClickHouse now (or --at). Prints the firing alerts, or POSTs them
 * as JSON to --webhook. Exit 0 when the check ran (firing or not), 1 when it
 * could not run or the webhook refused, 2 for bad options.
 */
export async function runAlertsCheck(options: AlertsCheckOptions, stdout: NodeJS.WritableStream): Promise<number> {
  const at = options.at === undefined ? new Date() : new Date(options.at);
  if (Number.isNaN(at.getTime())) throw new UsageError('--at must be an ISO 8601 time, e.g. 2026-11-22T12:00:00Z');
  if (options.webhook !== undefined && !/^https?:\/\//.test(options.webhook)) throw new UsageError('--webhook must be an http(s) URL');
  const client = await createStoreClient(storeConfigFromEnv());
  let firing: FiringAlert[];
  try {
    firing = await evaluateRules(client, ALERT_RULES, at);
  } finally {
    await client.close();
  }
  if (options.webhook !== undefined) {
    const response = await fetch(options.webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'sendlens', evaluatedAt: at.toISOString(), firing }),
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`the webhook answered ${response.status}`);
  }
  if (options.json) stdout.write(`${JSON.stringify(firing)}\n`);
  else if (firing.length === 0) stdout.write(`no alerts firing (${ALERT_RULES.length} rules evaluated at ${at.toISOString()})\n`);
  else {
    const labels = (alert: FiringAlert) => Object.entries(alert.labels).map(([k, v]) => `${k}=${v}`).join(' ');
    stdout.write(`${renderTable(['severity', 'alert', 'labels', 'value', 'threshold'], firing.map((a) => [a.severity, a.title, labels(a), Number(a.value.toPrecision(4)), a.threshold]), 70)}\n`);
  }
  return 0;
}
