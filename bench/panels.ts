/**
 * `npm run bench -- panels [--events 10M] [--chunk 1M] [--runs 3] [--keep] [--fill-only]
 *   [--store DIR] [--only REGEX]`: how fast the dashboards and alerts answer on a big, skewed store.
 *
 * `--keep` leaves the filled store in place; `--store DIR` times such a store again (its pending
 * migrations applied, nothing filled: the 30 days stay where the fill put them, so run it within
 * hours); `--only REGEX` times the queries whose `source / name range` matches.
 *
 * Fills a fresh embedded store (a temporary data directory, the project's
 * migrations) with N send events (default 10,000,000, or
 * SENDLENS_BENCH_EVENTS) and 0.7 N feedback events over the last 30 days
 * (bench/panels/fill.ts, scenario in bench/panels/scenario.ts), waits for the
 * engine's merges to settle, then times every panel of every dashboard over
 * 24 h, 7 d and 30 d and every alert query (bench/panels/queries.ts): median
 * and slowest of 3 runs after WARM_UP_RUNS untimed ones (bench/panels/measure.ts). Prints the table worst first, a
 * summary, the fill time and the store's size.
 *
 * Runs in its own process (the embedded engine binds one data directory per
 * process): `tsx bench/panels.ts … --out FILE` writes its results as JSON to
 * FILE, which bench/run.ts puts under `panels` in bench/results/latest.json.
 */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';
import { createStoreClient, migrate } from '../src/store/index.js';
import { DEFAULT_CHUNK_ROWS, fillStore } from './panels/fill.js';
import { printTimings, summarizeTimings, timeQueries, WARM_UP_RUNS } from './panels/measure.js';
import type { QueryTiming, TimingSummary } from './panels/measure.js';
import { grafanaIntervalMs, INTERVAL_PANEL_POINTS } from '../src/dashboards/index.js';
import { benchQueries, MAX_DATA_POINTS, RANGES } from './panels/queries.js';
import { printTable, round } from './stats.js';

export const DEFAULT_EVENTS = 10_000_000;

export interface PanelsOptions {
  events: number;
  chunkRows: number;
  runs: number;
  /** Keep the filled store (its directory is printed) instead of deleting it. */
  keep: boolean;
  /** Fill and measure the store only, time no query (fill time and size at a scale whose timings would take too long). */
  fillOnly: boolean;
  /** A store kept by an earlier run (`--keep`) to time again instead of filling a new one. */
  store?: string;
  /** Time only the queries whose `source / name range` matches. */
  only?: RegExp;
  out?: string;
}

export interface TableSize {
  table: string;
  rows: number;
  parts: number;
  bytesOnDisk: number;
}

export interface PanelsResults {
  events: number;
  deliveries: number;
  fillSeconds: number;
  settleSeconds: number;
  storeBytes: number;
  tables: TableSize[];
  intervals: Record<string, number>;
  runs: number;
  summary: TimingSummary;
  queries: QueryTiming[];
}

/** `10000000`, `10_000_000`, `10M`, `500k` → a whole number. */
export function parseCount(text: string, what: string): number {
  const match = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(text.replace(/_/g, ''));
  const value = match ? Number(match[1]) * ({ k: 1e3, m: 1e6 }[(match[2] ?? '').toLowerCase()] ?? 1) : Number.NaN;
  if (!Number.isInteger(value) || value < 1) throw new Error(`${what}: expected a whole number ≥ 1 (10000000, 10M, 500k), got ${JSON.stringify(text)}`);
  return value;
}

export function parsePanelsArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): PanelsOptions {
  const options: PanelsOptions = {
    events: env.SENDLENS_BENCH_EVENTS ? parseCount(env.SENDLENS_BENCH_EVENTS, 'SENDLENS_BENCH_EVENTS') : DEFAULT_EVENTS,
    chunkRows: DEFAULT_CHUNK_ROWS,
    runs: 3,
    keep: false,
    fillOnly: false,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i] as string;
    const value = () => {
      const next = argv[i + 1];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      i += 1;
      return next;
    };
    if (flag === '--events') options.events = parseCount(value(), '--events');
    else if (flag === '--chunk') options.chunkRows = parseCount(value(), '--chunk');
    else if (flag === '--runs') options.runs = parseCount(value(), '--runs');
    else if (flag === '--keep') options.keep = true;
    else if (flag === '--fill-only') options.fillOnly = true;
    else if (flag === '--store') options.store = value();
    else if (flag === '--only') options.only = new RegExp(value());
    else if (flag === '--out') options.out = value();
    else throw new Error(`unknown option ${flag}; panels takes --events N, --chunk N, --runs N, --keep, --fill-only, --store DIR, --only REGEX, --out FILE`);
  }
  return options;
}

const progress = (line: string) => console.error(`[panels] ${line}`);

function diskUsage(path: string): number {
  let bytes = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) bytes += diskUsage(full);
    else if (entry.isFile()) bytes += statSync(full).blocks * 512;
  }
  return bytes;
}

async function rowsOf<T>(client: ClickHouseClient, query: string): Promise<T[]> {
  const result = await client.query({ query, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } as never });
  return (await result.json()) as T[];
}

