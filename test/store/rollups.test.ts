import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TABLES } from '../../src/demo/run.js';
import { createStoreClient, loadMigrations, migrate, renderStatements } from '../../src/store/index.js';
import type { MigrationSettings } from '../../src/store/index.js';
import { generateData } from '../helpers/generated-data.js';
import type { GeneratedData } from '../helpers/generated-data.js';

/**
 * The hourly and daily rollups, their totals across tenants, the hourly risk rollup, the
 * per-subject risk rollups and the daily recipients (migrations 0009, 0010, 0012, 0013, 0021 and
 * 0022) hold what the minute rollups hold: fed by chained views, a batch the loader replays with its
 * deduplication token still counts once; on a store upgraded with data in it, the backfill fills
 * them; and the migrations may run again without counting anything twice.
 */
const SETTINGS: MigrationSettings = { database: 'default', retentionDays: 3650, rollupRetentionDays: 3650 };
/** The loader's insert settings (src/ingest/write.ts) that matter for a replay. */
const LOADER_INSERT = { insert_deduplicate: 1, deduplicate_blocks_in_dependent_materialized_views: 1, date_time_input_format: 'best_effort', input_format_null_as_default: 1 } as const;

/** Every level above the minute rollups: hourly and daily, per tenant and across tenants. */
const COARSE = ['rollup_1h', 'rollup_1d', 'totals_1h', 'totals_1d'] as const;

interface Totals {
  attempts: number;
  recipients: number;
  retried: number;
  latencyMax: number;
  events: number;
  /** The same feedback events counted once at insert (migration 0014), as the panels read them. */
  eventCount: number;
  received: number;
}

/** One number per measure, read through each rollup level, so the levels can be compared. */
async function totals(client: ClickHouseClient, level: 'rollup_1m' | 'rollup_1h' | 'rollup_1d' | 'totals_1h' | 'totals_1d'): Promise<Totals> {
  const read = async (query: string) => {
    const result = await client.query({ query, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } as never });
    return ((await result.json()) as Record<string, number>[])[0] ?? {};
  };
  const send = await read(`SELECT sum(attempts) AS attempts, sum(recipient_count) AS recipients, sum(retried_attempts) AS retried, max(latency_ms_max) AS latencyMax FROM email_send_${level}`);
  const delivery = await read(`SELECT uniqMerge(events) AS events, sum(event_count) AS eventCount, sum(received) AS received FROM email_delivery_${level}`);
  return {
    attempts: Number(send.attempts),
    recipients: Number(send.recipients),
    retried: Number(send.retried),
    latencyMax: Number(send.latencyMax),
    events: Number(delivery.events),
    eventCount: Number(delivery.eventCount),
    received: Number(delivery.received),
  };
}

/** The per-subject risk rollups, each scope of each: every event counted once for its sender domain and once for its workspace. */
const RISK_BY_SUBJECT = ['email_risk_subject_1h', 'email_risk_subject_1d', 'email_risk_subject_by_month_1h'].flatMap((table) => ['sender_domain', 'workspace'].map((scope) => ({ table, scope })));

/**
 * The risk rollup's counts, the same counts computed from the minute rollups' uniq states of event ids (an oracle independent of the counts made at insert), and each scope of
 * the per-subject rollups beside the risk rollup's counts of the events that have that scope's
 * column (feedback from some providers names no sender domain).
 */
