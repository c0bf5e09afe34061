/**
 * The fixed cost of one insert on the embedded engine (issue 14): CPU of a 100-row insert,
 * with and without the views hanging off email_send_events and with some settings, so the
 * loader's batch size can be chosen from numbers. npx tsx bench/ingest-probe-fixed.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { uuidv7 } from '../src/events/index.js';
import type { SendEvent } from '../src/events/index.js';
import { decodeSendEvents } from '../src/ingest/index.js';
import { insertStatement } from '../src/ingest/row-format.js';
import { createStoreClient, migrate } from '../src/store/index.js';
import { syntheticEvents } from './producer.js';
import { printTable, round, summarize } from './stats.js';

const ROWS = 100;
const ROUNDS = 15;
const TABLE = 'email_send_events';
const SETTINGS = { insert_deduplicate: 1, deduplicate_blocks_in_dependent_materialized_views: 1, date_time_input_format: 'best_effort', input_format_null_as_default: 1, async_insert: 0, input_format_parallel_parsing: 0, optimize_on_insert: 0 };
const template = syntheticEvents(1000);
let n = 0;
const body = (): string => {
  const lines = Array.from({ length: ROWS }, () => {
    n += 1;
    const at = Date.now() - n;
    return JSON.stringify({ ...(template[n % template.length] as SendEvent), event_id: uuidv7(at), occurred_at: new Date(at).toISOString(), message_id: `f-${n}` });
  });
  return (decodeSendEvents({ topic: 'f', partition: 0, offset: 0n, key: null, value: Buffer.from(lines.join('\n')) }).rows.get(TABLE) ?? []).map((r) => r.text).join('\n');
};
const dir = mkdtempSync(join(tmpdir(), 'sendlens-probe-fixed-'));
const client = await createStoreClient({ dataDir: dir, sessions: 1 });
try {
  await migrate(client, { database: 'default', retentionDays: 3650, rollupRetentionDays: 3650 });
  await client.command({ query: `CREATE TABLE default.probe_plain AS default.${TABLE}` });
  let token = 0;
  const insert = async (table: string, settings: Record<string, unknown>) => {
    token += 1;
    const result = await client.exec({ query: insertStatement('default', TABLE).replace(`default.${TABLE} `, `default.${table} `), values: Readable.from([body()]), clickhouse_settings: { ...settings, insert_deduplication_token: `f-${token}` } as never });
    result.stream.resume();
  };
  const variants: Record<string, () => Promise<void>> = {
    'email_send_events and its views (loader settings)': () => insert(TABLE, SETTINGS),
    'the same, insert_deduplicate = 0': () => insert(TABLE, { ...SETTINGS, insert_deduplicate: 0, deduplicate_blocks_in_dependent_materialized_views: 0 }),
    'the same, parallel_view_processing = 1': () => insert(TABLE, { ...SETTINGS, parallel_view_processing: 1 }),
    'the same, enable_analyzer = 0': () => insert(TABLE, { ...SETTINGS, enable_analyzer: 0 }),
    'a copy of the table without views': () => insert('probe_plain', SETTINGS),
  };
  const names = Object.keys(variants);
  const cpu = new Map<string, number[]>(names.map((name) => [name, []]));
  const wall = new Map<string, number[]>(names.map((name) => [name, []]));
  for (let r = 0; r <= ROUNDS; r += 1) {
    for (const name of r % 2 === 0 ? names : [...names].reverse()) {
      const started = performance.now();
      const before = process.cpuUsage();
      await (variants[name] as () => Promise<void>)();
      const used = process.cpuUsage(before);
      if (r > 0) {
        cpu.get(name)?.push((used.user + used.system) / 1000);
        wall.get(name)?.push(performance.now() - started);
      }
    }
  }
  printTable(`Fixed cost of one insert: ${ROWS}-row TabSeparated inserts, ${ROUNDS} interleaved rounds; medians`, ['variant', 'wall ms', 'CPU ms'], names.map((name) => [name, round(summarize(wall.get(name) ?? []).median, 1), round(summarize(cpu.get(name) ?? []).median, 1)]));
} finally {
  await client.close();
  rmSync(dir, { recursive: true, force: true });
}