/** Waits (bounded) until the engine runs no merge, so timings are not taken beside the fill's own merging. */
async function settleMerges(client: ClickHouseClient, deadlineMs = 15 * 60_000): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < deadlineMs) {
    const [row] = await rowsOf<{ merges: number }>(client, 'SELECT count() AS merges FROM system.merges WHERE database = currentDatabase()');
    if (Number(row?.merges ?? 0) === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
  return (performance.now() - started) / 1000;
}

async function tableSizes(client: ClickHouseClient): Promise<TableSize[]> {
  const rows = await rowsOf<{ table: string; rows: number; parts: number; bytes: number }>(
    client,
    'SELECT table, sum(rows) AS rows, count() AS parts, sum(bytes_on_disk) AS bytes FROM system.parts WHERE active AND database = currentDatabase() GROUP BY table ORDER BY bytes DESC',
  );
  return rows.map((r) => ({ table: r.table, rows: Number(r.rows), parts: Number(r.parts), bytesOnDisk: Number(r.bytes) }));
}

/** Counts what an earlier run filled into a kept store, in place of filling it. */
async function filledCounts(client: ClickHouseClient): Promise<{ sends: number; deliveries: number; seconds: number }> {
  const [row] = await rowsOf<{ sends: number; deliveries: number }>(
    client,
    'SELECT (SELECT count() FROM email_send_events) AS sends, (SELECT count() FROM email_delivery_events) AS deliveries',
  );
  return { sends: Number(row?.sends ?? 0), deliveries: Number(row?.deliveries ?? 0), seconds: 0 };
}

/**
 * The clock a kept store's queries run by: as if it had been filled just now. The fill's history
 * ends at the second after its last send; timing it a day later by the wall clock would leave the
 * 24 h range nearly empty and measure nothing.
 */
async function keptStoreClock(client: ClickHouseClient): Promise<() => Date> {
  const [row] = await rowsOf<{ end_ms: string }>(client, 'SELECT toString(toUnixTimestamp64Milli(max(occurred_at)) + 1) AS end_ms FROM email_send_events');
  const endMs = Math.ceil(Number(row?.end_ms ?? Date.now()) / 1000) * 1000;
  const shiftMs = Date.now() - endMs;
  return () => new Date(Date.now() - shiftMs);
}

export async function benchPanels(options: PanelsOptions): Promise<PanelsResults> {
  const dataDir = options.store ?? mkdtempSync(join(tmpdir(), 'sendlens-bench-panels-'));
  const keep = options.keep || options.store !== undefined;
  const client = await createStoreClient({ dataDir });
  try {
    await migrate(client, { database: 'default', retentionDays: 90, rollupRetentionDays: 400 });
    if (!options.store) progress(`filling ${options.events.toLocaleString('en')} send events (+0.7×) in ${dataDir}`);
    const fill = options.store
      ? await filledCounts(client)
      : await fillStore(client, {
          events: options.events,
          chunkRows: options.chunkRows,
          onChunk: ({ sends, deliveries }) => progress(`  ${sends.toLocaleString('en')} sends, ${deliveries.toLocaleString('en')} feedback events`),
        });
    progress(`filled in ${round(fill.seconds, 1)} s; waiting for merges`);
    const settleSeconds = await settleMerges(client);
    const tables = await tableSizes(client);
    const storeBytes = diskUsage(dataDir);

    const queries = options.fillOnly ? [] : benchQueries().filter((q) => !options.only || options.only.test(`${q.source} / ${q.name} ${q.range}`));
    if (queries.length > 0) progress(`timing ${queries.length} queries (${options.runs} runs each after ${WARM_UP_RUNS} untimed)`);
    const timings = await timeQueries(client, queries, {
      runs: options.runs,
      clock: options.store ? await keptStoreClock(client) : undefined,
      onQuery: (t, i) => progress(`  ${i + 1}/${queries.length} ${t.source} / ${t.name} ${t.range}: ${t.error ? `ERROR ${t.error}` : `${t.medianMs} ms`}`),
    });
    const summary = summarizeTimings(timings);

    printTable(
      `Store: ${fill.sends.toLocaleString('en')} send events, ${fill.deliveries.toLocaleString('en')} feedback events over 30 days; filled in ${round(fill.seconds, 1)} s, merges settled ${round(settleSeconds, 1)} s later; ${round(storeBytes / 1e6, 1)} MB on disk`,
      ['table', 'rows', 'parts', 'MB on disk'],
      tables.filter((t) => t.rows > 0).map((t) => [t.table, t.rows, t.parts, round(t.bytesOnDisk / 1e6, 1)]),
    );
    if (timings.length > 0) {
      printTimings(`Panel and alert queries, worst first (median and slowest of ${options.runs} runs after ${WARM_UP_RUNS} untimed; variables at All; ${INTERVAL_PANEL_POINTS} points per panel that buckets by interval, ${MAX_DATA_POINTS} for the rest)`, timings);
      printTable(
        'Summary',
        ['queries', 'failed', 'median ms', 'p90 ms', 'worst ms', 'worst', 'over 150 ms', 'over 300 ms'],
        [[summary.queries, summary.failed, summary.medianMs, summary.p90Ms, summary.worst?.medianMs ?? 'none', summary.worst ? `${summary.worst.source} / ${summary.worst.name} ${summary.worst.range}` : '', summary.over150Ms, summary.over300Ms]],
      );
    }
    if (keep) progress(`kept the store: SENDLENS_DATA_DIR=${dataDir}`);
    return {
      events: fill.sends,
      deliveries: fill.deliveries,
      fillSeconds: round(fill.seconds, 1),
      settleSeconds: round(settleSeconds, 1),
      storeBytes,
      tables,
      intervals: Object.fromEntries(RANGES.map((r) => [r.label, grafanaIntervalMs(r.ms, INTERVAL_PANEL_POINTS)])),
      runs: options.runs,
      summary,
      queries: timings,
    };
  } finally {
    await client.close();
    if (!keep) rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const options = parsePanelsArgs(process.argv.slice(2));
  const results = await benchPanels(options);
  if (options.out) writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
  if (results.summary.failed > 0) {
    console.error(`${results.summary.failed} quer${results.summary.failed === 1 ? 'y' : 'ies'} failed (see the table)`);
    process.exitCode = 1;
  }
}
