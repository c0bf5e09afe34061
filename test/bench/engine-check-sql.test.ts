import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKED_INSERT_SETTINGS, REFUSAL, checkedSendEventsInsert } from '../../bench/engine-check-sql.js';
import { stringLiteral as literal } from '../../src/store/insert-bodies.js';
import { uuidv7 } from '../../src/events/index.js';
import type { SendEvent } from '../../src/events/index.js';
import { decodeSendEvents } from '../../src/ingest/index.js';
import { insertStatement } from '../../src/ingest/row-format.js';
import { createStoreClient, migrate } from '../../src/store/index.js';

/**
 * The prototype of bench/engine-check-sql.ts against the loader's JavaScript
 * path on the same lines: what the engine stores must be exactly what the
 * JavaScript path stores, and every line the JavaScript path dead-letters
 * must make the engine refuse its whole batch (the prototype may refuse more:
 * that costs a batch the JavaScript path, never a wrong row).
 */
const dir = mkdtempSync(join(tmpdir(), 'sendlens-engine-check-'));
let client: ClickHouseClient;
let files = 0;

const now = Date.now();
const DAY = 86_400_000;
const at = (i: number) => new Date(now - 60_000 + i).toISOString();

function event(i: number, overrides: Partial<SendEvent> = {}): SendEvent {
  const failed = i % 3 === 0;
  return {
    event_id: uuidv7(now - 60_000 + i),
    schema_version: 1,
    occurred_at: at(i),
    service: 'checkout',
    environment: i % 2 ? 'production' : '',
    provider: 'ses',
    operation: 'send',
    workspace: `ws-${i % 4}`,
    sender_domain: 'mail.example.com',
    recipient_domain: 'example.org',
    recipient_hash: i % 5 ? 'a'.repeat(64) : '',
    recipient_count: 1 + (i % 3),
    ...(i % 4 === 0 && { rejected_recipient_count: i % 2 }),
    message_id: `m-${i}`,
    provider_message_id: failed ? '' : `pm-${i}`,
    attempt: 1,
    outcome: failed ? 'failed' : 'sent',
    status: failed ? 429 : i % 7 ? 200 : null,
    provider_code: failed ? 'Throttling' : null,
    code: failed ? 'throttling.rate_limited' : null,
    category: failed ? 'throttling' : null,
    retry: failed ? 'retry_after' : null,
    retry_after_ms: failed ? 1000 : null,
    error_message: failed ? `Rate "exceeded"\tfor\n${'é'.repeat(i % 3)}😀 \u0000 ${i}` : null,
    latency_ms: 12.5 + i / 7,
    trace_id: i % 2 ? 'b'.repeat(32) : '',
    span_id: i % 2 ? 'c'.repeat(16) : '',
    ...overrides,
  } as SendEvent;
}

const lines = (count: number, from = 0) => Array.from({ length: count }, (_, i) => JSON.stringify(event(from + i)));

/** The JavaScript path: the loader's decoder, the batch's first copy of each event id, its TabSeparated insert. */
async function javascriptPath(database: string, text: string[]): Promise<{ stored: number; deadLetters: string[] }> {
  const decoded = decodeSendEvents({ topic: 't', partition: 0, offset: 0n, key: null, value: Buffer.from(text.join('\n')) });
  const seen = new Set<string>();
  const rows = (decoded.rows.get('email_send_events') ?? []).filter((row) => !seen.has(row.unique as string) && seen.add(row.unique as string));
  if (rows.length > 0) {
    const result = await client.exec({
      query: insertStatement(database, 'email_send_events'),
      values: Readable.from([rows.map((row) => row.text).join('\n')]),
      clickhouse_settings: { date_time_input_format: 'best_effort', input_format_null_as_default: 1, optimize_on_insert: 0 },
    });
    result.stream.resume();
  }
  return { stored: rows.length, deadLetters: decoded.deadLetters.map((letter) => letter.reason) };
}

/** The engine path: the lines in a file, the prototype's statement. */
async function enginePath(database: string, text: string[]): Promise<void> {
  const file = join(dir, `lines-${(files += 1)}.jsonl`);
  writeFileSync(file, `${text.join('\n')}\n`);
  const window = { earliest: new Date(now - 90 * DAY).toISOString(), latest: new Date(now + DAY).toISOString() };
  await client.command({
    query: checkedSendEventsInsert({ database, source: `file(${literal(file)}, LineAsString)`, ...window }),
    clickhouse_settings: { date_time_input_format: 'best_effort', ...CHECKED_INSERT_SETTINGS },
  });
}

async function stored(database: string): Promise<string> {
  const result = await client.query({ query: `SELECT * EXCEPT ingested_at FROM ${database}.email_send_events ORDER BY event_id`, format: 'JSONEachRow' });
  return JSON.stringify(await result.json());
}

async function truncate(): Promise<void> {
  for (const database of ['js', 'engine']) await client.command({ query: `TRUNCATE TABLE ${database}.email_send_events` });
}

