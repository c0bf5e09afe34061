import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCount, parsePanelsArgs } from '../../bench/panels.js';
import { deliveryRowsSql, fillStore, hmacSha256HexSql, sendRowsSql, workspaceRankSql } from '../../bench/panels/fill.js';
import { timeQueries } from '../../bench/panels/measure.js';
import { benchQueries, durationLabel, MAX_DATA_POINTS, panelIntervalMs, RANGES } from '../../bench/panels/queries.js';
import { BENCH_RECIPIENT_KEY, DOMAIN_COUNT, FEEDBACK_INCIDENT, SEND_INCIDENTS, WORKSPACES } from '../../bench/panels/scenario.js';
import { ALERT_RULES } from '../../src/alerts/index.js';
import { DASHBOARDS, grafanaIntervalMs, INTERVAL_PANEL_POINTS } from '../../src/dashboards/index.js';
import { DeliveryEventSchema, RecipientHasher, SendEventSchema, validateDeliveryEvent, validateSendEvent } from '../../src/events/index.js';
import { createStoreClient, migrate } from '../../src/store/index.js';
import { expectUniqOf } from '../helpers/uniq.js';

/**
 * The panels benchmark's instrument (bench/panels*): the filler at a tiny N
 * through the real migrations (raw rows, rollups fed by the views, every row
 * valid for its contract), the workspace skew on its own, the incidents, and
 * every query the bench times running on the filled store.
 */

const EVENTS = 20_000;
const DELIVERIES = 14_000;

type Row = Record<string, unknown>;

/** Contract fields that may be null: the tables store null as '' (the loader's inserts do the same). */
const nullable = (schema: { properties: Record<string, unknown> }) =>
  new Set(Object.entries(schema.properties).filter(([, property]) => JSON.stringify(property).includes('"type":"null"') || JSON.stringify(property).includes('null]')).map(([name]) => name));

/** A stored row back into the event the contract describes. */
function asEvent(row: Row, timeFields: readonly string[], nullableFields: ReadonlySet<string>): Row {
  const event: Row = { ...row };
  for (const field of timeFields) event[field] = `${String(row[field]).replace(' ', 'T')}Z`;
  for (const field of nullableFields) if (event[field] === '') event[field] = null;
  return event;
}

