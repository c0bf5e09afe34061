import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { BatchWriter, PartitionBatch, decodeDeliveryEvents, decodeSendEvents } from '../../src/ingest/index.js';
import type { SourceMessage } from '../../src/ingest/index.js';
import { DELIVERY_EVENTS_TABLE, INSERT_COLUMNS, SEND_EVENTS_TABLE, decodeRow, encodeRow, encodeRows, eventText, insertStatement } from '../../src/ingest/row-format.js';
import { DeliveryEventSchema, SendEventSchema, uuidv7 } from '../../src/events/index.js';
import type { DeliveryEvent, SendEvent } from '../../src/events/index.js';
import { createStoreClient, renderStatements } from '../../src/store/index.js';
import { loadMigrations } from '../../src/store/migrations.js';
import { sampleDeliveryEvent, sampleEvent } from '../helpers/events.js';

/** Every character TabSeparated treats specially, JSON's own quotes, a literal `\N`, and text beyond ASCII (two-byte, three-byte, a surrogate pair). */
const AWKWARD = 'tab\there\nnew line "quoted" \'single\' back\\slash cr\r nul\0 bs\b ff\f \\N ünïcödé 日本語 😀 end';

const message = (value: string, offset = 0n, topic = 'email.send.events'): SourceMessage => ({ topic, partition: 0, offset, key: null, value: Buffer.from(value) });

describe('row format', () => {
  it('writes each contract field in the INSERT column order, null as \\N, and escapes only what TabSeparated must', () => {
    const event = sampleEvent({ error_message: AWKWARD, retry_after_ms: null, provider_code: null });
    const values = encodeRow(SEND_EVENTS_TABLE, event).split('\t');
    const columns = INSERT_COLUMNS.get(SEND_EVENTS_TABLE) ?? [];
    expect(columns).toEqual(Object.keys(SendEventSchema.properties));
    expect(values).toHaveLength(columns.length);
    expect(values[columns.indexOf('retry_after_ms')]).toBe('\\N');
    expect(values[columns.indexOf('provider_code')]).toBe('\\N');
    expect(values[columns.indexOf('latency_ms')]).toBe('41.7');
    expect(values[columns.indexOf('error_message')]).toBe('tab\\there\\nnew line "quoted" \'single\' back\\\\slash cr\\r nul\\0 bs\\b ff\\f \\\\N ünïcödé 日本語 😀 end');
    expect(insertStatement('default', SEND_EVENTS_TABLE)).toBe(`INSERT INTO default.email_send_events (${columns.join(', ')}) FORMAT TabSeparated`);
    expect(insertStatement('default', 'otel_traces')).toBe('INSERT INTO default.otel_traces FORMAT JSONEachRow');
  });

  it('reads a row back as the event it was: any string, any number, null, and an absent optional field left out', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.option(fc.integer({ min: 0, max: 0xffff_ffff })), fc.double({ min: 0, max: 86_400_000, noNaN: true }), (text, binary, retryAfter, latency) => {
        const event: Record<string, unknown> = { ...sampleEvent({ error_message: text, provider_code: binary, retry_after_ms: retryAfter, latency_ms: latency }) };
        delete event.rejected_recipient_count;
        const row = encodeRow(SEND_EVENTS_TABLE, event);
        expect(row.split('\n')).toHaveLength(1);
        expect(decodeRow(SEND_EVENTS_TABLE, row)).toEqual(event);
        expect(JSON.parse(eventText(SEND_EVENTS_TABLE, row))).toEqual(JSON.parse(JSON.stringify(event)));
        // Given the JSON it came from, the row is the same (escaping is skipped only when the JSON has no backslash).
        expect(encodeRow(SEND_EVENTS_TABLE, event, JSON.stringify(event))).toBe(row);
      }),
      { numRuns: 2_000 },
    );
  });

  it('joins rows into one insert body', () => {
    const events = [sampleEvent(), sampleEvent({ error_message: 'a\nb' })];
    expect(encodeRows(SEND_EVENTS_TABLE, events)).toBe(events.map((e) => encodeRow(SEND_EVENTS_TABLE, e)).join('\n'));
  });
});

