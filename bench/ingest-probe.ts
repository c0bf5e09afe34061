/**
 * Where the loader's insert time goes, on the embedded engine (issue 14):
 * each question answered by measuring, in one process and store, the same
 * 48,000-event TabSeparated batches.
 *
 *   (a) does an insert block the JavaScript thread? (event-loop utilization
 *       while it runs: near 0 = the engine works on its own thread)
 *   (b) do two inserts in flight run in parallel? (two at once vs one after
 *       the other, wall time)
 *   (c) how many cores does one insert use? (process CPU ÷ wall)
 *   and what the insert's settings and the rollup views cost.
 *
 *   npx tsx bench/ingest-probe.ts [rounds]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type { ClickHouseClient } from '@clickhouse/client';
import { uuidv7 } from '../src/events/index.js';
import type { SendEvent } from '../src/events/index.js';
import { decodeSendEvents } from '../src/ingest/index.js';
import { insertStatement } from '../src/ingest/row-format.js';
import { INSERT_SETTINGS } from '../src/ingest/write.js';
import { createStoreClient, migrate } from '../src/store/index.js';
import { syntheticEvents } from './producer.js';
import { printTable, round, summarize } from './stats.js';

const EVENTS = 48_000;
const ROUNDS = Number(process.argv[2] ?? 3);
const TABLE = 'email_send_events';
const LOADER_SETTINGS = INSERT_SETTINGS;

let n = 0;
const template = syntheticEvents(10_000);
/** One batch as the loader makes it: JSON Lines messages of ~23 events through decodeSendEvents. */
function batchBody(): string {
  const rows: string[] = [];
  const lines = Array.from({ length: EVENTS }, () => {
    n += 1;
    const at = Date.now() - n;
    return JSON.stringify({ ...(template[n % template.length] as SendEvent), event_id: uuidv7(at), occurred_at: new Date(at).toISOString(), message_id: `m-${n}` });
  });
  for (let i = 0; i < lines.length; i += 23) {
    const decoded = decodeSendEvents({ topic: 'probe', partition: 0, offset: BigInt(i), key: null, value: Buffer.from(lines.slice(i, i + 23).join('\n')) });
    for (const row of decoded.rows.get(TABLE) ?? []) rows.push(row.text);
  }
  return rows.join('\n');
}

interface Measured {
  wallMs: number;
  cpuMs: number;
  /** Share of the wall time the JavaScript thread was busy. */
  elu: number;
}

async function measure(work: () => Promise<unknown>): Promise<Measured> {
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000, elu: performance.eventLoopUtilization(elu).utilization };
}

let tokens = 0;
async function insert(client: ClickHouseClient, body: string, settings: Record<string, unknown>, table = TABLE, withToken = true): Promise<void> {
  tokens += 1;
  const result = await client.exec({
    query: insertStatement('default', TABLE).replace(`default.${TABLE} `, `default.${table} `),
    values: Readable.from([body]),
    clickhouse_settings: { ...settings, ...(withToken && { insert_deduplication_token: `probe-${tokens}` }) } as never,
  });
  result.stream.resume();
}

const dir = mkdtempSync(join(tmpdir(), 'sendlens-ingest-probe-'));
const client = await createStoreClient({ dataDir: dir });
try {
  await migrate(client, { database: 'default', retentionDays: 3650, rollupRetentionDays: 3650 });
  // The same table without the views hanging off it: what the views cost.
  await client.command({ query: `CREATE TABLE default.probe_plain AS default.${TABLE}` });
  const variants: Record<string, () => Promise<unknown>> = {};
  const bodies = () => [batchBody(), batchBody()];
  let pair = bodies();
  const OOI0 = { ...LOADER_SETTINGS, optimize_on_insert: 0 };
  const basicTime = (body: string) => body.replace(/\t(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d\.\d{3})Z\t/g, '\t$1 $2\t');

  const halves = (body: string) => {
    const lines = body.split('\n');
    return [lines.slice(0, lines.length / 2).join('\n'), lines.slice(lines.length / 2).join('\n')];
  };
  // The loader keeps one row per event id in a batch (PartitionBatch.add), so its inserts skip the block's merge with itself.
  variants['one insert, optimize_on_insert=0 (loader now)'] = () => insert(client, pair[0] as string, OOI0);
  variants['one insert, optimize_on_insert=1 (before)'] = () => insert(client, pair[0] as string, LOADER_SETTINGS);
  variants['one insert, the same with basic time format'] = () => insert(client, basicTime(pair[0] as string), { ...OOI0, date_time_input_format: 'basic' });
  variants['two inserts of half each (1 s batches under a backlog, before)'] = async () => {
    for (const part of halves(pair[0] as string)) await insert(client, part, OOI0);
  };
  variants['one insert of two batches (96,000 rows)'] = () => insert(client, `${pair[0]}\n${pair[1]}`, OOI0);
  const names = Object.keys(variants);
  const results = new Map<string, Measured[]>(names.map((name) => [name, []]));
  for (let r = 0; r <= ROUNDS; r += 1) {
    for (const name of r % 2 === 0 ? names : [...names].reverse()) {
      pair = bodies();
      const m = await measure(variants[name] as () => Promise<unknown>);
      if (r > 0) results.get(name)?.push(m);
    }
  }
  printTable(
    `Insert probe: ${EVENTS}-event TabSeparated batches, embedded engine, ${ROUNDS} interleaved rounds after a warm-up; medians`,
    ['variant', 'wall ms', 'CPU ms', 'cores', 'CPU µs/event', 'JS thread busy'],
    names.map((name) => {
      const ms = results.get(name) ?? [];
      const wall = summarize(ms.map((m) => m.wallMs)).median;
      const cpu = summarize(ms.map((m) => m.cpuMs)).median;
      const events = name.includes('two batches') ? 2 * EVENTS : EVENTS;
      return [name, round(wall, 0), round(cpu, 0), round(cpu / wall, 2), round((cpu * 1000) / events, 1), `${round(summarize(ms.map((m) => m.elu)).median * 100, 1)}%`];
    }),
  );
} finally {
  await client.close();
  rmSync(dir, { recursive: true, force: true });
}
