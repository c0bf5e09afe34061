/**
 * Issue 14's four targets, read from the results `npm run bench` collected,
 * each with its measured value and a verdict: met, not met, or not run (its
 * group was not asked for). A group that ran without the value (a failed
 * engine run, say) counts as not met: a target is met only by a measurement.
 */
import { printTable } from './stats.js';

export type Verdict = 'met' | 'not met' | 'not run';

export interface TargetRow {
  target: string;
  group: string;
  measured: number | null;
  shown: string;
  verdict: Verdict;
}

interface Target {
  target: string;
  /** The key under which the benchmark group stores its results. */
  group: 'ingest' | 'producer' | 'instrumentation';
  read: (groupResults: unknown) => number | undefined;
  meets: (value: number) => boolean;
  show: (value: number) => string;
  /** A measurement of the same run that bounds the target, shown beside its value. */
  context?: (groupResults: unknown) => string | undefined;
}

/** A number at `path` inside `value`, or undefined (JSON turns NaN into null: both are "no value"). */
function numberAt(value: unknown, ...path: (string | number)[]): number | undefined {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return typeof current === 'number' && Number.isFinite(current) ? current : undefined;
}

interface ThroughputRow {
  loader?: string;
  steadyEventsPerSecond?: number;
}

/**
 * Sustained ours over sustained tuned engine. The ingest group stores the ratio
 * (`targets.tunedEngineRatio`); results without it are read from the rows.
 */
function tunedEngineRatio(ingest: unknown): number | undefined {
  if (typeof ingest !== 'object' || ingest === null) return undefined;
  const targets = (ingest as { targets?: Record<string, unknown> }).targets;
  if (targets && 'tunedEngineRatio' in targets) return numberAt(targets, 'tunedEngineRatio');
  const rows = (ingest as { throughput?: ThroughputRow[] }).throughput ?? [];
  const ours = numberAt(rows.find((row) => row.loader?.startsWith('sendlens')), 'steadyEventsPerSecond');
  const tuned = numberAt(rows.find((row) => row.loader?.includes('tuned')), 'steadyEventsPerSecond');
  return ours !== undefined && tuned !== undefined && tuned > 0 ? ours / tuned : undefined;
}

/** What a loader with no work per event reached in the same run (the ingest group's floor), over the tuned engine. */
function floorContext(ingest: unknown): string | undefined {
  const ratio = numberAt(ingest, 'targets', 'floorToTunedEngineRatio');
  return ratio === undefined ? undefined : `no work per event reached ×${ratio.toFixed(2)}`;
}

function defaultProducerRate(producer: unknown): number | undefined {
  if (!Array.isArray(producer)) return undefined;
  return numberAt(producer.find((row: { variant?: string }) => row.variant?.includes('(default)')), 'eventsPerSecond');
}

const fixed = (digits: number, unit = '') => (value: number) => `${value.toFixed(digits)}${unit}`;

export const TARGETS: readonly Target[] = [
  { target: 'ingest ≥ 1.0× the tuned Kafka engine (sustained)', group: 'ingest', read: tunedEngineRatio, meets: (ratio) => ratio >= 1, show: (ratio) => `×${ratio.toFixed(2)}`, context: floorContext },
  { target: 'producer ≥ 50,000 events/s (default compression)', group: 'producer', read: defaultProducerRate, meets: (rate) => rate >= 50_000, show: (rate) => `${Math.round(rate).toLocaleString('en-US')} events/s` },
  { target: 'instrumentation < 3 µs median over uninstrumented', group: 'instrumentation', read: (r) => numberAt(r, 'ratios', 'overheadVsUninstrumentedUs'), meets: (us) => us < 3, show: fixed(2, ' µs') },
  { target: 'instrumentation ≤ 2× a plain OTel span (median)', group: 'instrumentation', read: (r) => numberAt(r, 'ratios', 'ratioVsPlainSpan'), meets: (ratio) => ratio <= 2, show: (ratio) => `×${ratio.toFixed(2)}` },
];

export function evaluateTargets(results: Record<string, unknown>, targets: readonly Target[] = TARGETS): TargetRow[] {
  return targets.map(({ target, group, read, meets, show, context }): TargetRow => {
    if (!(group in results)) return { target, group, measured: null, shown: '-', verdict: 'not run' };
    const value = read(results[group]);
    if (value === undefined) return { target, group, measured: null, shown: 'no value', verdict: 'not met' };
    const beside = context?.(results[group]);
    return { target, group, measured: value, shown: beside ? `${show(value)} (${beside})` : show(value), verdict: meets(value) ? 'met' : 'not met' };
  });
}

export function printTargets(results: Record<string, unknown>): TargetRow[] {
  const rows = evaluateTargets(results);
  printTable('Targets (issue 14)', ['target', 'measured', ''], rows.map((row) => [row.target, row.shown, row.verdict]));
  return rows;
}
