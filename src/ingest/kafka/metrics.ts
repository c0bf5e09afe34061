import { metrics } from '@opentelemetry/api';
import type { CommittedBatch } from '../steps/index.js';

/**
 * The ingest's OpenTelemetry instruments: counters and histograms fed by each
 * committed batch, and the lag gauge read from `lag` when collected.
 */
export function ingestMetrics(lag: ReadonlyMap<string, number>): (batch: CommittedBatch) => void {
  const meter = metrics.getMeter('sendlens');
  const rows = meter.createCounter('sendlens.ingest.rows', { description: 'Rows written to ClickHouse', unit: '{row}' });
  const letters = meter.createCounter('sendlens.ingest.dead_letters', { description: 'Messages or lines sent to the dead-letter topic', unit: '{message}' });
  const sizes = meter.createHistogram('sendlens.ingest.batch.rows', { description: 'Rows per written batch', unit: '{row}' });
  const durations = meter.createHistogram('sendlens.ingest.batch.duration', { description: 'Time to write and commit a batch', unit: 'ms' });
  meter
    .createObservableGauge('sendlens.ingest.lag', { description: 'Messages not yet committed by the group, per topic', unit: '{message}' })
    .addCallback((result) => {
      for (const [topic, messages] of lag) result.observe(messages, { topic });
    });
  return (batch) => {
    rows.add(batch.rows, { topic: batch.topic });
    if (batch.deadLetters > 0) letters.add(batch.deadLetters, { topic: batch.topic });
    sizes.record(batch.rows, { topic: batch.topic });
    durations.record(batch.ms, { topic: batch.topic });
  };
}
