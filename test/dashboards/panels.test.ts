import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_VALUE, computedVariablesIn, DASHBOARDS, expandMacros, LEVEL_RANKS, withComputedVariables } from '../../src/dashboards/index.js';
import type { DashboardSpec, FieldSpec, PanelSpec, VariableValue } from '../../src/dashboards/index.js';
import { createStoreClient, migrate } from '../../src/store/index.js';
import { generateData, insertGeneratedData, SENDERS, SUSPENDED } from '../helpers/generated-data.js';
import type { GeneratedData } from '../helpers/generated-data.js';
import { expectUniqOf } from '../helpers/uniq.js';

/**
 * Every panel's SQL, expanded as Grafana and the ClickHouse plugin expand it,
 * run against the embedded ClickHouse filled with generated sends, feedback
 * and spans through the raw tables (so the materialized views fill the
 * rollups). Each result is checked against the panel's declared columns, for
 * plausible values, and, where the generated events make it computable, for
 * the exact counts.
 */

const INTERVAL_MS = 300_000;
/** Every variable at All; the risk trends' `top` at its default (more subjects than the generated data has). */
const ALL: Record<string, VariableValue> = { provider: ALL_VALUE, workspace: ALL_VALUE, sender_domain: ALL_VALUE, environment: ALL_VALUE, top: '10' };

interface Result {
  columns: { name: string; type: string }[];
  rows: Record<string, unknown>[];
}

const dashboard = (name: string): DashboardSpec => {
  const found = DASHBOARDS.find((d) => d.name === name);
  if (!found) throw new Error(`no dashboard ${name}`);
  return found;
};
const panel = (dashboardName: string, key: string): PanelSpec => {
  const found = dashboard(dashboardName).panels.find((p) => p.key === key);
  if (!found) throw new Error(`no panel ${dashboardName}/${key}`);
  return found;
};
/** Every dashboard's variables, for the computed ones a query names (their names are unique across dashboards). */
const EVERY_VARIABLE = DASHBOARDS.flatMap((d) => d.variables);
/** DateTime and DateTime64 values as ClickHouse prints them (UTC here), to epoch ms. */
const epoch = (value: unknown) => Date.parse(`${String(value).slice(0, 23).replace(' ', 'T')}Z`);
const num = (value: unknown) => Number(value);
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
const count = <T>(items: readonly T[], predicate: (item: T) => boolean) => items.filter(predicate).length;

