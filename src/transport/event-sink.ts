import type { Message } from 'kafkajs';
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
  log?: (level: string, message: string) => void;
}

/**
 * The key that keeps one sender's events in order: all events of one sender
 * domain within one workspace land in the same partition.
 */
export function partitionKey(event: SendEvent): string {
  return `${event.workspace}/${event.sender_domain || event.service}`;
}

/** Broker answers that no retry of the same batch can change; anything else is retried. */
const PERMANENT_KAFKA_ERRORS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'UNSUPPORTED_COMPRESSION_TYPE']);

export function isPermanentKafkaError(error: unknown): boolean {
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 5; depth += 1) {
    const { type, cause, originalError } = current as { type?: unknown; cause?: unknown; originalError?: unknown };
    if (typeof type === 'string' && PERMANENT_KAFKA_ERRORS.has(type)) return true;
    current = cause ?? originalError;
  }
  return false;
}

type Serialized = Message & { key: string; value: string };

/**
 * Send events onto Kafka as JSON, never blocking or failing the send path.
 * Events are serialized as they arrive (off the send path: instrumentation
 * hands them over after the call returned), so the buffer counts real bytes.
 */
export class KafkaEventSink implements SendEventSink {
  readonly #buffer: BufferedSink<Serialized>;

  constructor(options: KafkaEventSinkOptions) {
    const compression = options.compression ?? 'gzip';
    const log = options.log ?? (() => undefined);
    const metrics = sinkMetrics('events', () => this.#buffer.stats());
    this.#buffer = new BufferedSink<Serialized>(
      (batch) => options.producer.send(options.topic, batch, compression),
      options.limits,
      {
        ...metrics,
        onRejected: (count, error) => {
          metrics.onRejected?.(count, error);
          log('error', `sendlens: Kafka refused ${count} events for good (${error instanceof Error ? error.message : String(error)}); they are counted as rejected`);
        },
      },
      { weigh: (message) => Buffer.byteLength(message.value) + message.key.length, isPermanent: isPermanentKafkaError },
    );
  }

  emit(event: SendEvent): void {
    this.#buffer.push({ key: partitionKey(event), value: JSON.stringify(event) });
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
