import type { SendEvent } from '../events/index.js';
import type { SendEventSink } from '../instrument/index.js';
import { BufferedSink } from './buffered-sink.js';
import type { SinkLimits, SinkStats } from './buffered-sink.js';
import { sinkMetrics } from './metrics.js';
import type { Compression, SharedProducer } from './producer.js';

export interface KafkaEventSinkOptions {
  producer: SharedProducer;
  topic: string;
  limits?: Partial<SinkLimits>;
  compression?: Compression;
}

/**
 * The key that keeps one sender's events in order: all events of one sender
 * domain within one workspace land in the same partition.
 */
export function partitionKey(event: SendEvent): string {
  return `${event.workspace}/${event.sender_domain || event.service}`;
}

/** Send events onto Kafka as JSON, never blocking or failing the send path. */
export class KafkaEventSink implements SendEventSink {
  readonly #buffer: BufferedSink<SendEvent>;

  constructor(options: KafkaEventSinkOptions) {
    const compression = options.compression ?? 'gzip';
    this.#buffer = new BufferedSink<SendEvent>(
      (batch) => options.producer.send(options.topic, batch.map((event) => ({ key: partitionKey(event), value: JSON.stringify(event) })), compression),
      options.limits,
      sinkMetrics('events', () => this.#buffer.stats()),
    );
  }

  emit(event: SendEvent): void {
    this.#buffer.push(event);
  }

  stats(): SinkStats {
    return this.#buffer.stats();
  }

  flush(timeoutMs?: number): Promise<boolean> {
    return this.#buffer.flush(timeoutMs);
  }

  close(timeoutMs?: number): Promise<boolean> {
    return this.#buffer.close(timeoutMs);
  }
}
