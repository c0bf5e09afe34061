import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_RULES, SPIKE } from '../../src/alerts/index.js';
import { ALL_VALUE, computedVariablesIn, DASHBOARDS, expandMacros, rollupSource, SEND_UNFILTERED, SUBJECT_HOURS_SERVE, TOTALS_HOURS_SERVE, withComputedVariables } from '../../src/dashboards/index.js';
import type { VariableSpec, VariableValue } from '../../src/dashboards/index.js';
import { createStoreClient, MIGRATIONS_DIR, migrate, renderStatements } from '../../src/store/index.js';
import { generateData, insertGeneratedData } from '../helpers/generated-data.js';
import type { GeneratedData } from '../helpers/generated-data.js';

/**
 * The hourly and daily paths give the numbers the minute path gives. Every panel that reads the
 * rollups runs twice on the same data, range and interval: as generated (whole days and hours
 * from the coarse rollups, edge minutes from the minute rollup), and with each rollup source
 * rewritten to the minute rollup alone over the same range (what the panels read before the
 * coarse rollups existed). Intervals of a minute, an hour and a day exercise the minute, hourly
 * and daily paths of the panels that bucket by interval; every workspace (the totals across
 * tenants) and two workspaces (the full hourly and daily rollups) both paths of the tenants; the
 * range (50 hours, starting and ending inside an hour) holds whole hours and a whole UTC day.
 */

// Two subjects of each scope in the risk trends, so their ranking decides what is compared.
const ALL: Record<string, VariableValue> = { provider: ALL_VALUE, workspace: ALL_VALUE, sender_domain: ALL_VALUE, environment: ALL_VALUE, top: '2' };
const INTERVALS = [60_000, 3_600_000, 86_400_000];
/** All (the totals across tenants where a panel allows) and a selection of workspaces (the full hourly and daily rollups). */
const SELECTIONS: Record<string, Record<string, VariableValue>> = { all: ALL, 'two workspaces': { ...ALL, workspace: ['acme', 'umbrella'] } };

const SEND_COLUMNS =
  'provider, environment, workspace, sender_domain, operation, outcome, category, code, attempts, recipient_count, retried_attempts, latency_ms_sum, latency_ms_max, latency_ms_quantiles, retry_after_count, retry_after_ms_quantiles, recipients';
const DELIVERY_COLUMNS = 'provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code, received, event_count, events, recipients';

/** The alert spike rule's baseline range (src/alerts/rules.ts): the trailing day before the current window. */
const SPIKE_BASELINE_END = `$__toTime - INTERVAL ${SPIKE.currentMinutes} MINUTE - INTERVAL 1 SECOND`;

/** The minute-only source each generated source stands for: every minute of its range from the minute rollup. */
function minuteOnly(sql: string): string {
  const sources: [string, string][] = [];
  const ranges: { to?: string; filter: string }[] = [
    { filter: '$__timeFilter(minute)' },
    { to: SPIKE_BASELINE_END, filter: `minute >= $__fromTime AND minute <= ${SPIKE_BASELINE_END}` },
  ];
  // A source that serves only `when` (the rest of its query reads another source then) keeps its guard.
  const whens = [undefined, `NOT (${SUBJECT_HOURS_SERVE})`, `NOT (${TOTALS_HOURS_SERVE})`, `NOT (${SEND_UNFILTERED})`];
  for (const { to, filter } of ranges) {
    for (const grain of ['range', 'interval'] as const) {
      for (const tenants of ['filtered', 'grouped', 'all'] as const) {
        for (const when of whens) {
          const options = { grain, tenants, ...(to === undefined ? {} : { to }), ...(when === undefined ? {} : { when }) };
          const guard = when === undefined ? '' : `(${when}) AND `;
          sources.push([rollupSource('send', options), `(SELECT minute, ${SEND_COLUMNS}, minute AS first_minute, minute AS last_minute FROM email_send_rollup_1m WHERE ${guard}${filter})`]);
          sources.push([rollupSource('delivery', options), `(SELECT minute, ${DELIVERY_COLUMNS} FROM email_delivery_rollup_1m WHERE ${guard}${filter})`]);
        }
      }
    }
  }
  let rewritten = sql;
  for (const [generated, minutes] of sources) rewritten = rewritten.split(generated).join(minutes);
  return rewritten;
}

