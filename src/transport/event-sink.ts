import type { Message } from 'kafkajs';
import type { SendEvent } from '../events/index.js';
import type { SendEventSink } from '../instrument/index.js';
import { BufferedSink } from './buffered-sink.js';
import type { SinkLimits, SinkStats } from './buffered-sink.js';
import { sinkMetrics } from './metrics.js';
import type { Compression, PreparedSend, SharedProducer } from './producer.js';

export interface KafkaEventSinkOptions {
  producer: SharedProducer;
  topic: string;
  limits?: Partial<SinkLimits>;
  /** The producer's (`SENDLENS_KAFKA_COMPRESSION`, else zstd) unless given. */
  compression?: Compression;
  /**
   * Events of one sender are packed into one Kafka message, as JSON Lines, up
   * to this many bytes; 0 puts every event in a message of its own. kafkajs
   * spends ~25 µs encoding each message, so one event per message caps a
   * producer near 39k events/s on a 2-core machine (see `npm run bench`).
   */
  maxMessageBytes?: number;
  log?: (level: string, message: string) => void;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024;

/**
 * JSON per delivery when compressed. The broker's limit (`message.max.bytes`,
 * 1 MB by default) applies to the compressed batch, and send events compress
 * about 9:1, so 4 MiB of JSON leaves room to spare; kafkajs's fixed cost per
 * request and per message is then shared by four times the events (+45%
 * events/s, -20% CPU per event, `npm run bench -- producer`). Should a broker
 * refuse it anyway, the sink halves its batches (`isTooLarge`).
 * Uncompressed, deliveries keep the generic 900 KiB.
 */
export const DEFAULT_COMPRESSED_BATCH_BYTES = 4 * 1024 * 1024;
export const DEFAULT_COMPRESSED_BATCH_ITEMS = 20_000;

/**
 * The key that keeps one sender's events in order: all events of one sender
 * domain within one workspace land in the same partition. Send events and
 * delivery events share it, so a sender's sends and feedback are keyed alike.
 */
export function partitionKey(event: Pick<SendEvent, 'workspace' | 'sender_domain'> & { service?: string }): string {
  return `${event.workspace}/${event.sender_domain || (event.service ?? '')}`;
}

/** Broker answers that no retry of the same batch can change; anything else is retried. */
const PERMANENT_KAFKA_ERRORS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'UNSUPPORTED_COMPRESSION_TYPE']);
/** Of those, the ones a smaller request can get past. */
const TOO_LARGE_KAFKA_ERRORS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

/** Whether a kafkajs error, or one it wraps (up to 5 deep), has one of `types`. */
function hasKafkaErrorType(error: unknown, types: ReadonlySet<string>): boolean {
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 5; depth += 1) {
    const { type, cause, originalError } = current as { type?: unknown; cause?: unknown; originalError?: unknown };
    if (typeof type === 'string' && types.has(type)) return true;
    current = cause ?? originalError;
  }
  return false;
}

export const isPermanentKafkaError = (error: unknown): boolean => hasKafkaErrorType(error, PERMANENT_KAFKA_ERRORS);
export const isTooLargeKafkaError = (error: unknown): boolean => hasKafkaErrorType(error, TOO_LARGE_KAFKA_ERRORS);

type Serialized = Message & { key: string; value: string };

/** One Kafka message of events: the JSON lines of one key, not yet joined. */
export interface KeyedLines {
  key: string;
  lines: string[];
}

/**
 * Groups the events of each key into messages of at most `maxBytes` of JSON
 * Lines, keeping their order: a sender's events stay in sequence within a
 * message and across messages (one key, one partition). 0 or less gives every
 * event a message of its own.
 */
export function chunkByKey(batch: readonly Serialized[], maxBytes: number): KeyedLines[] {
  if (maxBytes <= 0) return batch.map((item) => ({ key: item.key, lines: [item.value] }));
  const byKey = new Map<string, { lines: string[]; bytes: number }[]>();
  for (const item of batch) {
    let chunks = byKey.get(item.key);
    if (!chunks) byKey.set(item.key, (chunks = []));
    const last = chunks.at(-1);
    if (last && last.bytes + item.value.length + 1 <= maxBytes) {
      last.lines.push(item.value);
      last.bytes += item.value.length + 1;
    } else {
      chunks.push({ lines: [item.value], bytes: item.value.length });
    }
  }
  const messages: KeyedLines[] = [];
  for (const [key, chunks] of byKey) for (const chunk of chunks) messages.push({ key, lines: chunk.lines });
  return messages;
}

/** `chunkByKey`, each message's lines joined: the messages as they go to Kafka. */
export function packByKey(batch: readonly Serialized[], maxBytes: number): Serialized[] {
  if (maxBytes <= 0) return [...batch];
  return chunkByKey(batch, maxBytes).map(({ key, lines }) => ({ key, value: lines.join('\n') }));
}

/**
 * Send events onto Kafka as JSON (JSON Lines: one or more events of one
 * sender per message), never blocking or failing the send path. Events are
 * serialized as they arrive (off the send path: instrumentation hands them
 * over after the call returned), so the buffer counts real bytes.
 */
export class KafkaEventSink implements SendEventSink {
  readonly #buffer: BufferedSink<Serialized, PreparedSend>;

  constructor(options: KafkaEventSinkOptions) {
    const compression = options.compression ?? options.producer.compression;
    const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    const log = options.log ?? (() => undefined);
    const metrics = sinkMetrics('events', () => this.#buffer.stats());
    const deliveries = compression === 'none' ? {} : { maxBatchBytes: DEFAULT_COMPRESSED_BATCH_BYTES, maxBatchItems: DEFAULT_COMPRESSED_BATCH_ITEMS };
    const { producer, topic } = options;
    // Each delivery's messages are joined and compressed while the one before it is out (`prepare`).
    const prepare = (batch: readonly Serialized[]) => producer.prepare(topic, chunkByKey(batch, maxMessageBytes), compression);
    this.#buffer = new BufferedSink<Serialized, PreparedSend>(
      (batch, prepared) => producer.sendPrepared(prepared ?? prepare(batch)),
      { ...deliveries, ...options.limits },
      {
        ...metrics,
        onRejected: (count, error) => {
          metrics.onRejected?.(count, error);
          log('error', `sendlens: Kafka refused ${count} events for good (${error instanceof Error ? error.message : String(error)}); they are counted as rejected`);
        },
      },
      {
        weigh: (message) => Buffer.byteLength(message.value) + message.key.length,
        isPermanent: isPermanentKafkaError,
        isTooLarge: isTooLargeKafkaError,
        prepare,
        discard: (prepared) => prepared.release(),
      },
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