describe('dashboard panels on generated data', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-dashboards-'));
  let client: ClickHouseClient;
  let data: GeneratedData;
  /** A trace with a retried attempt, shown in the trace view. */
  let traceId: string;

  const run = async (sql: string, variables: Record<string, VariableValue> = ALL): Promise<Result> => {
    // The computed variables the SQL names, resolved first over the same range, as Grafana does.
    const computed = computedVariablesIn(sql, EVERY_VARIABLE);
    const context = { from: data.from, to: data.to, intervalMs: INTERVAL_MS, variables: { ...variables, trace_id: traceId } };
    const query = expandMacros(sql, { ...context, variables: await withComputedVariables(computed, context, client) });
    const result = await client.query({ query, format: 'JSON' });
    const json = (await result.json()) as { meta: { name: string; type: string }[]; data: Record<string, unknown>[] };
    return { columns: json.meta, rows: json.data };
  };
  const runPanel = (dashboardName: string, key: string, variables?: Record<string, VariableValue>) => run(panel(dashboardName, key).sql, variables);

  beforeAll(async () => {
    client = await createStoreClient({ dataDir });
    await migrate(client, { database: 'default', retentionDays: 3650, rollupRetentionDays: 3650 });
    data = await insertGeneratedData(client, generateData({ minutes: 120, seed: 7 }));
    const retried = data.sends.find((s) => s.attempt === 2);
    if (!retried) throw new Error('the generated data has no retried attempt');
    traceId = retried.trace_id;
  });
  afterAll(async () => {
    await client.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  // -------------------------------------------------------------------------
  describe('every panel: columns as declared, values plausible', () => {
    const TYPE: Record<FieldSpec['type'], RegExp> = {
      time: /^(Nullable\()?DateTime/,
      string: /^(Nullable\()?(LowCardinality\()?String/,
      number: /^(Nullable\()?(U?Int|Float|Decimal)/,
      other: /./,
    };

    for (const spec of DASHBOARDS) {
      for (const p of spec.panels) {
        it(`${spec.name} / ${p.key}`, async () => {
          const { columns, rows } = await run(p.sql);
          expect(columns.map((c) => c.name)).toEqual(p.fields.map((f) => f.name));
          p.fields.forEach((field, i) => expect(columns[i]?.type, field.name).toMatch(TYPE[field.type]));
          expect(rows.length, 'the generated data gives every panel something to show').toBeGreaterThan(0);

          for (const field of p.fields) {
            const values = rows.map((row) => row[field.name]);
            if (field.type === 'number') {
              for (const value of values) {
                expect(Number.isFinite(num(value)), `${field.name} = ${String(value)}`).toBe(true);
                expect(num(value), field.name).toBeGreaterThanOrEqual(0);
              }
              if ((field.unit ?? p.unit) === 'percentunit') for (const value of values) expect(num(value), `${field.name} is a rate`).toBeLessThanOrEqual(1);
              if (field.valueText) for (const value of values) expect(Object.keys(field.valueText), field.name).toContain(String(value));
            }
            if (field.type === 'time' && p.format === 'time_series') {
              const times = values.map(epoch);
              expect(times, 'a time series is ordered by time').toEqual([...times].sort((a, b) => a - b));
              // Hourly trends start at the hour holding the range's start.
              for (const t of times) expect(t).toBeGreaterThanOrEqual(Math.floor(data.from.getTime() / 3_600_000) * 3_600_000);
              for (const t of times) expect(t).toBeLessThanOrEqual(data.to.getTime());
            }
          }
          if (p.format === 'time_series') expect(p.fields[0]?.type, 'the plugin wants time first').toBe('time');
        });
      }
    }
  });

  // -------------------------------------------------------------------------
  describe('counts match the generated data', () => {
    const failed = () => data.sends.filter((s) => s.outcome === 'failed');
    const accepted = (filter: (s: GeneratedData['sends'][number]) => boolean = () => true) =>
      sum(data.sends.filter((s) => filter(s) && (s.operation === 'send' || s.operation === 'send_batch') && s.outcome === 'sent').map((s) => s.recipient_count));
    const deliveries = (outcome: string, filter: (d: GeneratedData['deliveries'][number]) => boolean = () => true) => count(data.deliveries, (d) => d.outcome === outcome && filter(d));

    it('the rollups hold every event once: distinct delivery events despite redelivered webhooks', async () => {
      const { rows } = await run('SELECT sum(received) AS received_rows, uniqMerge(events) AS distinct_events FROM email_delivery_rollup_1m');
      expect(data.redeliveries).toBeGreaterThan(0);
      expect(num(rows[0]?.received_rows)).toBe(data.deliveries.length + data.redeliveries);
      expectUniqOf(num(rows[0]?.distinct_events), data.deliveries.length);
    });

    it('overview: attempts, failure rate, retried share, volume by outcome', async () => {
      expect(num((await runPanel('overview', 'attempts')).rows[0]?.total_attempts)).toBe(data.sends.length);
      expect(num((await runPanel('overview', 'failure-rate')).rows[0]?.failure_rate)).toBeCloseTo(failed().length / data.sends.length, 9);
      expect(num((await runPanel('overview', 'retried-share')).rows[0]?.retried_share)).toBeCloseTo(count(data.sends, (s) => s.attempt > 1) / data.sends.length, 9);
      const volume = (await runPanel('overview', 'send-volume')).rows;
      expect(sum(volume.filter((r) => r.outcome === 'failed').map((r) => num(r.attempt_count)))).toBe(failed().length);
      expect(sum(volume.map((r) => num(r.attempt_count)))).toBe(data.sends.length);
      const recipients = new Set(data.sends.map((s) => s.recipient_hash)).size;
      expectUniqOf(num((await runPanel('overview', 'recipients')).rows[0]?.distinct_recipients), recipients);
    });

    it('overview: the categories of an interval add up to its failure rate', async () => {
      const rates = (await runPanel('overview', 'error-rate-by-category')).rows;
      const byBucket = new Map<number, { failed: number; total: number }>();
      for (const s of data.sends) {
        const bucket = Math.floor(Date.parse(s.occurred_at) / INTERVAL_MS) * INTERVAL_MS;
        const entry = byBucket.get(bucket) ?? { failed: 0, total: 0 };
        entry.total += 1;
        if (s.outcome === 'failed') entry.failed += 1;
        byBucket.set(bucket, entry);
      }
      const summed = new Map<number, number>();
      for (const r of rates) summed.set(epoch(r.time), (summed.get(epoch(r.time)) ?? 0) + num(r.error_rate));
      for (const [bucket, rate] of summed) {
        const expected = byBucket.get(bucket);
        expect(expected, `bucket ${new Date(bucket).toISOString()}`).toBeDefined();
        expect(rate).toBeCloseTo((expected?.failed ?? 0) / (expected?.total ?? 1), 9);
      }
    });

    it('overview: top codes and provider health', async () => {
      const top = (await runPanel('overview', 'top-codes')).rows;
      for (const row of top) expect(num(row.failed_attempts), String(row.code)).toBe(count(failed(), (s) => s.code === row.code));
      expect(sum(top.map((r) => num(r.share_of_failures)))).toBeCloseTo(1, 9);
      const health = (await runPanel('overview', 'provider-health')).rows;
      expect(health.map((r) => r.provider_name).sort()).toEqual([...new Set(SENDERS.map((s) => s.provider))].sort());
      for (const row of health) {
        const provider = String(row.provider_name);
        expect(num(row.total_attempts), provider).toBe(count(data.sends, (s) => s.provider === provider));
        const hard = deliveries('bounced', (d) => d.provider === provider && d.bounce_type === 'hard');
        expect(num(row.hard_bounce_rate), provider).toBeCloseTo(hard / accepted((s) => s.provider === provider), 9);
        expect(num(row.latency_p50_ms)).toBeLessThanOrEqual(num(row.latency_p99_ms));
      }
    });

    it('bounces and complaints: totals, rates and the sender table', async () => {
      const hard = deliveries('bounced', (d) => d.bounce_type === 'hard');
      const complaints = deliveries('complained');
      expect(num((await runPanel('bounces-complaints', 'hard-bounces')).rows[0]?.hard_bounce_events)).toBe(hard);
      expect(num((await runPanel('bounces-complaints', 'complaints')).rows[0]?.complaint_events)).toBe(complaints);
      expect(num((await runPanel('bounces-complaints', 'bounce-rate-total')).rows[0]?.bounce_rate)).toBeCloseTo(hard / accepted(), 9);
      // Its denominator is a uniq of thousands of delivery ids (see expectUniqOf).
      const complaintRate = num((await runPanel('bounces-complaints', 'complaint-rate-total')).rows[0]?.complaint_rate);
      expect(complaintRate).toBeGreaterThanOrEqual(complaints / deliveries('delivered') - 1e-12);
      expect(complaintRate).toBeLessThanOrEqual(complaints / (deliveries('delivered') - 3) + 1e-12);

      const bySender = (await runPanel('bounces-complaints', 'rates-by-sender')).rows;
      const umbrella = bySender.find((r) => r.sender_domain === SUSPENDED.senderDomain);
      const sesPause = 0.1;
      expect(num(umbrella?.bounce_rate), 'the risky sender is past the SES pause line').toBeGreaterThanOrEqual(sesPause);
      for (const row of bySender.filter((r) => r.sender_domain !== '')) {
        const domain = String(row.sender_domain);
        expect(num(row.accepted), domain).toBe(accepted((s) => s.sender_domain === domain));
        expect(num(row.hard_bounces), domain).toBe(deliveries('bounced', (d) => d.sender_domain === domain && d.bounce_type === 'hard'));
      }
      // SendGrid-style feedback has no sender domain: it shows under its workspace alone.
      expect(bySender.find((r) => r.workspace === 'initech' && r.sender_domain === '')).toBeDefined();

      const types = (await runPanel('bounces-complaints', 'bounce-types-by-provider')).rows;
      for (const row of types) {
        for (const type of ['hard', 'soft', 'undetermined']) expect(num(row[type]), `${String(row.provider)} ${type}`).toBe(deliveries('bounced', (d) => d.provider === row.provider && d.bounce_type === type));
      }
    });

    it('suppression: both sources, and their share of accepted recipients', async () => {
      const sendTime = count(data.sends, (s) => s.code === 'suppression.recipient_suppressed');
      const feedback = deliveries('suppressed');
      expect(sendTime).toBeGreaterThan(0);
      expect(feedback).toBeGreaterThan(0);
      expect(num((await runPanel('suppression', 'send-time-refusals')).rows[0]?.send_time)).toBe(sendTime);
      expect(num((await runPanel('suppression', 'feedback-suppressed')).rows[0]?.feedback)).toBe(feedback);
      expect(num((await runPanel('suppression', 'suppressed-share')).rows[0]?.suppressed_share)).toBeCloseTo((sendTime + feedback) / accepted(), 9);
      const overTime = (await runPanel('suppression', 'suppressed-hits')).rows;
      expect(sum(overTime.map((r) => num(r.send_time)))).toBe(sendTime);
      expect(sum(overTime.map((r) => num(r.feedback)))).toBe(feedback);
      const byDomain = (await runPanel('suppression', 'suppressed-by-sender-domain')).rows;
      expect(sum(byDomain.map((r) => num(r.suppressed_hits)))).toBe(sendTime + feedback);
    });

    it('throttling and quota: counts, and Retry-After quantiles within what providers asked', async () => {
      expect(num((await runPanel('throttling-quota', 'throttled-attempts')).rows[0]?.throttled_attempts)).toBe(count(data.sends, (s) => s.category === 'throttling'));
      expect(num((await runPanel('throttling-quota', 'quota-errors')).rows[0]?.quota_attempts)).toBe(count(data.sends, (s) => s.category === 'quota'));
      const waits = (await runPanel('throttling-quota', 'retry-after-by-provider')).rows;
      // SES and relay send no Retry-After: no row, rather than a row of NaN.
      expect(waits.map((r) => r.provider_name).sort()).toEqual(['resend', 'scaisend', 'sendfleet']);
      for (const row of waits) {
        const asked = data.sends.filter((s) => s.provider === row.provider_name && s.retry_after_ms !== null).map((s) => s.retry_after_ms ?? 0);
        expect(num(row.attempts_with_wait)).toBe(asked.length);
        const [p50, p90, p99] = [num(row.p50_ms), num(row.p90_ms), num(row.p99_ms)];
        expect(p50).toBeLessThanOrEqual(p90);
        expect(p90).toBeLessThanOrEqual(p99);
        expect(p50).toBeGreaterThanOrEqual(Math.min(...asked));
        expect(p99).toBeLessThanOrEqual(Math.max(...asked));
      }
      const quota = (await runPanel('throttling-quota', 'quota-by-sender')).rows;
      expect(quota.map((r) => `${String(r.sender_domain)} ${String(r.code)}`).sort()).toEqual(
        [...new Set(data.sends.filter((s) => s.category === 'quota').map((s) => `${s.sender_domain} ${s.code ?? ''}`))].sort(),
      );
    });

    it('suspension risk: the view ranks the risky sender at_risk and the healthy one below review', async () => {
      const domains = (await runPanel('suspension-risk', 'risk-sender-domains')).rows;
      const row = (domain: string, window = '24h') => domains.find((r) => r.domain === domain && r.window === window);
      expect(row(SUSPENDED.senderDomain)?.level).toBe('at_risk');
      expect(['healthy', 'watch']).toContain(row('mail.acme.com')?.level);
      expect(domains.map((r) => num(r.score))).toEqual(domains.map((r) => num(r.score)).sort((a, b) => b - a));
      const workspaces = (await runPanel('suspension-risk', 'risk-workspaces')).rows;
      expect(new Set(workspaces.map((r) => r.tenant))).toEqual(new Set(SENDERS.map((s) => s.workspace)));
    });

    it('suspension risk: the trend at the last hour is what the view says now (same formula, same rollups)', async () => {
      const view = (await run('SELECT scope, subject, score, level FROM email_suspension_risk WHERE window = \'24h\'')).rows;
      const scores = (await runPanel('suspension-risk', 'risk-score-trend')).rows;
      const levels = (await runPanel('suspension-risk', 'risk-level-trend')).rows;
      const last = (rows: Record<string, unknown>[], subject: string) => rows.filter((r) => r.subject === subject).at(-1);
      expect(view.length).toBe(SENDERS.length + new Set(SENDERS.map((s) => s.workspace)).size);
      for (const expected of view) {
        const subject = `${String(expected.scope)} ${String(expected.subject)}`;
        expect(num(last(scores, subject)?.score), subject).toBeCloseTo(num(expected.score), 4);
        expect(num(last(levels, subject)?.level_rank), subject).toBe(LEVEL_RANKS[String(expected.level) as keyof typeof LEVEL_RANKS]);
      }
    });

    it('suspension risk: the trends plot the `top` riskiest subjects of each scope, the same rows whatever the variables route them through', async () => {
      const subjects = (rows: Record<string, unknown>[]) => [...new Set(rows.map((r) => String(r.subject)))].sort();
      const umbrella = SENDERS.find((s) => s.senderDomain === SUSPENDED.senderDomain);
      // The suspended sender is at_risk: of each scope, it (and its workspace) is the one kept.
      for (const key of ['risk-score-trend', 'risk-level-trend']) {
        const top1 = (await runPanel('suspension-risk', key, { ...ALL, top: '1' })).rows;
        expect(subjects(top1), key).toEqual([`sender_domain ${SUSPENDED.senderDomain}`, `workspace ${umbrella?.workspace ?? ''}`]);
        // Not a number, or empty: the default.
        expect(subjects((await runPanel('suspension-risk', key, { ...ALL, top: 'many' })).rows), key).toEqual(subjects((await runPanel('suspension-risk', key)).rows));
      }
      // Every provider selected by name reads the provider × workspace × domain rollup; All reads the
      // per-subject rollups (migration 0013): the same trend.
      const providers = [...new Set(SENDERS.map((s) => s.provider))];
      for (const top of ['2', '10']) {
        const viaSubjects = (await runPanel('suspension-risk', 'risk-score-trend', { ...ALL, top })).rows;
        const viaCells = (await runPanel('suspension-risk', 'risk-score-trend', { ...ALL, top, provider: providers })).rows;
        expect(viaSubjects.length, `top ${top}`).toBeGreaterThan(0);
        expect(viaCells, `top ${top}`).toEqual(viaSubjects);
      }
    });

    it('suspension risk: the trends\' subjects are a hidden variable whose value is SQL: tuple literals ClickHouse quoted, never an empty list', async () => {
      const risk = dashboard('suspension-risk');
      const umbrella = SENDERS.find((s) => s.senderDomain === SUSPENDED.senderDomain);
      const context = { from: data.from, to: data.to, intervalMs: INTERVAL_MS, variables: { ...ALL, top: '1' } };
      const { risk_subjects: value } = await withComputedVariables(risk.variables, context, client);
      expect(value).toBe(`('',''), ('sender_domain','${SUSPENDED.senderDomain}'), ('workspace','${umbrella?.workspace ?? ''}')`);
      // A range without events: only the pair no subject is, so the trends' IN list stays valid SQL.
      const empty = { ...context, from: new Date('2001-01-01T00:00:00Z'), to: new Date('2001-01-02T00:00:00Z') };
      const none = await withComputedVariables(risk.variables, empty, client);
      expect(none.risk_subjects).toBe("('','')");
      const trend = await client.query({ query: expandMacros(panel('suspension-risk', 'risk-score-trend').sql, { ...empty, variables: none }), format: 'JSONEachRow' });
      expect(await trend.json()).toEqual([]);
      // Names come from the events: ClickHouse's text of a tuple is a literal that reads back as the same name.
      for (const name of ["o'brien", 'back\\slash', 'new\nline', "x'), ('workspace', 'y"]) {
        const text = await client.query({ query: "SELECT toString(('workspace', {name:String})) AS v", query_params: { name }, format: 'JSONEachRow' });
        const [{ v }] = (await text.json()) as [{ v: string }];
        const back = await client.query({ query: `SELECT ('workspace', {name:String}) IN (('',''), ${v}) AS found, length([${v}]) AS pairs`, query_params: { name }, format: 'JSONEachRow' });
        expect(await back.json(), name).toEqual([{ found: 1, pairs: 1 }]);
      }
    });

    it('bounces: the rate charts plot the `top` domains by rate (guarded by volume), the same through either path', async () => {
      // The expected ranking, from the per-sender table's counts summed per domain.
      const totals = new Map<string, { sends: number; hard_bounces: number; complaints: number }>();
      for (const row of (await runPanel('bounces-complaints', 'rates-by-sender')).rows) {
        const domain = String(row.sender_domain);
        if (domain === '') continue;
        const t = totals.get(domain) ?? { sends: 0, hard_bounces: 0, complaints: 0 };
        totals.set(domain, { sends: t.sends + num(row.accepted), hard_bounces: t.hard_bounces + num(row.hard_bounces), complaints: t.complaints + num(row.complaints) });
      }
      const ranked = (events: 'hard_bounces' | 'complaints') =>
        [...totals.entries()]
          .map(([domain, t]) => ({ domain, guarded: t.sends >= 500 && t[events] >= 3, rate: t.sends > 0 ? t[events] / t.sends : 0 }))
          .sort((a, b) => Number(b.guarded) - Number(a.guarded) || b.rate - a.rate || (a.domain < b.domain ? -1 : 1))
          .map((r) => r.domain);
      expect(totals.size).toBeGreaterThan(3);
      const providers = [...new Set(SENDERS.map((s) => s.provider))];
      for (const [key, events] of [['bounce-rate', 'hard_bounces'], ['complaint-rate', 'complaints']] as const) {
        for (const top of [1, 3]) {
          const plotted = async (variables: Record<string, VariableValue>) => [...new Set((await runPanel('bounces-complaints', key, variables)).rows.map((r) => String(r.sender_domain)))].sort();
          const expected = ranked(events).slice(0, top).sort();
          expect(await plotted({ ...ALL, top: String(top) }), `${key} top ${top}`).toEqual(expected);
          expect(await plotted({ ...ALL, top: String(top), provider: providers }), `${key} top ${top}, every provider named`).toEqual(expected);
        }
      }
    });

    it('traces: failed attempts joined to their spans, and one whole trace for the trace view', async () => {
      const failedWithTrace = failed();
      const listed = (await runPanel('traces', 'failed-sends')).rows;
      expect(listed.length).toBe(Math.min(100, failedWithTrace.length));
      // The latest ones, newest first.
      const latest = failedWithTrace.map((s) => Date.parse(s.occurred_at)).sort((a, b) => b - a).slice(0, 100);
      expect(listed.map((row) => Date.parse(`${String(row.time).replace(' ', 'T')}Z`))).toEqual(latest);
      // Every failed attempt's trace holds its root span and one span per attempt of the message.
      for (const row of listed) {
        const attempts = count(data.sends, (s) => s.trace_id === row.trace);
        expect(num(row.span_count), String(row.trace)).toBe(attempts + 1);
      }
      const spans = (await runPanel('traces', 'trace')).rows;
      const expected = data.spans.filter((s) => s.TraceId === traceId);
      expect(spans.map((s) => s.spanID).sort()).toEqual(expected.map((s) => s.SpanId).sort());
      const root = spans.find((s) => s.parentSpanID === '');
      expect(spans.filter((s) => s !== root).every((s) => s.parentSpanID === root?.spanID)).toBe(true);
      for (const s of spans) expect([0, 2]).toContain(num(s.statusCode));
      const errorSpans = (await runPanel('traces', 'error-spans')).rows;
      expect(sum(errorSpans.map((r) => num(r.error_spans)))).toBe(failed().length);
    });
  });

  // -------------------------------------------------------------------------
  describe('variables', () => {
    const variable = (name: string) => {
      const found = DASHBOARDS[0]?.variables.find((v) => v.name === name);
      if (found?.kind !== 'query') throw new Error(`no query variable ${name}`);
      return found;
    };
    const options = async (name: string, variables: Record<string, VariableValue> = ALL) => (await run(variable(name).sql, variables)).rows.map((r) => r[name]);

    it('offer every provider, workspace, sender domain and environment in the data', async () => {
      expect(await options('provider')).toEqual([...new Set(SENDERS.map((s) => s.provider))].sort());
      expect(await options('workspace')).toEqual([...new Set(SENDERS.map((s) => s.workspace))].sort());
      expect(await options('sender_domain')).toEqual([...new Set(SENDERS.map((s) => s.senderDomain))].sort());
      expect(await options('environment')).toEqual([...new Set(SENDERS.map((s) => s.environment))].sort());
    });

    it('narrow each other: workspaces of the selected providers, domains of the selected workspaces', async () => {
      expect(await options('workspace', { ...ALL, provider: ['ses'] })).toEqual(['acme', 'umbrella']);
      expect(await options('sender_domain', { ...ALL, provider: ['ses', 'sendfleet'], workspace: ['acme'] })).toEqual(['mail.acme.com', 'news.acme.com']);
    });

    it('a selection filters the panel: one provider counts only its attempts', async () => {
      const ses = count(data.sends, (s) => s.provider === 'ses');
      expect(num((await runPanel('overview', 'attempts', { ...ALL, provider: ['ses'] })).rows[0]?.total_attempts)).toBe(ses);
      const staging = count(data.sends, (s) => s.environment === 'staging');
      expect(num((await runPanel('overview', 'attempts', { ...ALL, environment: ['staging'] })).rows[0]?.total_attempts)).toBe(staging);
    });

    /** A selection that leaves out part of the data, for each variable. */
    const NARROW: Record<string, VariableValue> = { provider: ['relay'], workspace: ['globex'], sender_domain: ['globex.io'], environment: ['staging'] };
    for (const spec of DASHBOARDS) {
      for (const p of spec.panels) {
        const used = Object.keys(NARROW).filter((name) => new RegExp(`\\$\\{?${name}\\b`).test(p.sql));
        if (used.length === 0) continue;
        it(`${spec.name} / ${p.key} changes with ${used.join(', ')}`, async () => {
          const all = JSON.stringify((await run(p.sql)).rows);
          for (const name of used) expect(JSON.stringify((await run(p.sql, { ...ALL, [name]: NARROW[name] as VariableValue })).rows), name).not.toBe(all);
        });
      }
    }
  });
});