/**
 * The hourly risk rollup as computed at query time from the minute rollups, in its place. Its
 * feedback counts come from the minute rollups' uniq states of event ids, not from the counts made
 * at insert (migration 0014) that the risk rollups sum: two ways of counting each event once.
 */
const RISK_FROM_MINUTES = `(
  SELECT hour, provider, workspace, sender_domain,
    sum(sends) AS sends, sum(suppressed_sends) AS suppressed_sends, sum(account_errors) AS account_errors, sum(suspensions) AS suspensions,
    sum(delivered) AS delivered, sum(hard_bounces) AS hard_bounces, sum(complaints) AS complaints, sum(suppressed_feedback) AS suppressed_feedback
  FROM
  (
    SELECT toStartOfHour(minute) AS hour, provider, workspace, sender_domain,
      sumIf(recipient_count, operation IN ('send', 'send_batch') AND outcome = 'sent') AS sends,
      sumIf(attempts, code = 'suppression.recipient_suppressed') AS suppressed_sends,
      sumIf(attempts, category = 'account') AS account_errors,
      sumIf(attempts, code IN ('account.sending_suspended', 'account.suspended')) AS suspensions,
      toUInt64(0) AS delivered, toUInt64(0) AS hard_bounces, toUInt64(0) AS complaints, toUInt64(0) AS suppressed_feedback
    FROM email_send_rollup_1m GROUP BY hour, provider, workspace, sender_domain
    UNION ALL
    SELECT toStartOfHour(minute) AS hour, provider, workspace, sender_domain, toUInt64(0), toUInt64(0), toUInt64(0), toUInt64(0),
      uniqMergeIf(events, outcome = 'delivered'), uniqMergeIf(events, outcome = 'bounced' AND bounce_type = 'hard'),
      uniqMergeIf(events, outcome = 'complained'), uniqMergeIf(events, outcome = 'suppressed')
    FROM email_delivery_rollup_1m GROUP BY hour, provider, workspace, sender_domain
  )
  GROUP BY hour, provider, workspace, sender_domain
)`;

/** The per-subject risk rollups (migration 0013) computed the same way from the minute rollups: by hour, and by UTC day. */
const riskBySubjectFromMinutes = (bucket: 'hour' | 'day') => `(
  SELECT ${bucket === 'hour' ? 'hour' : 'toStartOfDay(hour) AS day'}, key.1 AS scope, key.2 AS subject,
    sum(sends) AS sends, sum(suppressed_sends) AS suppressed_sends, sum(account_errors) AS account_errors, sum(suspensions) AS suspensions,
    sum(delivered) AS delivered, sum(hard_bounces) AS hard_bounces, sum(complaints) AS complaints, sum(suppressed_feedback) AS suppressed_feedback
  FROM ${RISK_FROM_MINUTES}
  ARRAY JOIN [('sender_domain', sender_domain), ('workspace', workspace)] AS key
  WHERE subject != ''
  GROUP BY ${bucket}, scope, subject
)`;

/** The per-tenant daily risk rollup (migration 0019) computed the same way from the minute rollups. */
const RISK_BY_TENANT_FROM_MINUTES = `(
  SELECT toStartOfDay(hour) AS day, provider, workspace, sender_domain,
    sum(sends) AS sends, sum(suppressed_sends) AS suppressed_sends, sum(account_errors) AS account_errors, sum(suspensions) AS suspensions,
    sum(delivered) AS delivered, sum(hard_bounces) AS hard_bounces, sum(complaints) AS complaints, sum(suppressed_feedback) AS suppressed_feedback
  FROM ${RISK_FROM_MINUTES}
  GROUP BY day, provider, workspace, sender_domain
)`;

/** The hourly latency per provider and environment (migration 0018) computed from the minute rollup. */
const LATENCY_FROM_MINUTES = `(
  SELECT toStartOfHour(minute) AS hour, provider, environment, sum(attempts) AS attempts,
    quantilesTDigestMergeState(0.5, 0.9, 0.99)(latency_ms_quantiles) AS latency_ms_quantiles
  FROM email_send_rollup_1m
  GROUP BY hour, provider, environment
)`;