async function riskCounts(client: ClickHouseClient): Promise<{
  fromHourly: Record<string, number>;
  fromMinutes: Record<string, number>;
  bySubject: Record<string, { actual: Record<string, number>; expected: Record<string, number> }>;
  /** Distinct recipients from the daily states (migration 0022) and from the minute rollup's. */
  recipients: { daily: number; minutes: number };
}> {
  const read = async (query: string) => {
    const result = await client.query({ query, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } as never });
    return Object.fromEntries(Object.entries(((await result.json()) as Record<string, number>[])[0] ?? {}).map(([k, v]) => [k, Number(v)]));
  };
  const merged = `SELECT sum(sends) AS sends, sum(suppressed_sends) AS suppressed_sends, sum(account_errors) AS account_errors, sum(suspensions) AS suspensions,
      sum(delivered) AS delivered, sum(hard_bounces) AS hard_bounces, sum(complaints) AS complaints, sum(suppressed_feedback) AS suppressed_feedback`;
  const fromHourly = await read(`${merged} FROM email_risk_rollup_1h`);
  const bySubject: Record<string, { actual: Record<string, number>; expected: Record<string, number> }> = {};
  for (const { table, scope } of RISK_BY_SUBJECT) {
    bySubject[`${table} ${scope}`] = { actual: await read(`${merged} FROM ${table} WHERE scope = '${scope}'`), expected: await read(`${merged} FROM email_risk_rollup_1h WHERE ${scope} != ''`) };
  }
  // The per-tenant daily table (migration 0019): the hourly risk rollup's days, every tenant.
  bySubject.email_risk_tenant_1d = { actual: await read(`${merged} FROM email_risk_tenant_1d`), expected: fromHourly };
  const sends = await read(`SELECT sumIf(recipient_count, operation IN ('send', 'send_batch') AND outcome = 'sent') AS sends,
      sumIf(attempts, code = 'suppression.recipient_suppressed') AS suppressed_sends, sumIf(attempts, category = 'account') AS account_errors,
      sumIf(attempts, code IN ('account.sending_suspended', 'account.suspended')) AS suspensions
    FROM email_send_rollup_1m`);
  const feedback = await read(`SELECT uniqMergeIf(events, outcome = 'delivered') AS delivered, uniqMergeIf(events, outcome = 'bounced' AND bounce_type = 'hard') AS hard_bounces,
      uniqMergeIf(events, outcome = 'complained') AS complaints, uniqMergeIf(events, outcome = 'suppressed') AS suppressed_feedback
    FROM email_delivery_rollup_1m`);
  const recipients = {
    daily: (await read('SELECT uniqMerge(recipients) AS n FROM email_send_recipients_1d')).n ?? 0,
    minutes: (await read('SELECT uniqMerge(recipients) AS n FROM email_send_rollup_1m')).n ?? 0,
  };
  return { fromHourly, fromMinutes: { ...sends, ...feedback }, bySubject, recipients };
}

function expectSubjectsCounted({ bySubject, recipients }: Awaited<ReturnType<typeof riskCounts>>): void {
  expect(Object.keys(bySubject)).toHaveLength(RISK_BY_SUBJECT.length + 1);
  for (const [source, { actual, expected }] of Object.entries(bySubject)) {
    expect(actual.sends, source).toBeGreaterThan(0);
    expect(actual, source).toEqual(expected);
  }
  expect(recipients.minutes).toBeGreaterThan(0);
  expect(recipients.daily, 'email_send_recipients_1d').toBe(recipients.minutes);
}

