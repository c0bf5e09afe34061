import { metrics } from '@opentelemetry/api';
import type { ClickHouseClient } from '@clickhouse/client';
import kafkajs from 'kafkajs';
import type { Consumer, KafkaMessage } from 'kafkajs';
import { SharedProducer, kafkaClientConfig } from '../transport/index.js';
import type { KafkaSettings } from '../transport/index.js';
import { DEFAULT_BATCH_LIMITS } from './batch.js';
import type { BatchLimits, PartitionBatch } from './batch.js';
import { decodeSpans } from './decode-spans.js';
import { decodeDeliveryEvents, decodeSendEvents } from './decode.js';
import { InvalidRatioExceeded, InvalidRatioGuard } from './guard.js';
import { PartitionLoader } from './loader.js';
import type { DeadLetterSink } from './loader.js';
import { BatchWriter } from './write.js';
import type { Decoded, DeadLetter, SourceMessage } from './types.js';

const { Kafka } = kafkajs;

export type Log = (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export interface IngestOptions {
  kafka: KafkaSettings;
  client: ClickHouseClient;
  database: string;
  groupId?: string;
  /** Topic → decoder. Default: the events topic (send events → email_send_events) and the spans topic (OTLP → otel_traces), the delivery topic (feedback → email_delivery_events). */
  decoders?: Map<string, (message: SourceMessage) => Decoded>;
  deadLetterTopic?: string;
  limits?: Partial<BatchLimits>;
  /** Share of invalid events (0–1) over a sliding window that stops the loader. */
  maxInvalidRatio?: number;
  log?: Log;
  /** Fault injection for crash tests (see WriterOptions.afterWrite). */
  afterWrite?: (batch: PartitionBatch) => void;
}

export const DEFAULT_GROUP_ID = 'sendlens-ingest';
export const DEFAULT_DEAD_LETTER_TOPIC = 'email.send.events.dlq';
export const DEFAULT_MAX_INVALID_RATIO = 0.5;
const LAG_INTERVAL_MS = 10_000;

/** Dead letters onto a Kafka topic: the original bytes, and why and where from in headers. */
class KafkaDeadLetters implements DeadLetterSink {
  constructor(
    readonly producer: SharedProducer,
    readonly topic: string,
  ) {}

  async send(letters: DeadLetter[]): Promise<void> {
    await this.producer.send(
      this.topic,
      letters.map((letter) => ({
        key: `${letter.topic}:${letter.partition}:${letter.offset}${letter.line === null ? '' : `:${letter.line}`}`,
        value: letter.original,
        headers: {
          'sendlens.reason': letter.reason.slice(0, 2000),
          'sendlens.source.topic': letter.topic,
          'sendlens.source.partition': String(letter.partition),
          'sendlens.source.offset': letter.offset.toString(),
          ...(letter.line !== null && { 'sendlens.source.line': String(letter.line) }),
        },
      })),
      'none',
    );
  }
}

function toSource(topic: string, partition: number, message: KafkaMessage): SourceMessage {
  return { topic, partition, offset: BigInt(message.offset), key: message.key ?? null, value: message.value ?? null };
}

/**
 * `sendlens ingest`: a consumer group over the events (and spans) topics,
 * each partition through decode → batch → write → commit. Offsets are
 * committed only after ClickHouse acknowledged the batch and its dead letters
 * were stored; a failing ClickHouse holds the partition back (backpressure)
 * while heartbeats keep the group membership.
 */
export class KafkaIngest {
  readonly #options: IngestOptions;
  readonly #kafka: InstanceType<typeof Kafka>;
  readonly #consumer: Consumer;
  readonly #producer: SharedProducer;
  readonly #writer: BatchWriter;
  readonly #guard: InvalidRatioGuard;
  readonly #limits: BatchLimits;
  readonly #decoders: Map<string, (message: SourceMessage) => Decoded>;
  readonly #deadLetters: KafkaDeadLetters;
  readonly #loaders = new Map<string, PartitionLoader>();
  readonly #log: Log;
  #heartbeat: (() => Promise<void>) | undefined;
  #ticker: NodeJS.Timeout | undefined;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #lagTimer: NodeJS.Timeout | undefined;
  /** Messages not yet committed, per topic, as last measured. */
  readonly lag = new Map<string, number>();
  #stopping = false;
  #fatal: Error | undefined;
  #settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  /** Resolves when the loader stopped cleanly, rejects when it stopped on an error (e.g. too many invalid events). */
  readonly done: Promise<void>;
  readonly totals = { rows: 0, batches: 0, deadLetters: 0 };

  constructor(options: IngestOptions) {
    this.#options = options;
    this.#log = options.log ?? (() => undefined);
    const kafkaLog = (level: string, message: string) => {
      if (level === 'error' || level === 'warn') this.#log(level, message);
    };
    const kafka = new Kafka(kafkaClientConfig(options.kafka, kafkaLog));
    this.#kafka = kafka;
    this.#consumer = kafka.consumer({
      groupId: options.groupId ?? DEFAULT_GROUP_ID,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      maxBytesPerPartition: 8 * 1024 * 1024,
      maxWaitTimeInMs: 250,
      allowAutoTopicCreation: true,
    });
    this.#producer = new SharedProducer(options.kafka, kafkaLog);
    this.#deadLetters = new KafkaDeadLetters(this.#producer, options.deadLetterTopic ?? DEFAULT_DEAD_LETTER_TOPIC);
    this.#limits = { ...DEFAULT_BATCH_LIMITS, ...options.limits };
    this.#guard = new InvalidRatioGuard(options.maxInvalidRatio ?? DEFAULT_MAX_INVALID_RATIO);
    this.#decoders = options.decoders ??
      new Map([
        [options.kafka.eventsTopic, decodeSendEvents],
        [options.kafka.spansTopic, decodeSpans],
        [options.kafka.deliveryTopic, decodeDeliveryEvents],
      ]);
    this.#writer = new BatchWriter(options.client, {
      database: options.database,
      consumerGroup: options.groupId ?? DEFAULT_GROUP_ID,
      ...(options.afterWrite && { afterWrite: options.afterWrite }),
      // Shutdown still retries (pending batches must land); only a fatal stop gives up.
      keepTrying: () => this.#fatal === undefined,
      onRetry: async (error, attempt, waitMs) => {
        this.#log('warn', 'clickhouse write failed; retrying', { attempt, waitMs, error: (error as Error).message?.split('\n')[0] });
        await this.#heartbeat?.().catch(() => undefined);
      },
    });
    this.done = new Promise((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    this.done.catch(() => undefined);
    this.#instrument();
  }

  #instrument(): void {
    const meter = metrics.getMeter('sendlens');
    const rows = meter.createCounter('sendlens.ingest.rows', { description: 'Rows written to ClickHouse', unit: '{row}' });
    const letters = meter.createCounter('sendlens.ingest.dead_letters', { description: 'Messages or lines sent to the dead-letter topic', unit: '{message}' });
    const sizes = meter.createHistogram('sendlens.ingest.batch.rows', { description: 'Rows per written batch', unit: '{row}' });
    const durations = meter.createHistogram('sendlens.ingest.batch.duration', { description: 'Time to write and commit a batch', unit: 'ms' });
    meter
      .createObservableGauge('sendlens.ingest.lag', { description: 'Messages not yet committed by the group, per topic', unit: '{message}' })
      .addCallback((result) => {
        for (const [topic, lag] of this.lag) result.observe(lag, { topic });
      });
    this.#onBatch = (info) => {
      rows.add(info.rows, { topic: info.topic });
      if (info.deadLetters > 0) letters.add(info.deadLetters, { topic: info.topic });
      sizes.record(info.rows, { topic: info.topic });
      durations.record(info.ms, { topic: info.topic });
      this.totals.rows += info.rows;
      this.totals.batches += 1;
      this.totals.deadLetters += info.deadLetters;
      this.#log('info', 'batch written', info);
    };
  }

  #onBatch: ConstructorParameters<typeof PartitionLoader>[2]['onBatch'];

  #loaderFor(topic: string, partition: number): PartitionLoader {
    const key = `${topic}:${partition}`;
    let loader = this.#loaders.get(key);
    if (!loader) {
      const decode = this.#decoders.get(topic);
      if (!decode) throw new Error(`no decoder for topic ${topic}`);
      loader = new PartitionLoader(topic, partition, {
        decode,
        writer: this.#writer,
        deadLetters: this.#deadLetters,
        commit: (t, p, next) => this.#consumer.commitOffsets([{ topic: t, partition: p, offset: next.toString() }]),
        limits: this.#limits,
        guard: this.#guard,
        ...(this.#onBatch && { onBatch: this.#onBatch }),
      });
      this.#loaders.set(key, loader);
    }
    return loader;
  }

  async start(): Promise<void> {
    await this.#ensureTopics();
    await this.#consumer.connect();
    for (const topic of this.#decoders.keys()) await this.#consumer.subscribe({ topic, fromBeginning: true });
    // A rebalance may move partitions away: write what is pending now (its commit may be refused;
    // the batch log lets the next owner replay it without double counting), then start afresh.
    this.#consumer.on(this.#consumer.events.REBALANCING, () => {
      void this.#settleLoaders('rebalance');
    });
    this.#consumer.on(this.#consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.#stop(payload.error);
    });
    await this.#consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch, heartbeat }) => {
        this.#heartbeat = heartbeat;
        if (this.#stopping) return;
        try {
          await this.#loaderFor(batch.topic, batch.partition).submit(batch.messages.map((m) => toSource(batch.topic, batch.partition, m)));
        } catch (error) {
          if (error instanceof InvalidRatioExceeded) {
            this.#stop(error);
            return;
          }
          throw error;
        }
      },
    });
    this.#ticker = setInterval(() => {
      const now = Date.now();
      for (const loader of this.#loaders.values()) {
        loader.flushIfDue(now).catch((error: unknown) => this.#log('warn', 'timed flush failed; will retry', { error: (error as Error).message }));
      }
    }, 100);
    this.#lagTimer = setInterval(() => void this.#measureLag(), LAG_INTERVAL_MS);
    this.#lagTimer.unref();
    // Long writes (a struggling ClickHouse) must not cost the group membership.
    this.#heartbeatTimer = setInterval(() => void this.#heartbeat?.().catch(() => undefined), 3_000);
    this.#log('info', 'ingest started', { topics: [...this.#decoders.keys()], group: this.#options.groupId ?? DEFAULT_GROUP_ID });
  }

  /** Lag per topic: the end of each partition minus what the group committed. */
  async #measureLag(): Promise<void> {
    const admin = this.#kafka.admin();
    try {
      await admin.connect();
      const groupId = this.#options.groupId ?? DEFAULT_GROUP_ID;
      for (const topic of this.#decoders.keys()) {
        const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
        const done = new Map((committed?.partitions ?? []).map((p) => [p.partition, Math.max(0, Number(p.offset))]));
        const lag = ends.reduce((sum, end) => sum + Math.max(0, Number(end.high) - (done.get(end.partition) ?? Number(end.low))), 0);
        this.lag.set(topic, lag);
        this.#log('info', 'lag', { topic, lag, ...this.totals });
      }
    } catch (error) {
      this.#log('warn', 'could not measure lag', { error: (error as Error).message });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /**
   * Dead letters must have somewhere to go before the first batch needs them;
   * a source topic nobody has written yet (the spans topic of a service
   * without tracing) is created with the broker's default partition count,
   * because subscribing to a topic whose leader is still being elected fails.
   */
  async #ensureTopics(): Promise<void> {
    const admin = this.#kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = [
        ...[...this.#decoders.keys()].filter((topic) => !existing.has(topic)).map((topic) => ({ topic })),
        ...(existing.has(this.#deadLetters.topic) ? [] : [{ topic: this.#deadLetters.topic, numPartitions: 1 }]),
      ];
      if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
  }

  async #settleLoaders(why: string): Promise<void> {
    const loaders = [...this.#loaders.values()];
    this.#loaders.clear();
    await Promise.all(
      loaders.map(async (loader) => {
        try {
          await loader.flushAll();
        } catch (error) {
          this.#log('warn', `pending batch not committed on ${why}; it will be replayed from the batch log`, { topic: loader.topic, partition: loader.partition, error: (error as Error).message });
          await loader.discardPending();
        }
      }),
    );
  }

  #stop(error?: Error): void {
    if (error && !this.#fatal) {
      this.#fatal = error;
      this.#log('error', 'ingest stopping', { error: error.message });
    }
    this.stop().catch(() => undefined); // the outcome is reported through `done`
  }

  /** Flushes and commits what is pending, leaves the group, disconnects. */
  async stop(): Promise<void> {
    if (this.#stopping) return this.done;
    this.#stopping = true;
    clearInterval(this.#ticker);
    clearInterval(this.#heartbeatTimer);
    clearInterval(this.#lagTimer);
    try {
      if (!this.#fatal) {
        this.#consumer.pause([...this.#decoders.keys()].map((topic) => ({ topic })));
        await this.#settleLoaders('shutdown');
      }
      await this.#consumer.disconnect();
      await this.#producer.disconnect();
    } finally {
      if (this.#fatal) this.#settle?.reject(this.#fatal);
      else this.#settle?.resolve();
      this.#log('info', 'ingest stopped', this.totals);
    }
    return this.done;
  }
}
