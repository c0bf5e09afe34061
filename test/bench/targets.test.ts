import { describe, expect, it } from 'vitest';
import { evaluateTargets } from '../../bench/targets.js';

const verdicts = (results: Record<string, unknown>) => evaluateTargets(results).map((row) => [row.group, row.verdict, row.shown]);

const instrumentation = (overheadUs: number, ratioVsPlainSpan: number) => ({ rows: [], ratios: { overheadVsUninstrumentedUs: overheadUs, ratioVsPlainSpan } });
const producer = (defaultRate: number) => [
  { variant: 'JSON Lines per sender (default), gzip', eventsPerSecond: defaultRate },
  { variant: 'JSON Lines per sender, no compression', eventsPerSecond: 99_999 },
];

describe('bench targets', () => {
  it('says not run for every group that was not asked for', () => {
    expect(verdicts({ startedAt: 'x', machine: {} }).map(([, verdict]) => verdict)).toEqual(['not run', 'not run', 'not run', 'not run']);
  });

  it('meets each target at its bound and misses it just past', () => {
    expect(verdicts({ producer: producer(50_000), instrumentation: instrumentation(2.99, 2), ingest: { targets: { tunedEngineRatio: 1 } } })).toEqual([
      ['ingest', 'met', '×1.00'],
      ['producer', 'met', '50,000 events/s'],
      ['instrumentation', 'met', '2.99 µs'],
      ['instrumentation', 'met', '×2.00'],
    ]);
    expect(verdicts({ producer: producer(49_999), instrumentation: instrumentation(3, 2.01), ingest: { targets: { tunedEngineRatio: 0.99 } } })).toEqual([
      ['ingest', 'not met', '×0.99'],
      ['producer', 'not met', '49,999 events/s'],
      ['instrumentation', 'not met', '3.00 µs'],
      ['instrumentation', 'not met', '×2.01'],
    ]);
  });

  it('shows the floor of the same run beside the ingest ratio, without letting it change the verdict', () => {
    expect(evaluateTargets({ ingest: { targets: { tunedEngineRatio: 0.5, floorToTunedEngineRatio: 1.2 } } })[0]).toMatchObject({
      measured: 0.5,
      shown: '×0.50 (no work per event reached ×1.20)',
      verdict: 'not met',
    });
    // A run before the floor existed, or one whose floor failed (NaN is null in JSON): the ratio alone.
    expect(evaluateTargets({ ingest: { targets: { tunedEngineRatio: 1, floorToTunedEngineRatio: null } } })[0]).toMatchObject({ shown: '×1.00', verdict: 'met' });
  });

  it('reads the default producer row, not a faster variant', () => {
    expect(evaluateTargets({ producer: producer(32_400) })[1]).toMatchObject({ measured: 32_400, verdict: 'not met' });
  });

  it('counts a group that ran without its value as not met, never as met', () => {
    // JSON keeps a failed engine run's NaN ratio as null.
    const rows = evaluateTargets({ ingest: { targets: { tunedEngineRatio: null } }, producer: [], instrumentation: { ratios: {} } });
    expect(rows.map((row) => [row.verdict, row.shown])).toEqual([
      ['not met', 'no value'],
      ['not met', 'no value'],
      ['not met', 'no value'],
      ['not met', 'no value'],
    ]);
  });

  it('without a stored ratio, compares sustained rates of ours and the tuned engine from the rows', () => {
    const ingest = {
      throughput: [
        { loader: 'sendlens KafkaIngest (default limits)', steadyEventsPerSecond: 30_000 },
        { loader: 'Kafka engine + MV, default settings', steadyEventsPerSecond: 20_000 },
        { loader: 'Kafka engine + MV, tuned (2 consumers, thread each, 1 s flush)', steadyEventsPerSecond: 60_000 },
      ],
    };
    expect(evaluateTargets({ ingest })[0]).toMatchObject({ measured: 0.5, shown: '×0.50', verdict: 'not met' });
  });
});