describe('row format through the embedded engine', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-row-format-'));
  let client: ClickHouseClient;
  const settings = { database: 'default', retentionDays: 90, rollupRetentionDays: 400 };

  beforeAll(async () => {
    client = await createStoreClient({ dataDir });
    for (const migration of loadMigrations().filter((m) => m.name !== '0003_otel_traces')) {
      for (const statement of renderStatements(migration.sql, settings)) await client.command({ query: statement });
    }
  });
  afterAll(async () => {
    await client.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A DateTime64(3) column as the contract writes a time (toString keeps its three decimals). */
  const iso = (column: string) => `concat(replaceOne(toString(${column}), ' ', 'T'), 'Z') AS ${column}`;
  const rows = async <T>(query: string) => (await (await client.query({ query, format: 'JSONEachRow' })).json()) as T[];

  /** Decodes the lines as the loader does and writes them with the loader's writer; returns what it refused. */
  async function load(topic: string, lines: string[], decode: typeof decodeSendEvents) {
    const batch = new PartitionBatch(topic, 0);
    lines.forEach((text, i) => {
      const m = message(text, BigInt(i), topic);
      batch.add(m, decode(m), 0);
    });
    expect(batch.deadLetters).toEqual([]);
    return new BatchWriter(client, { database: 'default', consumerGroup: 'row-format', initialRetryMs: 10 }).write(batch);
  }

  it('stores every send-event column as the event said: strings of every kind, numbers, nulls, milliseconds', async () => {
    const events: SendEvent[] = [
      sampleEvent({ event_id: uuidv7(), error_message: AWKWARD, provider_code: '\\N', message_id: '', latency_ms: 0.125, occurred_at: '2026-11-22T23:59:59.999Z', rejected_recipient_count: 3 }),
      sampleEvent({ event_id: uuidv7(), outcome: 'sent', status: null, provider_code: null, code: null, category: null, retry: null, retry_after_ms: 4_294_967_295, error_message: null, latency_ms: 86_400_000, occurred_at: '2026-11-22T00:00:00.001Z', recipient_count: 100_000 }),
    ];
    const withoutOptional: Record<string, unknown> = { ...sampleEvent({ event_id: uuidv7(), service: 'ü'.repeat(128), occurred_at: '2026-11-22T12:00:00.000Z' }) };
    delete withoutOptional.rejected_recipient_count;
    expect(await load('email.send.events', [...events.map((e) => JSON.stringify(e)), JSON.stringify(withoutOptional)], decodeSendEvents)).toEqual([]);

    const stored = await rows<Record<string, unknown>>(
      `SELECT toString(event_id) AS event_id, schema_version, ${iso('occurred_at')}, service, environment, provider, operation, workspace, sender_domain, recipient_domain, recipient_hash,
              recipient_count, rejected_recipient_count, message_id, provider_message_id, attempt, outcome, status, provider_code, code, category, retry, retry_after_ms, error_message, toFloat64(latency_ms) AS latency_ms, trace_id, span_id
       FROM email_send_events ORDER BY occurred_at DESC SETTINGS output_format_json_quote_64bit_integers = 0`,
    );
    // What ClickHouse makes of each: a null in a non-Nullable column is its default (''; 0), Float32 keeps Float32 precision.
    const expected = [...events, { ...withoutOptional, rejected_recipient_count: 0 } as SendEvent].map((e) => ({
      ...e,
      provider_code: e.provider_code ?? '',
      code: e.code ?? '',
      category: e.category ?? '',
      retry: e.retry ?? '',
      error_message: e.error_message ?? '',
      latency_ms: Math.fround(e.latency_ms),
    }));
    expect(stored).toEqual(expected.sort((a, b) => b.occurred_at.localeCompare(a.occurred_at)));
    const [bytes] = await rows<{ hex: string }>(`SELECT hex(error_message) AS hex FROM email_send_events WHERE provider_code = '\\\\N'`);
    expect(bytes?.hex).toBe(Buffer.from(AWKWARD).toString('hex').toUpperCase());
  });

  it('stores every delivery-event column as the event said', async () => {
    const event: DeliveryEvent = sampleDeliveryEvent({ diagnostic: AWKWARD, smtp_code: null, bounce_type: null, code: null, category: null });
    expect(await load('email.delivery.events', [JSON.stringify(event)], decodeDeliveryEvents)).toEqual([]);
    const columns = Object.keys(DeliveryEventSchema.properties);
    const [stored] = await rows<Record<string, unknown>>(
      `SELECT ${columns.map((c) => (c === 'event_id' ? 'toString(event_id) AS event_id' : c.endsWith('_at') ? iso(c) : c)).join(', ')} FROM ${DELIVERY_EVENTS_TABLE}`,
    );
    expect(stored).toEqual({ ...event, bounce_type: '', code: '', category: '' });
  });
});
