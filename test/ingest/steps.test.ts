import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { BEHIND_WAIT_FACTOR, BatchWriter, COMPACT_INSERT_COLUMNS, InvalidRatioExceeded, InvalidRatioGuard, PartitionBatch, decodeDeliveryEvents, decodeSendEvents } from '../../src/ingest/index.js';
import type { SourceMessage } from '../../src/ingest/index.js';
import { decodeRow } from '../../src/ingest/row-format.js';
import { createStoreClient, renderStatements } from '../../src/store/index.js';
import { loadMigrations } from '../../src/store/migrations.js';
import { sampleDeliveryEvent, sampleEvent } from '../helpers/events.js';
import { SendEventSchema, uuidv7 } from '../../src/events/index.js';

const message = (value: string | Buffer | null, offset = 7n): SourceMessage => ({ topic: 'email.send.events', partition: 2, offset, key: null, value: typeof value === 'string' ? Buffer.from(value) : value });
const line = (overrides = {}) => JSON.stringify(sampleEvent({ event_id: uuidv7(), ...overrides }));

describe('decode', () => {
  it('keeps each valid event as a compact row in the contract\'s column order and dead-letters each bad one with its reason and place', () => {
    const good = line();
    const decoded = decodeSendEvents(message([good, '{not json', good.slice(0, 40), JSON.stringify({ ...sampleEvent(), code: 'auth.made_up' }), line({ error_message: 'x'.repeat(900) }).replace('"x', `"${'y'.repeat(20_000)}`), ''].join('\n')));
    const columns = COMPACT_INSERT_COLUMNS.get('email_send_events') ?? [];
    expect(columns).toEqual(Object.keys(SendEventSchema.properties));
    const event = JSON.parse(good) as Record<string, unknown>;
    // A row is the event's values in column order (row-format.ts, TabSeparated): read back, value for value.
    expect(decoded.rows.get('email_send_events')?.map((r) => columns.map((column) => decodeRow('email_send_events', r.text)[column]))).toEqual([columns.map((column) => event[column])]);
    expect(decoded.judged).toBe(5);
    expect(decoded.deadLetters.map((d) => [d.line, d.reason.split(':')[0]])).toEqual([
      [1, 'malformed JSON'],
      [2, 'malformed JSON'],
      [3, 'schema'],
      [4, 'oversized event'],
    ]);
    expect(decoded.deadLetters[2]?.reason).toContain('/code');
    expect(decoded.deadLetters[0]).toMatchObject({ topic: 'email.send.events', partition: 2, offset: 7n, original: Buffer.from('{not json') });
  });

  it('dead-letters an empty or oversized message whole', () => {
    expect(decodeSendEvents(message(null)).deadLetters[0]?.reason).toBe('empty message');
    const huge = decodeSendEvents(message(Buffer.alloc(2 * 1024 * 1024, 0x61)));
    expect(huge.deadLetters[0]?.reason).toMatch(/^oversized: 2097152 bytes/);
    expect(huge.deadLetters[0]?.line).toBeNull();
  });
});

describe('PartitionBatch', () => {
  it('names itself by its offset range and closes on rows, time, or exactly at a replay boundary', () => {
    const batch = new PartitionBatch('t', 1);
    const limits = { maxRows: 3, maxBytes: 1e9, maxWaitMs: 1000 };
    batch.add(message(line(), 10n), decodeSendEvents(message(line(), 10n)), 0);
    batch.add(message(line(), 11n), decodeSendEvents(message(line(), 11n)), 10);
    expect(batch.token()).toBe('t:1:10-11');
    expect(batch.due(limits, 500)).toBe(false);
    expect(batch.due(limits, 1000)).toBe(true);
    batch.replayUntil = 12n;
    expect(batch.due(limits, 5000)).toBe(false); // a replay ignores time and size: only the logged end counts
    batch.add(message(line(), 12n), decodeSendEvents(message(line(), 12n)), 20);
    expect(batch.due(limits, 20)).toBe(true);
  });

  it('while its partition is behind, is closed by age only at BEHIND_WAIT_FACTOR times the wait, and still by rows at once', () => {
    const batch = new PartitionBatch('t', 1);
    const limits = { maxRows: 3, maxBytes: 1e9, maxWaitMs: 1000 };
    batch.add(message(line(), 10n), decodeSendEvents(message(line(), 10n)), 0);
    expect(batch.due(limits, 1000, false, true)).toBe(false);
    expect(batch.due(limits, BEHIND_WAIT_FACTOR * 1000 - 1, false, true)).toBe(false);
    expect(batch.due(limits, BEHIND_WAIT_FACTOR * 1000, false, true)).toBe(true);
    expect(batch.due(limits, 1000, false, false)).toBe(true);
    expect(batch.due(limits, 10 * BEHIND_WAIT_FACTOR * 1000, true, true)).toBe(false); // a write in flight: rows and bytes only (group commit)
    batch.add(message(`${line()}\n${line()}`, 11n), decodeSendEvents(message(`${line()}\n${line()}`, 11n)), 0);
    expect(batch.due(limits, 0, true, true)).toBe(true);
  });

  it('keeps every copy of a delivery event: the feedback rollups count each receipt of a retried webhook', () => {
    const batch = new PartitionBatch('email.delivery.events', 0);
    const event = JSON.stringify(sampleDeliveryEvent({}, Date.now() - 60_000));
    const value = `${event}\n${event}`;
    const delivery = { topic: 'email.delivery.events', partition: 0, offset: 5n, key: null, value: Buffer.from(value) };
    batch.add(delivery, decodeDeliveryEvents(delivery), 0);
    expect([batch.rowCount, batch.duplicates]).toEqual([2, 0]);
  });

  it('keeps the first row of each event id across its messages, and only rows of other ids count towards its limits', () => {
    const batch = new PartitionBatch('t', 1);
    const first = line({ latency_ms: 10 });
    const id = (JSON.parse(first) as { event_id: string }).event_id;
    const laterCopy = line({ event_id: id, latency_ms: 99 });
    const other = line();
    batch.add(message(`${first}\n${other}`, 10n), decodeSendEvents(message(`${first}\n${other}`, 10n)), 0);
    batch.add(message(`${laterCopy}\n${first}`, 11n), decodeSendEvents(message(`${laterCopy}\n${first}`, 11n)), 0);
    const rows = batch.rows.get('email_send_events') ?? [];
    expect(rows.map((row) => decodeRow('email_send_events', row.text))).toEqual([JSON.parse(first), JSON.parse(other)]);
    expect(rows.map((row) => row.offset)).toEqual([10n, 10n]);
    expect([batch.rowCount, batch.duplicates]).toEqual([2, 2]);
    expect(batch.bytes).toBe(rows.reduce((sum, row) => sum + row.text.length + 1, 0));
    // The same offset range always keeps the same rows: a replay inserts what the token named.
    expect(batch.token()).toBe('t:1:10-11');
  });
});

