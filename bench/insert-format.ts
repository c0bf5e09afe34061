/**
 * How rows reach the embedded engine, side by side in one store: the same
 * 48,000 send events inserted as the producer's JSONEachRow lines and as the
 * loader's JSONCompactEachRow arrays (interleaved rounds, median ms and MB/s),
 * and the loader's decode step (parse, validate, compact) in µs per event.
 * The numbers behind the README's "Why the loader is where it is".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { uuidv7 } from '../src/events/index.js';
import type { SendEvent } from '../src/events/index.js';
import { COMPACT_INSERT_COLUMNS, decodeSendEvents } from '../src/ingest/index.js';
import { createStoreClient, migrate } from '../src/store/index.js';
import { syntheticEvents } from './producer.js';
import { printTable, round, summarize } from './stats.js';

const EVENTS = 48_000;
const ROUNDS = 5;
const SETTINGS = { date_time_input_format: 'best_effort', input_format_null_as_default: 1, input_format_parallel_parsing: 0 };

export interface InsertFormatResults {
  events: number;
  rounds: number;
  jsonEachRow: { medianMs: number; mbPerSecond: number; megabytes: number };
  jsonCompactEachRow: { medianMs: number; mbPerSecond: number; megabytes: number };
  compactSpeedup: number;
  decodeMicrosPerEvent: number;
}

export async function benchInsertFormat(): Promise<InsertFormatResults> {
  const dir = mkdtempSync(join(tmpdir(), 'sendlens-bench-format-'));
  const client = await createStoreClient({ dataDir: dir });
  try {
    await migrate(client, { database: 'default', retentionDays: 3650, rollupRetentionDays: 3650 });
    const columns = COMPACT_INSERT_COLUMNS.get('email_send_events') ?? [];
    const template = syntheticEvents(10_000);
    let n = 0;
    const batch = () =>
      Array.from({ length: EVENTS }, () => {
        n += 1;
        const at = Date.now() - n;
        return JSON.stringify({ ...(template[n % template.length] as SendEvent), event_id: uuidv7(at), occurred_at: new Date(at).toISOString(), message_id: `m-${n}` });
      });
    const insert = async (query: string, body: string) => {
      const started = performance.now();
      const result = await client.exec({ query, values: Readable.from([body]), clickhouse_settings: SETTINGS as never });
      result.stream.resume();
      return performance.now() - started;
    };
    const times = { each: [] as number[], compact: [] as number[], decode: [] as number[] };
    let bytes = { each: 0, compact: 0 };
    for (let round = 0; round < ROUNDS + 1; round += 1) {
      const lines = batch();
      // Decode as the loader does: messages of ~23 events, JSON Lines.
      const started = performance.now();
      const compactRows: string[] = [];
      for (let i = 0; i < lines.length; i += 23) {
        const decoded = decodeSendEvents({ topic: 'bench', partition: 0, offset: BigInt(i), key: null, value: Buffer.from(lines.slice(i, i + 23).join('\n')) });
        for (const row of decoded.rows.get('email_send_events') ?? []) compactRows.push(row.text);
      }
      const decodeMs = performance.now() - started;
      const each = lines.join('\n');
      const compact = compactRows.join('\n');
      bytes = { each: each.length, compact: compact.length };
      const order = round % 2 === 0 ? (['each', 'compact'] as const) : (['compact', 'each'] as const);
      const ms: Record<'each' | 'compact', number> = { each: 0, compact: 0 };
      for (const format of order) {
        ms[format] = await insert(format === 'each' ? 'INSERT INTO default.email_send_events FORMAT JSONEachRow' : `INSERT INTO default.email_send_events (${columns.join(', ')}) FORMAT JSONCompactEachRow`, format === 'each' ? each : compact);
      }
      // The first round warms the engine up and is not counted.
      if (round === 0) continue;
      times.each.push(ms.each);
      times.compact.push(ms.compact);
      times.decode.push((decodeMs * 1000) / EVENTS);
    }
    const each = summarize(times.each).median;
    const compact = summarize(times.compact).median;
    const results: InsertFormatResults = {
      events: EVENTS,
      rounds: ROUNDS,
      jsonEachRow: { medianMs: round(each, 0), mbPerSecond: round(bytes.each / 1e6 / (each / 1000), 1), megabytes: round(bytes.each / 1e6, 1) },
      jsonCompactEachRow: { medianMs: round(compact, 0), mbPerSecond: round(bytes.compact / 1e6 / (compact / 1000), 1), megabytes: round(bytes.compact / 1e6, 1) },
      compactSpeedup: round(each / compact, 2),
      decodeMicrosPerEvent: round(summarize(times.decode).median, 2),
    };
    printTable(
      `Insert format: ${EVENTS} send events into embedded ClickHouse (chDB), one insert each, ${ROUNDS} interleaved rounds after a warm-up; medians`,
      ['format', 'MB', 'ms', 'MB/s', 'events/s'],
      [
        ['JSONEachRow (the producer lines)', results.jsonEachRow.megabytes, results.jsonEachRow.medianMs, results.jsonEachRow.mbPerSecond, Math.round(EVENTS / (each / 1000))],
        ['JSONCompactEachRow (the loader)', results.jsonCompactEachRow.megabytes, results.jsonCompactEachRow.medianMs, results.jsonCompactEachRow.mbPerSecond, Math.round(EVENTS / (compact / 1000))],
      ],
    );
    console.log(`compact ÷ JSONEachRow insert time: ×${results.compactSpeedup} faster; decode (parse, validate, compact): ${results.decodeMicrosPerEvent} µs per event`);
    return results;
  } finally {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
