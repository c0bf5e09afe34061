import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import type { SendEvent } from '../events/index.js';
import type { SendEventSink } from '../instrument/index.js';
import { BufferedSink, OtlpProtobufSpanExporter } from '../transport/index.js';
import type { SinkLimits, SinkStats } from '../transport/index.js';
import { DEFAULT_BATCH_LIMITS } from './batch.js';
import { decodeSpans } from './decode-spans.js';
import { decodeSendEvents } from './decode.js';
import { InvalidRatioGuard } from './guard.js';
import { PartitionLoader } from './loader.js';
import type { DeadLetterSink } from './loader.js';
import type { DeadLetter, Decoded, SourceMessage } from './types.js';
import { BatchWriter } from './write.js';

/** Dead letters of the in-process pipeline go to a JSON Lines file, since there is no Kafka to hold them. */
export class FileDeadLetters implements DeadLetterSink {
  constructor(readonly path: string) {}

  async send(letters: DeadLetter[]): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const lines = letters.map((l) => JSON.stringify({ reason: l.reason, topic: l.topic, partition: l.partition, offset: l.offset.toString(), line: l.line, original: l.original.toString('utf8'), ...(l.truncatedFrom && { original_bytes: l.truncatedFrom.bytes, original_sha256: l.truncatedFrom.sha256 }) }));
    await appendFile(this.path, `${lines.join('\n')}\n`);
  }
}

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
 * which runs the very same steps as `sendlens ingest` (decode and validate,
 * batch, write with a deduplication token, and a no-op commit) in this
 * process. The send path sees the same bounded, never-blocking buffer as
 * with Kafka. Offsets are a counter under a run id, so tokens never repeat
 * across runs.
 */
export class InProcessPipeline implements SendEventSink {
  readonly #buffer: BufferedSink<string>;
  readonly #loader: PartitionLoader;
  readonly #topic = `in-process-${randomUUID()}`;
  #offset = 0n;

  constructor(options: InProcessOptions) {
    const writer = new BatchWriter(options.client, { database: options.database, consumerGroup: 'in-process' });
    this.#loader = new PartitionLoader(this.#topic, 0, {
      decode: decodeSendEvents,
      writer,
      deadLetters: new FileDeadLetters(options.deadLetterFile),
      commit: async () => undefined,
      // The buffer below already batches; each delivery becomes one write.
      limits: { ...DEFAULT_BATCH_LIMITS, maxRows: options.batchRows ?? DEFAULT_BATCH_LIMITS.maxRows },
      // Our own instrumentation writes these events: an invalid one is a bug, never a reason to stop.
      guard: new InvalidRatioGuard(1),
    });
    this.#buffer = new BufferedSink<string>(
      async (lines) => {
        const first = this.#offset;
        this.#offset += BigInt(lines.length);
        try {
          await this.#loader.submit(lines.map((line, i) => ({ topic: this.#topic, partition: 0, offset: first + BigInt(i), key: null, value: Buffer.from(line) })));
          await this.#loader.flushAll();
        } catch (error) {
          // The buffer puts these lines back and delivers them again, under new offsets.
          await this.#loader.discardPending();
          throw error;
        }
      },
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

/**
 * One message at a time through the same decode → batch → write steps as
 * `sendlens ingest`, resolving once its rows are in ClickHouse. A write that
 * keeps failing past `retryForMs` rejects and its batch is dropped: the
 * caller still holds the data and decides (answer 503, report a failed export).
 */
class InProcessLoader {
  readonly #loader: PartitionLoader;
  readonly #topic = `in-process-${randomUUID()}`;
  readonly #retryForMs: number;
  #offset = 0n;
  #deadline = 0;

  constructor(options: InProcessHandoffOptions) {
    this.#retryForMs = options.retryForMs ?? 10_000;
    const writer = new BatchWriter(options.client, { database: options.database, consumerGroup: 'in-process', keepTrying: () => Date.now() < this.#deadline });
    this.#loader = new PartitionLoader(this.#topic, 0, {
      decode: options.decode,
      writer,
      deadLetters: new FileDeadLetters(options.deadLetterFile),
      commit: async () => undefined,
      limits: DEFAULT_BATCH_LIMITS,
      // Our own code produced these: an invalid one is a bug to dead-letter, never a reason to stop.
      guard: new InvalidRatioGuard(1),
    });
  }

  async load(value: Buffer): Promise<void> {
    const offset = this.#offset;
    this.#offset += 1n;
    this.#deadline = Date.now() + this.#retryForMs;
    try {
      await this.#loader.submit([{ topic: this.#topic, partition: 0, offset, key: null, value }]);
      await this.#loader.flushAll();
    } catch (error) {
      await this.#loader.discardPending();
      throw error;
    }
  }
}

/**
 * Single-process mode for callers that must not say "accepted" before the
 * data is stored (the webhook receiver): each hand-off resolves once its
 * rows are in ClickHouse; if it rejects, the provider is told to retry
 * (delivery events have deterministic ids, so the retry is stored once).
 */
export class InProcessHandoff<E> {
  readonly #loader: InProcessLoader;

  constructor(options: InProcessHandoffOptions) {
    this.#loader = new InProcessLoader(options);
  }

  async handOff(events: E[]): Promise<void> {
    if (events.length === 0) return;
    await this.#loader.load(Buffer.from(events.map((event) => JSON.stringify(event)).join('\n')));
  }
}

/**
 * Spans into otel_traces without Kafka: serialized to OTLP protobuf exactly
 * as KafkaSpanExporter writes them to `otlp_spans`, then decoded and loaded by
 * the same steps as `sendlens ingest`. Queueing and dropping stay the span
 * processor's job (BatchSpanProcessor's bounded queue).
 */
export class InProcessSpanExporter extends OtlpProtobufSpanExporter {
  constructor(options: Omit<InProcessHandoffOptions, 'decode'>) {
    const loader = new InProcessLoader({ ...options, decode: decodeSpans });
    super((request) => loader.load(request));
  }
}