/** The hourly totals' and the daily recipients' (migration 0022) `uniq` states of recipients computed from the minute rollup. */
const RECIPIENTS_FROM_MINUTES = (bucket: 'hour' | 'day') => `(
  SELECT ${bucket === 'hour' ? 'toStartOfHour(minute) AS hour' : 'toStartOfDay(minute) AS day'}, uniqMergeState(recipients) AS recipients
  FROM email_send_rollup_1m
  GROUP BY ${bucket}
)`;

/**
 * A panel's SQL with every risk rollup, the hourly latency and the recipients' states read
 * outside rollupSource replaced by their forms computed from the minute rollups. FINAL goes with
 * them: those forms are one row per key already.
 */
const riskFromMinutes = (sql: string) =>
  sql
    .replace(/\b(email_\w+) FINAL\b/g, '$1')
    .split('email_risk_subject_by_month_1h').join(riskBySubjectFromMinutes('hour'))
    .split('email_risk_subject_1h').join(riskBySubjectFromMinutes('hour'))
    .split('email_risk_subject_1d').join(riskBySubjectFromMinutes('day'))
    .split('email_send_recipients_1d').join(RECIPIENTS_FROM_MINUTES('day'))
    .split('email_send_totals_1h').join(RECIPIENTS_FROM_MINUTES('hour'))
    .split('email_risk_tenant_1d').join(RISK_BY_TENANT_FROM_MINUTES)
    .split('email_risk_rollup_1h').join(RISK_FROM_MINUTES)
    .split('email_send_latency_1h').join(LATENCY_FROM_MINUTES);

/** Merged t-digests depend on the order states are merged in: quantiles agree closely, not exactly. */
const QUANTILE = /latency_p|_p\d+_ms$|^p\d+_ms$/;

