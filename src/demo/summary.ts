import type { ClickHouseClient } from '@clickhouse/client';
import { ALERT_RULES, evaluateRules } from '../alerts/index.js';
import { codeOf, INCIDENTS, LIST_HYGIENE_INCIDENT } from './scenario.js';

/** What the demo prints at the end: every number read back from ClickHouse, none from the simulator's own counters. */
export interface DemoSummary {
  volumes: { provider: string; total: number; sent: number; failed: number; retried: number; error_rate: number }[];
  topCodes: { code: string; category: string; total: number; providers: string }[];
  feedback: { kind: string; total: number }[];
  rates: { hard_bounce_rate: number; complaint_rate: number; sends: number };
  risk: { subject: string; scope: string; window: string; sends: number; hard_bounces: number; complaints: number; bounce_rate: number; complaint_rate: number; score: number; level: string; reasons: string }[];
  incidents: { incident: string; code: string; attempts: number; first_seen: string; last_seen: string }[];
  spans: number;
  alerts: { alert: string; severity: string; labels: string; first_fired: string; last_fired: string; evaluations: number }[];
}

const HOUR = 3_600_000;

/**
 * The alert rules replayed over the simulated span, as Grafana would have
 * evaluated them: every two hours, and early in and halfway through each incident, for the
 * rules over send attempts, and at the end for the rules over the
 * suspension-risk view (which reads the last 24 hours and 7 days from now).
 */
export async function readAlertTimeline(client: ClickHouseClient, startedAt: number, endedAt: number): Promise<DemoSummary['alerts']> {
  const moments = new Set<number>();
  for (let at = startedAt + 2 * HOUR; at <= endedAt; at += 2 * HOUR) moments.add(at);
  const span = endedAt - startedAt;
  const scale = span / (7 * 24 * HOUR);
  // Grafana evaluates every minute, so it sees an incident begin: replay 20 minutes in, and halfway.
  for (const incident of INCIDENTS) {
    const start = startedAt + incident.startHours * scale * HOUR;
    moments.add(Math.round(start + Math.min(HOUR / 3, (incident.hours * scale * HOUR) / 2)));
    moments.add(Math.round(start + (incident.hours * scale * HOUR) / 2));
  }
  moments.add(endedAt);
  const historical = ALERT_RULES.filter((rule) => !rule.sql.includes('email_suspension_risk'));
  const current = ALERT_RULES.filter((rule) => rule.sql.includes('email_suspension_risk'));
  const seen = new Map<string, DemoSummary['alerts'][number]>();
  for (const at of [...moments].sort((a, b) => a - b)) {
    const firing = await evaluateRules(client, at === endedAt ? [...historical, ...current] : historical, new Date(at));
    for (const alert of firing) {
      const labels = Object.entries(alert.labels).map(([k, v]) => `${k}=${v}`).join(' ');
      const key = `${alert.rule} ${labels}`;
      const when = new Date(at).toISOString().slice(0, 16).replace('T', ' ');
      const entry = seen.get(key) ?? { alert: alert.title, severity: alert.severity, labels, first_fired: when, last_fired: when, evaluations: 0 };
      entry.last_fired = when;
      entry.evaluations += 1;
      seen.set(key, entry);
    }
  }
  return [...seen.values()].sort((a, b) => a.first_fired.localeCompare(b.first_fired));
}

/** Every list is fully ordered (ties broken by name): a rerun of the same seed prints the same summary. */
async function rows<T>(client: ClickHouseClient, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const result = await client.query({ query, query_params: params, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } });
  return (await result.json()) as T[];
}

