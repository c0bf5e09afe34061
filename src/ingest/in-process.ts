import type { ClickHouseClient } from '@clickhouse/client';
import type { SendEvent } from '../events/index.js';
import type { SendEventSink } from '../instrument/index.js';
import { BufferedSink, OtlpProtobufSpanExporter } from '../transport/index.js';
import type { SinkLimits, SinkStats } from '../transport/index.js';
import { decodeSpans } from './decode-spans.js';
import { decodeSendEvents } from './decode.js';
import { MemorySource } from './memory-source.js';
import type { Decoded, SourceMessage } from './types.js';

export { FileDeadLetters } from './dead-letter.js';

export interface InProcessOptions {
  client: ClickHouseClient;
  database: string;
  /** Where dead letters are appended (JSON Lines). */
  deadLetterFile: string;
  sinkLimits?: Partial<SinkLimits>;
  batchRows?: number;
}

/**
 * Single-process mode: no Kafka. Instrumentation hands events to this sink,
 * which loads them through the in-memory source (the same steps as `sendlens
 * ingest`). The send path sees the same bounded, never-blocking buffer as
 * with Kafka; a delivery that fails goes back into the buffer.
 */
export class InProcessPipeline implements SendEventSink {
  readonly #buffer: BufferedSink<string>;

  constructor(options: InProcessOptions) {
    // The buffer below already batches; each delivery becomes one write.
    const source = new MemorySource({ ...options, decode: decodeSendEvents, ...(options.batchRows !== undefined && { limits: { maxRows: options.batchRows } }) });
    this.#buffer = new BufferedSink<string>(
      // On a rejection the buffer puts these lines back and delivers them again, under new offsets.
      (lines) => source.load(lines.map((line) => Buffer.from(line))),
      { maxBatchItems: 10_000, lingerMs: 200, ...options.sinkLimits },
      {},
      { weigh: (line) => line.length },
    );
  }

  emit(event: SendEvent): void {
    this.#buffer.push(JSON.stringify(event));
  }

  stats(): SinkStats {
    return this.#buffer.stats();
  }

  /** Resolves true once every event emitted so far is in ClickHouse. */
  flush(timeoutMs?: number): Promise<boolean> {
    return this.#buffer.flush(timeoutMs);
  }

  close(timeoutMs?: number): Promise<boolean> {
    return this.#buffer.close(timeoutMs);
  }
}

export interface InProcessHandoffOptions {
  client: ClickHouseClient;
  database: string;
  deadLetterFile: string;
  /** The decoder of the topic these events would travel on, e.g. decodeDeliveryEvents. */
  decode: (message: SourceMessage) => Decoded;
  /** How long one hand-off keeps retrying a failing write before it gives up (the caller answers 503). */
  retryForMs?: number;
}

const DEFAULT_HANDOFF_RETRY_MS = 10_000;

/**
 * Single-process mode for callers that must not say "accepted" before the
 * data is stored (the webhook receiver): each hand-off is one message of the
 * in-memory source and resolves once its rows are in ClickHouse; if it
 * rejects (a write failing past `retryForMs`), the provider is told to retry
 * (delivery events have deterministic ids, so the retry is stored once).
 */
export class InProcessHandoff<E> {
  readonly #source: MemorySource;

  constructor(options: InProcessHandoffOptions) {
    this.#source = new MemorySource({ ...options, retryForMs: options.retryForMs ?? DEFAULT_HANDOFF_RETRY_MS });
  }

  async handOff(events: E[]): Promise<void> {
    if (events.length === 0) return;
    await this.#source.load([Buffer.from(events.map((event) => JSON.stringify(event)).join('\n'))]);
  }
}

/**
 * Spans into otel_traces without Kafka: serialized to OTLP protobuf exactly
 * as KafkaSpanExporter writes them to `otlp_spans`, then loaded by the
 * in-memory source, one request per message. Queueing and dropping stay the
 * span processor's job (BatchSpanProcessor's bounded queue).
 */
export class InProcessSpanExporter extends OtlpProtobufSpanExporter {
  constructor(options: Omit<InProcessHandoffOptions, 'decode'>) {
    const source = new MemorySource({ ...options, decode: decodeSpans, retryForMs: options.retryForMs ?? DEFAULT_HANDOFF_RETRY_MS });
    super((request) => source.load([request]));
  }
}