beforeAll(async () => {
  client = await createStoreClient({ dataDir: join(dir, 'store') });
  for (const database of ['js', 'engine']) {
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
    await migrate(client, { database, retentionDays: 90, rollupRetentionDays: 400 });
  }
});

afterAll(async () => {
  await client?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the engine-side contract check (prototype)', () => {
  it('stores exactly the rows the JavaScript path stores, first copy of an event id kept', async () => {
    await truncate();
    const batch = lines(300);
    batch.push((batch[5] as string).replace('"message_id":"m-5"', '"message_id":"a later copy"'), '', '\r');
    // Numbers JSON.parse reads as integers, and escapes it decodes: both paths must agree on them.
    batch.push(JSON.stringify(event(400)).replace('"attempt":1', '"attempt":1.0').replace('"checkout"', '"\\u0063heck\\/out"'));
    const js = await javascriptPath('js', batch);
    expect(js.deadLetters).toEqual([]);
    await enginePath('engine', batch);
    expect(js.stored).toBe(301);
    expect(await stored('engine')).toBe(await stored('js'));
  });

  const refused: [string, (line: string) => string][] = [
    ['a number in quotes', (line) => line.replace('"recipient_count":1', '"recipient_count":"1"')],
    ['a leading zero', (line) => line.replace('"attempt":1', '"attempt":01')],
    ['a missing required field', (line) => line.replace(/"service":"[^"]*",/, '')],
    ['a missing nullable field', (line) => line.replace(/"status":[^,]*,/, '')],
    ['an unknown field', (line) => line.replace('{', '{"extra":1,')],
    ['two objects on one line', (line) => `${line}${line}`],
    ['a raw tab inside a string', (line) => line.replace('"checkout"', '"check\tout"')],
    ['a fraction where an integer belongs', (line) => line.replace('"attempt":1', '"attempt":1.5')],
    ['true where a number belongs', (line) => line.replace('"attempt":1', '"attempt":true')],
    ['a number where a string belongs', (line) => line.replace('"checkout"', '7')],
    ['null where a string belongs', (line) => line.replace('"checkout"', 'null')],
    ['a string over its length in code points', (line) => line.replace(/"workspace":"[^"]*"/, `"workspace":"${'😀'.repeat(129)}"`)],
    ['a value outside its enum', (line) => line.replace('"provider":"ses"', '"provider":"SES"')],
    ['a code of another category', (line) => line.replace('"category":"throttling"', '"category":"bounce"')],
    ['a number past its maximum', (line) => line.replace('"attempt":1', '"attempt":1001')],
    ['a wrapped-around integer', (line) => line.replace('"attempt":1', '"attempt":65537')],
    ['an event time past the receipt window', (line) => line.replace(/"occurred_at":"[^"]*"/, `"occurred_at":"${new Date(now + 2 * DAY).toISOString()}"`)],
    ['a malformed event id', (line) => line.replace(/"event_id":"[^"]*"/, '"event_id":"not-a-uuid"')],
    ['not an object', () => '[1,2,3]'],
    ['garbage', () => 'garbage'],
  ];

  it.each(refused)('refuses the whole batch for %s, which the JavaScript path dead-letters', async (_, spoil) => {
    await truncate();
    // Line 3 is event 1002: a failed attempt, so every field has a value to spoil.
    const batch = lines(20, 999);
    const spoilt = spoil(batch[3] as string);
    expect(spoilt).not.toBe(batch[3]);
    batch[3] = spoilt;
    const js = await javascriptPath('js', batch);
    expect(js.deadLetters).toHaveLength(1);
    // Refused as not the contract, or by the engine's own reading of the row: either way nothing is inserted.
    await expect(enginePath('engine', batch)).rejects.toThrow(/./);
    const [row] = (await (await client.query({ query: 'SELECT count() AS n FROM engine.email_send_events', format: 'JSONEachRow' })).json()) as { n: string }[];
    expect(Number(row?.n)).toBe(0);
  });

  const refusedThoughValid: [string, (line: string) => string][] = [
    // JSON.parse keeps the last; the prototype takes keys in the contract's order only.
    ['a field twice', (line) => line.replace('{', '{"attempt":2,')],
    // JSON.parse keeps it, and the TabSeparated row stores U+FFFD; simdjson refuses it.
    ['a lone surrogate', (line) => line.replace('"checkout"', '"\\ud800"')],
    ['keys in another order', (line) => JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(line) as object).reverse()))],
  ];

  it.each(refusedThoughValid)('refuses the whole batch for %s, which the JavaScript path stores: that batch goes the JavaScript way', async (_, spoil) => {
    await truncate();
    const batch = lines(20, 999);
    batch[3] = spoil(batch[3] as string);
    expect((await javascriptPath('js', batch)).deadLetters).toEqual([]);
    await expect(enginePath('engine', batch)).rejects.toThrow(/./);
  });

  it('names the contract when a line breaks it', async () => {
    const batch = lines(5, 2000);
    batch[1] = (batch[1] as string).replace('"provider":"ses"', '"provider":"nobody"');
    await expect(enginePath('engine', batch)).rejects.toThrow(REFUSAL);
  });
});