describe('InvalidRatioGuard', () => {
  it('stops a stream that is mostly invalid, and tolerates a trickle', () => {
    const guard = new InvalidRatioGuard(0.5, 100);
    for (let i = 0; i < 1000; i += 1) guard.record(1, i % 10 === 0 ? 1 : 0);
    const bad = new InvalidRatioGuard(0.5, 100);
    expect(() => {
      for (let i = 0; i < 1000; i += 1) bad.record(1, i % 10 === 0 ? 0 : 1);
    }).toThrow(InvalidRatioExceeded);
  });
});

describe('BatchWriter on the embedded engine', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-writer-'));
  let client: ClickHouseClient;
  const settings = { database: 'default', retentionDays: 90, rollupRetentionDays: 400 };
  const writer = () => new BatchWriter(client, { database: 'default', consumerGroup: 'g1', initialRetryMs: 10 });

  beforeAll(async () => {
    client = await createStoreClient({ dataDir });
    for (const migration of loadMigrations().filter((m) => m.name !== '0003_otel_traces')) {
      for (const statement of renderStatements(migration.sql, settings)) await client.command({ query: statement });
    }
    await client.command({ query: 'CREATE TABLE strict_dates (d Date, n UInt32) ENGINE = MergeTree ORDER BY n' });
  });
  afterAll(async () => {
    await client.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const count = async (query: string) => Number(((await (await client.query({ query, format: 'JSONEachRow' })).json()) as { n: string }[])[0]?.n);

  it('writing the same batch twice counts it once, in the table and in the rollup', async () => {
    const batch = new PartitionBatch('email.send.events', 0);
    for (let offset = 0n; offset < 5n; offset += 1n) {
      const m = message([line(), line()].join('\n'), offset);
      batch.add(m, decodeSendEvents(m), 0);
    }
    await writer().write(batch);
    await writer().write(batch);
    expect(await count('SELECT count() AS n FROM email_send_events')).toBe(10);
    expect(await count('SELECT sum(attempts) AS n FROM email_send_rollup_1m')).toBe(10);
    expect(await writer().replayBoundary('email.send.events', 0, 0n)).toEqual({ lastOffset: 4n, token: 'email.send.events:0:0-4' });
    expect(await writer().replayBoundary('email.send.events', 0, 1n)).toBeNull();
  });

  it('bisects a batch ClickHouse refuses down to the offending row, which it dead-letters; the rest lands', async () => {
    const batch = new PartitionBatch('dates', 3);
    const rows = Array.from({ length: 9 }, (_, i) => ({ text: JSON.stringify({ d: i === 5 ? 'not a date' : '2026-11-22', n: i }), offset: BigInt(100 + i), line: 0 }));
    batch.firstOffset = 100n;
    batch.lastOffset = 108n;
    batch.rows.set('strict_dates', rows);
    batch.rowCount = rows.length;
    const refused = await writer().write(batch);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ offset: 105n, topic: 'dates', partition: 3 });
    expect(refused[0]?.reason).toMatch(/^rejected by ClickHouse \(code \d+\)/);
    expect(await count('SELECT count() AS n FROM strict_dates')).toBe(8);
  });

  it('a compact row ClickHouse refuses is dead-lettered as the event it was, field by field', async () => {
    // Matches the contract's pattern, but is no date: only the engine can tell.
    const impossible = line({ occurred_at: '2026-13-45T10:00:00.000Z' });
    const batch = new PartitionBatch('email.send.events', 9);
    for (const [i, text] of [line(), impossible, line()].entries()) {
      const m = message(text, BigInt(i));
      batch.add(m, decodeSendEvents(m), 0);
    }
    expect(batch.rowCount).toBe(3);
    const refused = await writer().write(batch);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.offset).toBe(1n);
    expect(JSON.parse(refused[0]?.original.toString() ?? '')).toEqual(JSON.parse(impossible));
  });
});