describe('the hourly and daily paths give the minute path\'s numbers', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-rollup-paths-'));
  let client: ClickHouseClient;
  let data: GeneratedData;
  let from: Date;
  let to: Date;

  /** The rows of `sql`, the `computed` variables (each in the form to compare) resolved first over the same range. */
  const rows = async (sql: string, intervalMs: number, variables: Record<string, VariableValue>, computed: readonly VariableSpec[] = []) => {
    const context = { from, to, intervalMs, variables };
    const query = expandMacros(sql, { ...context, variables: await withComputedVariables(computed, context, client) });
    const result = await client.query({ query, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } as never });
    return (await result.json()) as Record<string, unknown>[];
  };
  const expectSameRows = (actual: Record<string, unknown>[], expected: Record<string, unknown>[], label: string) => {
    expect(actual.length, `${label}: rows`).toBe(expected.length);
    expect(actual.length, `${label}: something to compare`).toBeGreaterThan(0);
    actual.forEach((row, i) => {
      const want = expected[i] ?? {};
      expect(Object.keys(row), label).toEqual(Object.keys(want));
      for (const [name, value] of Object.entries(row)) {
        const other = want[name];
        if (typeof value === 'number' && typeof other === 'number') {
          if (QUANTILE.test(name)) expect(Math.abs(value - other), `${label} row ${i} ${name}`).toBeLessThanOrEqual(Math.max(1, Math.abs(other) * 0.05));
          else expect(value, `${label} row ${i} ${name}`).toBeCloseTo(other, 9);
        } else {
          expect(value, `${label} row ${i} ${name}`).toEqual(other);
        }
      }
    });
  };

  beforeAll(async () => {
    client = await createStoreClient({ dataDir });
    await migrate(client, { database: 'default', retentionDays: 3650, rollupRetentionDays: 3650 });
    // 50 hours ending at the last whole hour: always one whole UTC day inside. One message in eight is kept, to stay small.
    const end = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
    const full = generateData({ end, minutes: 50 * 60, seed: 5, spans: false });
    const kept = new Set(full.sends.filter((_, i) => i % 8 === 0).map((s) => s.message_id));
    const deliveries = full.deliveries.filter((d) => kept.has(d.message_id));
    data = await insertGeneratedData(client, { ...full, sends: full.sends.filter((s) => kept.has(s.message_id)), deliveries, redeliveries: Math.min(full.redeliveries, deliveries.length), spans: [] });
    // A range starting and ending inside an hour, so the edges come from minutes.
    from = new Date(data.from.getTime() + 17 * 60_000);
    to = new Date(Date.now());
  });
  afterAll(async () => {
    await client.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  for (const spec of DASHBOARDS) {
    for (const panel of spec.panels) {
      const reference = riskFromMinutes(minuteOnly(panel.sql));
      if (reference === panel.sql) continue;
      // The computed variables the panel names (the trends' ranking), compared the same way: each
      // side runs with the value its own form of the variable's SQL gives.
      const computed = computedVariablesIn(panel.sql, spec.variables);
      const computedReference = computed.map((v) => ({ ...v, sql: riskFromMinutes(minuteOnly(v.sql)) }));
      it(`${spec.name} / ${panel.key}`, async () => {
        for (const sql of [reference, ...computedReference.map((v) => v.sql)]) {
          expect(sql, 'the reference reads minutes only').not.toMatch(/_(rollup|totals|latency|recipients)_1[hd]\b|email_risk_(rollup|subject|tenant|subject_by_month)_1[hd]\b|\bFINAL\b/);
        }
        for (const [selection, variables] of Object.entries(SELECTIONS)) {
          for (const intervalMs of INTERVALS) {
            expectSameRows(await rows(panel.sql, intervalMs, variables, computed), await rows(reference, intervalMs, variables, computedReference), `${selection}, interval ${intervalMs / 1000} s`);
          }
        }
      });
    }
  }

  it('every panel that reads the rollups is compared (the traces read raw rows)', () => {
    const sqls = DASHBOARDS.flatMap((d) => [...d.panels.map((p) => ({ sql: p.sql, name: `${d.name}/${p.key}` })), ...d.variables.flatMap((v) => (v.kind === 'computed' ? [{ sql: v.sql, name: `${d.name}/$${v.name}` }] : []))]);
    const uncompared = sqls.filter(({ sql }) => /_(rollup|totals|subject|tenant|latency)_/.test(sql) && riskFromMinutes(minuteOnly(sql)) === sql).map(({ name }) => name);
    expect(uncompared).toEqual([]);
  });

  it('email_suspension_risk gives what its minute-rollup form (migration 0006) gives', async () => {
    const original = readFileSync(join(MIGRATIONS_DIR, '0006_email_suspension_risk.sql'), 'utf8');
    const [statement] = renderStatements(original, { database: 'default', retentionDays: 3650, rollupRetentionDays: 3650 });
    const select = statement?.replace(/^CREATE VIEW IF NOT EXISTS default\.email_suspension_risk\s+AS\s+/, '') ?? '';
    expect(select).toMatch(/^WITH/);
    const columns = 'scope, subject, window, sends, delivered, hard_bounces, complaints, suppressed_hits, account_errors, suspensions, bounce_rate, complaint_rate, score, level, reasons';
    const read = async (source: string) => {
      const result = await client.query({ query: `SELECT ${columns} FROM (${source}) ORDER BY scope, subject, window`, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } as never });
      return (await result.json()) as Record<string, unknown>[];
    };
    const view = await read('SELECT * FROM email_suspension_risk');
    expect(view.filter((r) => r.window === '7d' && Number(r.sends) > 0).length).toBeGreaterThan(0);
    expectSameRows(view, await read(select), 'email_suspension_risk');
  });

  it('the alert rules read the same fast paths and give the same values', async () => {
    const coarse = ALERT_RULES.filter((rule) => /_(rollup|totals)_1[hd]\b/.test(rule.sql));
    expect(coarse.map((rule) => rule.uid)).toEqual(['sendlens-error-rate-spike']);
    for (const rule of coarse) {
      expect(minuteOnly(rule.sql), `${rule.uid} has a minute-only form`).not.toMatch(/_(rollup|totals)_1[hd]\b/);
      const at = to;
      const context = { from: new Date(at.getTime() - rule.rangeSeconds * 1000), to: at, intervalMs: 60_000, variables: ALL };
      const run = async (sql: string) => {
        const result = await client.query({ query: expandMacros(sql, context), format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } as never });
        return ((await result.json()) as Record<string, unknown>[]).sort((a, b) => String(a.provider).localeCompare(String(b.provider)));
      };
      expectSameRows(await run(rule.sql), await run(minuteOnly(rule.sql)), rule.uid);
    }
  });
});
