/**
 * Times the bench queries on a filled store: WARM_UP_RUNS untimed runs, then
 * `runs` timed runs of each, back to back; the median and the slowest of them,
 * the rows the query returned, or the error that stopped it.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { printTable, quantile, round } from '../stats.js';
import type { BenchQuery } from './queries.js';

export interface QueryTiming {
  source: string;
  name: string;
  range: string;
  medianMs: number;
  maxMs: number;
  rows: number;
  error?: string;
}

export interface TimingSummary {
  queries: number;
  failed: number;
  medianMs: number;
  p90Ms: number;
  worst: { source: string; name: string; range: string; medianMs: number } | null;
  over150Ms: number;
  over300Ms: number;
}

/**
 * Untimed runs of each query first: what a dashboard in use has behind it. ClickHouse compiles an
 * expression it has seen three times (`min_count_to_compile_expression`, and the same for
 * aggregates and sort descriptions) and the compile lands in the query's fourth run: measured on
 * the 10 M store, the same query in a fresh process ran 124, 169, 111, 315, then 81–123 ms, and
 * the same with its time bounds moved a minute each run (a refreshing dashboard) 110, 227, 112,
 * 272, then 83–105 ms. With one warm-up the compile fell in the timed runs of every query but
 * those whose SQL had run before (the risk tables read the view with no time bound: the same SQL
 * over 24 h, 7 d and 30 d measured 156, 86 and 78 ms in one run).
 */
export const WARM_UP_RUNS = 4;

export async function timeQueries(client: ClickHouseClient, queries: readonly BenchQuery[], options: { runs?: number; clock?: () => Date; onQuery?: (timing: QueryTiming, index: number) => void } = {}): Promise<QueryTiming[]> {
  const runs = options.runs ?? 3;
  const clock = options.clock ?? (() => new Date());
  const timings: QueryTiming[] = [];
  for (const [index, query] of queries.entries()) {
    const timing: QueryTiming = { source: query.source, name: query.name, range: query.range, medianMs: Number.NaN, maxMs: Number.NaN, rows: 0 };
    try {
      for (let run = 0; run < WARM_UP_RUNS; run += 1) {
        const now = clock();
        await query.prepare?.(client, now);
        await query.run(client, now);
      }
      const samples: number[] = [];
      for (let run = 0; run < runs; run += 1) {
        const now = clock();
        await query.prepare?.(client, now);
        const started = performance.now();
        timing.rows = await query.run(client, now);
        samples.push(performance.now() - started);
      }
      samples.sort((a, b) => a - b);
      timing.medianMs = round(quantile(samples, 0.5), 1);
      timing.maxMs = round(samples.at(-1) ?? Number.NaN, 1);
    } catch (error) {
      timing.error = ((error as Error).message ?? String(error)).split('\n')[0] ?? 'error';
    }
    timings.push(timing);
    options.onQuery?.(timing, index);
  }
  return timings;
}

export function summarizeTimings(timings: readonly QueryTiming[]): TimingSummary {
  const ok = timings.filter((t) => t.error === undefined);
  const sorted = ok.map((t) => t.medianMs).sort((a, b) => a - b);
  const worst = [...ok].sort((a, b) => b.medianMs - a.medianMs)[0];
  return {
    queries: timings.length,
    failed: timings.length - ok.length,
    medianMs: quantile(sorted, 0.5),
    p90Ms: quantile(sorted, 0.9),
    worst: worst ? { source: worst.source, name: worst.name, range: worst.range, medianMs: worst.medianMs } : null,
    over150Ms: sorted.filter((ms) => ms > 150).length,
    over300Ms: sorted.filter((ms) => ms > 300).length,
  };
}

/** Worst first; failed queries on top. */
export function printTimings(title: string, timings: readonly QueryTiming[]): void {
  const ordered = [...timings].sort((a, b) => (b.error ? 1 : 0) - (a.error ? 1 : 0) || b.medianMs - a.medianMs);
  printTable(
    title,
    ['dashboard', 'panel', 'range', 'median ms', 'max ms', 'rows'],
    ordered.map((t) => [t.source, t.name, t.range, t.error ? 'ERROR' : t.medianMs, t.error ? t.error.slice(0, 80) : t.maxMs, t.rows]),
  );
}
