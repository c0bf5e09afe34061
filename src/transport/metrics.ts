import { metrics } from '@opentelemetry/api';
import type { SinkHooks, SinkStats } from './buffered-sink.js';

/**
 * Sink counters as OpenTelemetry metrics, through the global meter provider
 * (a no-op until the application registers one, e.g. with the NodeSDK).
 */
export function sinkMetrics(sinkName: string, stats: () => SinkStats): SinkHooks {
  const meter = metrics.getMeter('sendlens');
  const attributes = { 'sendlens.sink': sinkName };
  const produced = meter.createCounter('sendlens.sink.produced', { description: 'Items the broker acknowledged', unit: '{event}' });
  const dropped = meter.createCounter('sendlens.sink.dropped', { description: 'Items dropped because the buffer was full', unit: '{event}' });
  const failed = meter.createCounter('sendlens.sink.failed', { description: 'Items in deliveries that failed (retried while the buffer has room)', unit: '{event}' });
  const rejected = meter.createCounter('sendlens.sink.rejected', { description: 'Items the broker refused for good (never retried)', unit: '{event}' });
  meter
    .createObservableGauge('sendlens.sink.buffered', { description: 'Items waiting for delivery', unit: '{event}' })
    .addCallback((result) => result.observe(stats().buffered, attributes));
  return {
    onDelivered: (count) => produced.add(count, attributes),
    onDropped: (count) => dropped.add(count, attributes),
    onFailed: (count) => failed.add(count, attributes),
    onRejected: (count) => rejected.add(count, attributes),
  };
}