describe('bench panels: the filler and the queries it times', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-bench-panels-test-'));
  let client: ClickHouseClient;
  const now = new Date();

  const rows = async (query: string): Promise<Row[]> => {
    const result = await client.query({ query, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } as never });
    return (await result.json()) as Row[];
  };
  const one = async (query: string): Promise<Row> => (await rows(query))[0] ?? {};

  beforeAll(async () => {
    client = await createStoreClient({ dataDir });
    await migrate(client, { database: 'default', retentionDays: 90, rollupRetentionDays: 400 });
    // Small chunks, so the filler's chunk boundaries (and the feedback rows split across them) are exercised.
    const filled = await fillStore(client, { events: EVENTS, chunkRows: 7_000, now });
    expect(filled).toMatchObject({ sends: EVENTS, deliveries: DELIVERIES });
  });
  afterAll(async () => {
    await client?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('the filled store', () => {
    it('holds N send events and 0.7 N feedback events, each id once', async () => {
      expect(await one('SELECT count() AS rows, uniqExact(event_id) AS ids FROM email_send_events')).toEqual({ rows: EVENTS, ids: EVENTS });
      expect(await one('SELECT count() AS rows, uniqExact(event_id) AS ids FROM email_delivery_events')).toEqual({ rows: DELIVERIES, ids: DELIVERIES });
    });

    it('the materialized views fired: the rollups count every event', async () => {
      expect(await one('SELECT sum(attempts) AS attempts FROM email_send_rollup_1m')).toEqual({ attempts: EVENTS });
      const counted = await one('SELECT sum(received) AS received, uniqMerge(events) AS events FROM email_delivery_rollup_1m');
      expect(Number(counted.received)).toBe(DELIVERIES);
      // An exact check failed about one run in 40 (uniq's hash collisions; see expectUniqOf).
      expectUniqOf(Number(counted.events), DELIVERIES);
    });

    it('every send event and every feedback event is valid for its contract', async () => {
      const sendNullable = nullable(SendEventSchema);
      const sends = await rows(`SELECT ${Object.keys(SendEventSchema.properties).join(', ')} FROM email_send_events`);
      expect(sends).toHaveLength(EVENTS);
      for (const row of sends) {
        const verdict = validateSendEvent(asEvent(row, ['occurred_at'], sendNullable));
        expect(verdict.ok ? 'valid' : `${verdict.reason}: ${JSON.stringify(row)}`).toBe('valid');
      }
      const deliveryNullable = nullable(DeliveryEventSchema);
      const deliveries = await rows(`SELECT ${Object.keys(DeliveryEventSchema.properties).join(', ')} FROM email_delivery_events`);
      expect(deliveries).toHaveLength(DELIVERIES);
      for (const row of deliveries) {
        const verdict = validateDeliveryEvent(asEvent(row, ['occurred_at', 'received_at'], deliveryNullable));
        expect(verdict.ok ? 'valid' : `${verdict.reason}: ${JSON.stringify(row)}`).toBe('valid');
      }
    });

    it('spans the last 30 days, with failures near 10% over many codes, several providers and the tail of workspaces', async () => {
      const shape = await one(`SELECT
          min(occurred_at) >= now() - INTERVAL 30 DAY - INTERVAL 1 MINUTE AND max(occurred_at) <= now() AS within_30_days,
          dateDiff('hour', min(occurred_at), max(occurred_at)) AS hours,
          countIf(outcome = 'failed') / count() AS failure_share,
          uniqExactIf(code, code != '') AS codes,
          uniqExact(provider) AS providers,
          uniqExact(workspace) AS workspaces,
          uniqExact(sender_domain) AS domains,
          uniqExactIf(recipient_hash, recipient_hash != '') AS recipients
        FROM email_send_events`);
      expect(shape.within_30_days).toBe(1);
      expect(Number(shape.hours)).toBeGreaterThan(29 * 24);
      expect(Number(shape.failure_share)).toBeGreaterThan(0.08);
      expect(Number(shape.failure_share)).toBeLessThan(0.12);
      expect(Number(shape.codes)).toBeGreaterThanOrEqual(40);
      expect(Number(shape.providers)).toBeGreaterThanOrEqual(5);
      // 20,000 events cannot reach all 2,000 workspaces, but the tail is there.
      expect(Number(shape.workspaces)).toBeGreaterThan(1_000);
      expect(Number(shape.domains)).toBeLessThanOrEqual(DOMAIN_COUNT);
      expect(Number(shape.domains)).toBeGreaterThan(400);
      expect(Number(shape.recipients)).toBeGreaterThan(10_000);
    });

    it('each sender domain belongs to one workspace, except the platform\'s shared ones', async () => {
      const shared = await rows(`SELECT sender_domain FROM email_send_events GROUP BY sender_domain HAVING uniqExact(workspace) > 1`);
      for (const row of shared) expect(String(row.sender_domain)).toMatch(/\.platform-mail\.example$/);
    });

    it('feedback follows a send: same message, workspace, provider and recipient, after it', async () => {
      const orphans = await one(`SELECT count() AS orphans FROM email_delivery_events AS d
        LEFT JOIN email_send_events AS s ON d.message_id = s.message_id
        WHERE s.message_id = '' OR d.workspace != s.workspace OR d.provider != s.provider OR d.recipient_hash != s.recipient_hash OR d.occurred_at < s.occurred_at
          OR (d.sender_domain != '' AND d.sender_domain != s.sender_domain)`);
      expect(orphans).toEqual({ orphans: 0 });
    });

    it('recipient hashes are the real HMAC-SHA256 under the bench key', async () => {
      const hasher = new RecipientHasher(BENCH_RECIPIENT_KEY);
      for (const address of ['user42@gmail.com', 'user0@corp7.example']) {
        expect(await one(`SELECT ${hmacSha256HexSql(`'${address}'`)} AS hash`)).toEqual({ hash: hasher.hash(address) });
      }
      const longKey = 'k'.repeat(100);
      expect(await one(`SELECT ${hmacSha256HexSql("'a@b.example'", longKey)} AS hash`)).toEqual({ hash: new RecipientHasher(longKey).hash('a@b.example') });
    });
  });

  describe('the workspace skew', () => {
    // An exact uniform grid of u instead of hashes: the distribution of the function itself.
    const POINTS = 1_000_000;
    const shares = async () =>
      (await rows(`SELECT ${workspaceRankSql(`(number + 0.5) / ${POINTS}`)} AS rank, count() AS points FROM numbers(${POINTS}) GROUP BY rank ORDER BY rank`)).map((r) => ({
        rank: Number(r.rank),
        points: Number(r.points),
        share: Number(r.points) / POINTS,
      }));

    it('a few large tenants: the top 1% hold about a third, the top 10% more than half', async () => {
      const all = await shares();
      const top = (fraction: number) => all.filter((r) => r.rank < WORKSPACES.count * fraction).reduce((sum, r) => sum + r.share, 0);
      expect(top(0.01)).toBeGreaterThan(0.25);
      expect(top(0.01)).toBeLessThan(0.4);
      expect(top(0.1)).toBeGreaterThan(0.5);
    });

    it('a long tail: every one of the 2,000 workspaces sends, each smaller than the one before it', async () => {
      const all = await shares();
      expect(all.map((r) => r.rank)).toEqual(Array.from({ length: WORKSPACES.count }, (_, rank) => rank));
      const tail = all.filter((r) => r.rank >= WORKSPACES.count / 2);
      expect(tail.reduce((sum, r) => sum + r.share, 0)).toBeGreaterThan(0.1);
      expect(Math.min(...tail.map((r) => r.share))).toBeGreaterThan(0);
      expect((all[0]?.share ?? 0) / (all.at(-1)?.share ?? 1)).toBeGreaterThan(100);
      // Non-increasing, up to the grid's rounding of one point.
      for (let i = 1; i < all.length; i += 1) expect(all[i]?.points ?? 0).toBeLessThanOrEqual((all[i - 1]?.points ?? 0) + 1);
    });
  });

  describe('the incidents, at the scale they are meant for', () => {
    // The last rows of a 10 M-event history without inserting it: the SELECT the filler inserts.
    const TOTAL = 10_000_000;
    const LAST = 100_000; // the last 7.2 hours
    const nowMs = Math.floor(now.getTime() / 1000) * 1000;

    it('a suspended domain fails every attempt, a provider has a throttling burst, a workspace runs out of quota', async () => {
      const sends = `(${sendRowsSql(TOTAL - LAST, LAST, TOTAL, nowMs)})`;
      for (const incident of SEND_INCIDENTS.filter((i) => i.fromAgoMs <= 7 * 3_600_000)) {
        const window = `occurred_at >= fromUnixTimestamp64Milli(${nowMs - incident.fromAgoMs}) AND occurred_at < fromUnixTimestamp64Milli(${nowMs - incident.toAgoMs})`;
        const inside = await one(`SELECT count() AS attempts, countIf(code = '${incident.code}') / count() AS share FROM ${sends} WHERE ${incident.column} = '${incident.value}' AND ${window}`);
        expect(Number(inside.attempts), incident.name).toBeGreaterThan(10);
        if (incident.share === 1) expect(Number(inside.share), incident.name).toBe(1);
        else expect(Math.abs(Number(inside.share) - incident.share), incident.name).toBeLessThan(0.15);
        const outside = await one(`SELECT countIf(code = '${incident.code}') / count() AS share FROM ${sends} WHERE ${incident.column} = '${incident.value}' AND NOT (${window})`);
        expect(Number(outside.share), `${incident.name}, outside its window`).toBeLessThan(0.05);
      }
    });

    it('a bounce spike: one domain bounces hard on about 15% of its feedback', async () => {
      const deliveries = Math.round(TOTAL * 0.7);
      const feedback = `(${deliveryRowsSql(deliveries - LAST, LAST, TOTAL, deliveries, nowMs)})`;
      const spike = await one(`SELECT count() AS events, countIf(bounce_type = 'hard') / count() AS hard FROM ${feedback} WHERE sender_domain = '${FEEDBACK_INCIDENT.senderDomain}'`);
      expect(Number(spike.events)).toBeGreaterThan(50);
      expect(Number(spike.hard)).toBeGreaterThan(0.08);
      const rest = await one(`SELECT countIf(bounce_type = 'hard') / count() AS hard FROM ${feedback} WHERE sender_domain != '${FEEDBACK_INCIDENT.senderDomain}'`);
      expect(Number(rest.hard)).toBeLessThan(0.03);
    });
  });

  describe('the queries', () => {
    it('are every panel of every dashboard over each range, each dashboard variable, and each alert rule twice', () => {
      const queries = benchQueries();
      for (const dashboard of DASHBOARDS) {
        for (const panel of dashboard.panels) {
          expect(queries.filter((q) => q.source === dashboard.name && q.name === panel.key).map((q) => q.range), `${dashboard.name} / ${panel.key}`).toEqual(RANGES.map((r) => r.label));
        }
      }
      for (const rule of ALERT_RULES) {
        expect(queries.filter((q) => q.name === rule.uid).map((q) => `${q.source} ${q.range}`)).toEqual([`alerts check ${durationLabel(rule.rangeSeconds)}`, `grafana alert ${durationLabel(rule.rangeSeconds)}`]);
      }
      const variableNames = new Set(DASHBOARDS.flatMap((d) => d.variables.filter((v) => v.kind === 'query' || v.kind === 'computed').map((v) => v.name)));
      expect(new Set(queries.filter((q) => q.source === 'variables').map((q) => q.name))).toEqual(variableNames);
    });

    it('all run without error on the filled store, and the panels find data', { timeout: 600_000 }, async () => {
      const timings = await timeQueries(client, benchQueries(), { runs: 1 });
      expect(timings.filter((t) => t.error !== undefined)).toEqual([]);
      // Traces panels read otel_traces, which the filler leaves empty; the rest show the filled history.
      const empty = timings.filter((t) => t.rows === 0 && !['traces', 'alerts check', 'grafana alert'].includes(t.source));
      expect(empty.map((t) => `${t.source} / ${t.name} ${t.range}`)).toEqual([]);
    });

    it('use the interval Grafana picks: ~1,000 points, or the panel\'s Max data points', () => {
      expect(RANGES.map((r) => grafanaIntervalMs(r.ms, MAX_DATA_POINTS))).toEqual([60_000, 600_000, 1_800_000]);
      expect(grafanaIntervalMs(3_600_000, MAX_DATA_POINTS)).toBe(5_000);
      expect(grafanaIntervalMs(90 * 86_400_000, MAX_DATA_POINTS)).toBe(7_200_000);
      // Panels that bucket by interval: 5 min, 1 h, 3 h. The two longer are whole hours (the hourly rollups).
      expect(RANGES.map((r) => grafanaIntervalMs(r.ms, INTERVAL_PANEL_POINTS))).toEqual([300_000, 3_600_000, 10_800_000]);
      const byInterval = DASHBOARDS.flatMap((d) => d.panels).filter((p) => p.sql.includes('$__timeInterval'));
      expect(byInterval.length).toBeGreaterThan(0);
      for (const panel of byInterval) expect(RANGES.map((r) => panelIntervalMs(panel, r.ms)), panel.key).toEqual([300_000, 3_600_000, 10_800_000]);
      expect(durationLabel(87_300)).toBe('24h15m');
      expect(durationLabel(1_800)).toBe('30m');
      expect(durationLabel(7 * 86_400)).toBe('7d');
    });
  });

  it('takes N as 10M, 500k or 50_000_000, and refuses anything else', () => {
    expect(parseCount('10M', 'n')).toBe(10_000_000);
    expect(parseCount('500k', 'n')).toBe(500_000);
    expect(parseCount('50_000_000', 'n')).toBe(50_000_000);
    for (const bad of ['', '0', '-5', '1.5', 'ten']) expect(() => parseCount(bad, 'n'), bad).toThrow(/whole number/);
    expect(parsePanelsArgs(['--events', '1M', '--keep'], {})).toMatchObject({ events: 1_000_000, keep: true, runs: 3, fillOnly: false });
    expect(parsePanelsArgs(['--fill-only'], {})).toMatchObject({ events: 10_000_000, fillOnly: true });
    expect(parsePanelsArgs([], { SENDLENS_BENCH_EVENTS: '2M' })).toMatchObject({ events: 2_000_000 });
    expect(() => parsePanelsArgs(['--nope'], {})).toThrow(/unknown option/);
  });
});