describe('hourly and daily rollups', () => {
  const dirs: string[] = [];
  let open: ClickHouseClient | undefined;
  /** A fresh store; the embedded engine holds one data directory per process, so the last one is closed first. */
  const store = async () => {
    await open?.close();
    const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-rollups-'));
    dirs.push(dataDir);
    open = await createStoreClient({ dataDir });
    return open;
  };
  let data: GeneratedData;

  beforeAll(() => {
    // Three hours over two days (across midnight), so each level really aggregates several rows into one.
    data = generateData({ end: new Date(Date.UTC(2026, 10, 20, 1, 30)), minutes: 180, seed: 11, spans: false });
  });
  afterAll(async () => {
    await open?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('count a replayed loader batch once at every level, as the minute rollups do', async () => {
    const client = await store();
    await migrate(client, SETTINGS);
    const batch = async (table: string, values: readonly object[], token: string) =>
      client.insert({ table, values: [...values], format: 'JSONEachRow', clickhouse_settings: { ...LOADER_INSERT, insert_deduplication_token: token } });
    for (let replay = 0; replay < 2; replay += 1) {
      await batch('email_send_events', data.sends, 'email.send.events/0/0-999');
      await batch('email_delivery_events', data.deliveries, 'email.delivery.events/0/0-999');
    }

    const minute = await totals(client, 'rollup_1m');
    expect(minute.attempts).toBe(data.sends.length);
    expect(minute.events).toBe(data.deliveries.length);
    expect(minute.eventCount).toBe(data.deliveries.length);
    expect(minute.received).toBe(data.deliveries.length);
    for (const level of COARSE) expect(await totals(client, level), level).toEqual(minute);
    const risk = await riskCounts(client);
    expect(risk.fromHourly.sends).toBeGreaterThan(0);
    expect(risk.fromHourly.hard_bounces).toBeGreaterThan(0);
    expect(risk.fromHourly).toEqual(risk.fromMinutes);
    expectSubjectsCounted(risk);
  });

  it('count a feedback event once when its webhook comes again in a later insert, and when a crash cut a batch between its ids and its rollups', async () => {
    const client = await store();
    await migrate(client, SETTINGS);
    const events = data.deliveries.slice(0, 110);
    const batch = async (values: readonly object[], token?: string) =>
      client.insert({ table: 'email_delivery_events', values: [...values], format: 'JSONEachRow', clickhouse_settings: { ...LOADER_INSERT, ...(token ? { insert_deduplication_token: token } : {}) } });
    await batch(events.slice(0, 100), 'email.delivery.events/0/0-99');
    // Ten of them redelivered beside five new ones, in a later loader batch.
    await batch([...events.slice(0, 10), ...events.slice(100, 105)], 'email.delivery.events/0/100-114');
    // Three redelivered and two new ones, inserted without a deduplication token.
    await batch([...events.slice(10, 13), ...events.slice(105, 107)]);
    // A crash after the ids of a batch were recorded, before its rollup rows were: the replay (same token) counts them.
    await client.insert({
      table: 'email_delivery_event_ids',
      values: events.slice(107, 110).map((e) => ({ event_id: e.event_id, day: e.occurred_at.slice(0, 10), insert_token: 'email.delivery.events/0/115-117' })),
      format: 'JSONEachRow',
    });
    await batch(events.slice(107, 110), 'email.delivery.events/0/115-117');
    // And that batch replayed once more counts nothing again.
    await batch(events.slice(107, 110), 'email.delivery.events/0/115-117');

    const minute = await totals(client, 'rollup_1m');
    expect(minute.eventCount).toBe(110);
    expect(minute.events).toBe(110);
    expect(minute.received).toBe(100 + 15 + 5 + 3);
    for (const level of COARSE) expect(await totals(client, level), level).toEqual(minute);
    const risk = await riskCounts(client);
    expect(risk.fromHourly).toEqual(risk.fromMinutes);
  });

  it('hold one row per hour or day and dimensions, with the minutes it was first and last seen', async () => {
    const client = await store();
    await migrate(client, SETTINGS);
    await client.insert({ table: 'email_send_events', values: data.sends, format: 'JSONEachRow', clickhouse_settings: LOADER_INSERT });
    const result = await client.query({
      query: `SELECT count() AS days, countIf(first_minute = expected_first AND last_minute = expected_last) AS matching
        FROM (SELECT day, provider, workspace, sender_domain, environment, operation, outcome, category, code, min(first_minute) AS first_minute, max(last_minute) AS last_minute
              FROM email_send_rollup_1d GROUP BY ALL) AS d
        JOIN (SELECT toStartOfDay(minute) AS day, provider, workspace, sender_domain, environment, operation, outcome, category, code, min(minute) AS expected_first, max(minute) AS expected_last
              FROM email_send_rollup_1m GROUP BY ALL) AS m USING (day, provider, workspace, sender_domain, environment, operation, outcome, category, code)`,
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } as never,
    });
    const [row] = (await result.json()) as { days: number; matching: number }[];
    expect(Number(row?.days)).toBeGreaterThan(0);
    expect(Number(row?.matching)).toBe(Number(row?.days));
    const days = await client.query({ query: 'SELECT DISTINCT day FROM email_send_rollup_1d ORDER BY day', format: 'JSONEachRow' });
    expect(((await days.json()) as { day: string }[]).map((d) => d.day)).toEqual(['2026-11-19 00:00:00', '2026-11-20 00:00:00']);
  });

  it('are backfilled when a store with data is upgraded, and a migration run again counts nothing twice', async () => {
    const client = await store();
    const migrations = loadMigrations();
    const before = migrations.filter((m) => m.version <= 8);
    await migrate(client, SETTINGS, before);
    await client.insert({ table: 'email_send_events', values: data.sends, format: 'JSONEachRow', clickhouse_settings: LOADER_INSERT });
    await client.insert({ table: 'email_delivery_events', values: data.deliveries, format: 'JSONEachRow', clickhouse_settings: LOADER_INSERT });

    const applied = await migrate(client, SETTINGS, migrations);
    expect(applied.applied).toEqual(migrations.filter((m) => m.version > 8).map((m) => m.name));
    const minute = await totals(client, 'rollup_1m');
    expect(minute.attempts).toBe(data.sends.length);
    expect(minute.eventCount).toBe(data.deliveries.length);
    for (const level of COARSE) expect(await totals(client, level), level).toEqual(minute);
    const backfilled = await riskCounts(client);
    expect(backfilled.fromHourly).toEqual(backfilled.fromMinutes);
    expectSubjectsCounted(backfilled);

    // A run cut short is run again from the top before any later migration runs: on a second
    // store with the same data, each new migration is applied, then every statement of it once more.
    const again = await store();
    await migrate(again, SETTINGS, before);
    await again.insert({ table: 'email_send_events', values: data.sends, format: 'JSONEachRow', clickhouse_settings: LOADER_INSERT });
    await again.insert({ table: 'email_delivery_events', values: data.deliveries, format: 'JSONEachRow', clickhouse_settings: LOADER_INSERT });
    for (const migration of migrations.filter((m) => m.version > 8)) {
      await migrate(again, SETTINGS, migrations.filter((m) => m.version <= migration.version));
      for (const statement of renderStatements(migration.sql, SETTINGS)) await again.command({ query: statement });
    }
    expect(await totals(again, 'rollup_1m')).toEqual(minute);
    for (const level of COARSE) expect(await totals(again, level), level).toEqual(minute);
    const risk = await riskCounts(again);
    expect(risk).toEqual(backfilled);
    expectSubjectsCounted(risk);

    // And the views still feed them afterwards.
    const later = generateData({ end: new Date(Date.UTC(2026, 10, 20, 3, 0)), minutes: 60, seed: 12, spans: false });
    await again.insert({ table: 'email_send_events', values: later.sends, format: 'JSONEachRow', clickhouse_settings: LOADER_INSERT });
    await again.insert({ table: 'email_delivery_events', values: later.deliveries, format: 'JSONEachRow', clickhouse_settings: LOADER_INSERT });
    const grown = await totals(again, 'rollup_1m');
    expect(grown.attempts).toBe(data.sends.length + later.sends.length);
    expect(grown.eventCount).toBe(data.deliveries.length + later.deliveries.length);
    for (const level of COARSE) expect(await totals(again, level), level).toEqual(grown);
    const fed = await riskCounts(again);
    expect(fed.fromHourly).toEqual(fed.fromMinutes);
    expectSubjectsCounted(fed);
  });

  it('are emptied with the tables that feed them when the demo starts over', async () => {
    const client = await store();
    await migrate(client, SETTINGS);
    const result = await client.query({ query: "SELECT name FROM system.tables WHERE database = 'default' AND engine LIKE '%AggregatingMergeTree' ORDER BY name", format: 'JSONEachRow' });
    const rollups = ((await result.json()) as { name: string }[]).map((t) => t.name);
    expect(rollups).toEqual(expect.arrayContaining(['email_risk_rollup_1h', 'email_risk_subject_1h', 'email_risk_subject_1d']));
    expect(rollups.filter((name) => !(DEMO_TABLES as readonly string[]).includes(name))).toEqual([]);
    // Every table a materialized view writes to (but a Null one, which keeps nothing) is emptied too.
    const views = await client.query({
      query: "SELECT v.create_table_query AS query FROM system.tables AS v WHERE v.database = 'default' AND v.engine = 'MaterializedView'",
      format: 'JSONEachRow',
    });
    const nullTables = await client.query({ query: "SELECT name FROM system.tables WHERE database = 'default' AND engine = 'Null'", format: 'JSONEachRow' });
    const keepsNothing = new Set(((await nullTables.json()) as { name: string }[]).map((t) => t.name));
    const targets = new Set(((await views.json()) as { query: string }[]).map((v) => /\bTO default\.(\w+)/.exec(v.query)?.[1] ?? `unparsed: ${v.query}`));
    expect(targets.size).toBeGreaterThan(10);
    expect([...targets].filter((name) => !keepsNothing.has(name) && !(DEMO_TABLES as readonly string[]).includes(name))).toEqual([]);
  });
});
