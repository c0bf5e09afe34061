/**
 * What judging the send-event contract in the engine would cost (issue 14),
 * on the embedded engine, the same 48,000-event batches (JSON Lines messages
 * of ~23 events) three ways, interleaved, CPU of the whole process per event:
 *
 *   javascript  the loader now: decodeSendEvents (JSON.parse, the contract,
 *               the TabSeparated row) and its insert, through a file
 *   engine      the lines as they came, in a file, through the prototype
 *               statement of bench/engine-check-sql.ts (checked in the engine)
 *   unchecked   the lines as they came, FORMAT JSONEachRow, nothing checked:
 *               what parsing in the engine costs by itself
 *
 *   npx tsx bench/ingest-probe-engine-check.ts [rounds]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { uuidv7 } from '../src/events/index.js';
import type { SendEvent } from '../src/events/index.js';
import { decodeSendEvents } from '../src/ingest/index.js';
import { insertStatement } from '../src/ingest/row-format.js';
import { INSERT_SETTINGS } from '../src/ingest/write.js';
import { createStoreClient, migrate } from '../src/store/index.js';
import { CHECKED_INSERT_SETTINGS, checkedSendEventsInsert } from './engine-check-sql.js';
import { stringLiteral as literal } from '../src/store/insert-bodies.js';
import { syntheticEvents } from './producer.js';
import { printTable, round, summarize } from './stats.js';

const EVENTS = 48_000;
const ROUNDS = Number(process.argv[2] ?? 7);
const DAY = 86_400_000;
/** The loader's insert settings for a batch of send events. */
const SETTINGS = { ...INSERT_SETTINGS, optimize_on_insert: 0 };

let n = 0;
const template = syntheticEvents(10_000);
function messages(): Buffer[] {
  const lines = Array.from({ length: EVENTS }, () => {
    n += 1;
    const at = Date.now() - n;
    return JSON.stringify({ ...(template[n % template.length] as SendEvent), event_id: uuidv7(at), occurred_at: new Date(at).toISOString(), message_id: `m-${n}` });
  });
  const out: Buffer[] = [];
  for (let i = 0; i < lines.length; i += 23) out.push(Buffer.from(lines.slice(i, i + 23).join('\n')));
  return out;
}
const joined = (values: Buffer[]) => Buffer.concat(values.flatMap((value) => [value, Buffer.from('\n')]));

/** CPU seconds of this process's JavaScript thread (Linux). */
function mainThreadCpu(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const dir = mkdtempSync(join(tmpdir(), 'sendlens-probe-engine-check-'));
const client = await createStoreClient({ dataDir: join(dir, 'store') });
let tokens = 0;
const variants: Record<string, (values: Buffer[]) => Promise<void>> = {
  javascript: async (values) => {
    const rows: string[] = [];
    values.forEach((value, i) => {
      for (const row of decodeSendEvents({ topic: 'p', partition: 0, offset: BigInt(i), key: null, value }).rows.get('email_send_events') ?? []) rows.push(row.text);
    });
    const result = await client.exec({ query: insertStatement('default', 'email_send_events'), values: Readable.from([rows.join('\n')]), clickhouse_settings: { ...SETTINGS, insert_deduplication_token: `p${(tokens += 1)}` } as never });
    result.stream.resume();
  },
  engine: async (values) => {
    const file = join(dir, `lines-${(tokens += 1)}.jsonl`);
    writeFileSync(file, joined(values));
    const now = Date.now();
    await client.command({
      query: checkedSendEventsInsert({ database: 'default', source: `file(${literal(file)}, LineAsString)`, earliest: new Date(now - 90 * DAY).toISOString(), latest: new Date(now + DAY).toISOString() }),
      clickhouse_settings: { ...SETTINGS, ...CHECKED_INSERT_SETTINGS, insert_deduplication_token: `p${tokens}` } as never,
    });
    rmSync(file);
  },
  unchecked: async (values) => {
    const result = await client.exec({ query: 'INSERT INTO default.email_send_events FORMAT JSONEachRow', values: Readable.from([joined(values)]), clickhouse_settings: { ...SETTINGS, insert_deduplication_token: `p${(tokens += 1)}` } as never });
    result.stream.resume();
  },
};

try {
  await migrate(client, { database: 'default', retentionDays: 90, rollupRetentionDays: 400 });
  const names = Object.keys(variants);
  const cpu = new Map<string, number[]>(names.map((name) => [name, []]));
  const main = new Map<string, number[]>(names.map((name) => [name, []]));
  for (let r = 0; r <= ROUNDS; r += 1) {
    for (const name of r % 2 === 0 ? names : [...names].reverse()) {
      const values = messages();
      const before = process.cpuUsage();
      const mainBefore = mainThreadCpu();
      await (variants[name] as (values: Buffer[]) => Promise<void>)(values);
      const used = process.cpuUsage(before);
      if (r === 0) continue;
      cpu.get(name)?.push((used.user + used.system) / EVENTS);
      main.get(name)?.push(((mainThreadCpu() - mainBefore) * 1e6) / EVENTS);
    }
  }
  const [stored] = (await (await client.query({ query: 'SELECT count() AS n, uniqExact(event_id) AS u FROM default.email_send_events', format: 'JSONEachRow' })).json()) as { n: string; u: string }[];
  if (Number(stored?.n) !== (ROUNDS + 1) * names.length * EVENTS || stored?.u !== stored?.n) throw new Error(`stored ${stored?.n} rows (${stored?.u} event ids), expected ${(ROUNDS + 1) * names.length * EVENTS}`);
  printTable(
    `Judging the contract in the engine: ${EVENTS}-event batches into email_send_events and its views, embedded engine, ${ROUNDS} interleaved rounds after a warm-up; medians (the process's CPU includes merges running meanwhile)`,
    ['variant', 'CPU µs/event (process)', 'of it, JavaScript thread', 'rounds'],
    names.map((name) => [name, round(summarize(cpu.get(name) ?? []).median, 1), round(summarize(main.get(name) ?? []).median, 1), (cpu.get(name) ?? []).map((v) => round(v, 1)).join(' ')]),
  );
} finally {
  await client.close();
  rmSync(dir, { recursive: true, force: true });
}