export async function readSummary(client: ClickHouseClient, database: string, span: { startedAt: number; endedAt: number }): Promise<DemoSummary> {
  const db = database;
  const volumes = await rows<DemoSummary['volumes'][number]>(
    client,
    `SELECT provider, sum(r.attempts) AS total, sumIf(r.attempts, r.outcome = 'sent') AS sent, sumIf(r.attempts, r.outcome = 'failed') AS failed,
            sum(r.retried_attempts) AS retried, round(failed / total, 4) AS error_rate
     FROM ${db}.email_send_rollup_1m AS r GROUP BY provider ORDER BY total DESC, provider`,
  );
  const topCodes = await rows<DemoSummary['topCodes'][number]>(
    client,
    `SELECT r.code AS code, any(r.category) AS category, sum(r.attempts) AS total, arrayStringConcat(arraySort(groupUniqArray(r.provider)), ', ') AS providers
     FROM ${db}.email_send_rollup_1m AS r WHERE r.outcome = 'failed' GROUP BY r.code ORDER BY total DESC, code LIMIT 10`,
  );
  const feedback = await rows<DemoSummary['feedback'][number]>(
    client,
    `SELECT if(r.outcome = 'bounced', concat('bounced (', r.bounce_type, ')'), r.outcome) AS kind, sum(r.event_count) AS total
     FROM ${db}.email_delivery_rollup_1m AS r GROUP BY kind ORDER BY total DESC, kind`,
  );
  const [rates] = await rows<DemoSummary['rates']>(
    client,
    `SELECT
       (SELECT sumIf(recipient_count, outcome = 'sent' AND operation IN ('send', 'send_batch')) FROM ${db}.email_send_rollup_1m) AS sends,
       (SELECT sumIf(event_count, outcome = 'bounced' AND bounce_type = 'hard') FROM ${db}.email_delivery_rollup_1m) AS hard_bounces,
       (SELECT sumIf(event_count, outcome = 'complained') FROM ${db}.email_delivery_rollup_1m) AS complaints,
       round(hard_bounces / greatest(sends, 1), 4) AS hard_bounce_rate,
       round(complaints / greatest(sends, 1), 5) AS complaint_rate`,
  );
  const risk = await rows<DemoSummary['risk'][number]>(
    client,
    `SELECT subject, scope, window, sends, hard_bounces, complaints, round(bounce_rate, 4) AS bounce_rate, round(complaint_rate, 5) AS complaint_rate, score, level, reasons
     FROM ${db}.email_suspension_risk ORDER BY scope DESC, window, score DESC, subject`,
  );
  const incidents: DemoSummary['incidents'] = [];
  for (const incident of [...INCIDENTS]) {
    const code = codeOf(incident.answer);
    const [seen] = await rows<{ attempts: number; first_seen: string; last_seen: string }>(
      client,
      `SELECT count() AS attempts, toString(min(occurred_at)) AS first_seen, toString(max(occurred_at)) AS last_seen
       FROM ${db}.email_send_events WHERE provider = {provider:String} AND code = {code:String}`,
      { provider: incident.provider, code },
    );
    incidents.push({ incident: incident.name, code, attempts: seen?.attempts ?? 0, first_seen: seen?.first_seen ?? '', last_seen: seen?.last_seen ?? '' });
  }
  const [hygiene] = await rows<{ attempts: number; first_seen: string; last_seen: string }>(
    client,
    `SELECT count() AS attempts, toString(min(occurred_at)) AS first_seen, toString(max(occurred_at)) AS last_seen
     FROM ${db}.email_delivery_events WHERE sender_domain = {domain:String} AND outcome = 'bounced' AND bounce_type = 'hard'`,
    { domain: LIST_HYGIENE_INCIDENT.senderDomain },
  );
  incidents.push({ incident: LIST_HYGIENE_INCIDENT.name, code: 'hard bounces (feedback)', attempts: hygiene?.attempts ?? 0, first_seen: hygiene?.first_seen ?? '', last_seen: hygiene?.last_seen ?? '' });
  const [spans] = await rows<{ n: number }>(client, `SELECT count() AS n FROM ${db}.otel_traces`);
  const alerts = await readAlertTimeline(client, span.startedAt, span.endedAt);
  return { volumes, topCodes, feedback, rates: rates ?? { hard_bounce_rate: 0, complaint_rate: 0, sends: 0 }, risk, incidents, spans: spans?.n ?? 0, alerts };
}
