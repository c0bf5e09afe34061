import { setTimeout as sleep } from 'node:timers/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import kafkajs from 'kafkajs';
import type { Consumer } from 'kafkajs';
import { SharedProducer, kafkaClientConfig } from '../transport/index.js';
import type { KafkaSettings } from '../transport/index.js';
import { DEFAULT_BATCH_LIMITS } from './batch.js';
import type { BatchLimits, PartitionBatch } from './batch.js';
import { decodeSpans } from './decode-spans.js';
import { decodeDeliveryEvents, decodeSendEvents } from './decode.js';
import { InvalidRatioExceeded, InvalidRatioGuard } from './guard.js';
import { PartitionLoader } from './loader.js';
import { installBoundedGzip, installBoundedZstd } from './bounded-gzip.js';
import { KafkaDeadLetters } from './dead-letter.js';
import { BatchWriter } from './write.js';
import { consumerConfig, toSource } from './kafka/consumer.js';
import { measureLag } from './kafka/lag.js';
import type { Log } from './kafka/log.js';
import { ingestMetrics } from './kafka/metrics.js';
import { IngestTimers } from './kafka/timers.js';
import { ensureTopics } from './kafka/topics.js';
import type { CommittedBatch } from './steps/index.js';
import type { Decoded, SourceMessage } from './types.js';

export type { Log } from './kafka/log.js';

const { Kafka } = kafkajs;

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
/** The first wait before a new consumer after one failed; doubles up to RESTART_MAX_WAIT_MS. */
const RESTART_FIRST_WAIT_MS = 500;
const RESTART_MAX_WAIT_MS = 5_000;

/** One consumer and the partition loaders fed by it; replaced whole when it fails. */
interface Generation {
  readonly id: number;
  readonly consumer: Consumer;
  readonly loaders: Map<string, PartitionLoader>;
  /** Set once this generation is being closed: its batches are no longer taken. */
  closing: boolean;
  heartbeat: (() => Promise<void>) | undefined;
  /** Resolves with why this generation must be replaced (a crash, a failed commit). */
  readonly failed: Promise<string>;
  fail: (why: string) => void;
}

/**
 * `sendlens ingest`: a consumer group over the events (and spans) topics,
 * each partition fed to its chain of steps (loader.ts: decode → batch →
 * write → dead letters → commit); this class only consumes, follows
 * rebalances and replaces a failed consumer (its settings, topic creation,
 * lag, metrics and timers are in kafka/). Offsets are
 * committed only after ClickHouse acknowledged the batch and its dead letters
 * were stored; a failing ClickHouse holds the partition back (backpressure)
 * while heartbeats keep the group membership.
 *
 * A supervisor rides out Kafka outages: when the consumer crashes (kafkajs
 * gives up after a few retries) or a batch cannot be committed or
 * dead-lettered, it waits for the writes in flight, drops everything not
 * committed, and starts a new consumer, with backoff, until one joins the
 * group again. The new consumer reads from the committed offsets and the
 * batch log makes the re-read batches replace, not add to, what was written.
 */
export class KafkaIngest {
  readonly #kafka: InstanceType<typeof Kafka>;
  readonly #producer: SharedProducer;
  readonly #writer: BatchWriter;
  readonly #guard: InvalidRatioGuard;
  readonly #limits: BatchLimits;
  readonly #decoders: Map<string, (message: SourceMessage) => Decoded>;
  readonly #deadLetters: KafkaDeadLetters;
  readonly #log: Log;
  readonly #groupId: string;
  #generation: Generation | undefined;
  #generations = 0;
  #starting: Promise<void> | undefined;
  #supervisor: Promise<void> | undefined;
  /** Wakes the supervisor from a backoff wait or a running generation when stop() is called. */
  #wakeOnStop: () => void = () => undefined;
  readonly #stopRequested: Promise<void>;
  readonly #stopSignal = new AbortController();
  readonly #timers = new IngestTimers();
  readonly #onBatch: (batch: CommittedBatch) => void;
  /** Messages not yet committed, per topic, as last measured. */
  readonly lag = new Map<string, number>();
  #stopping = false;
  #fatal: Error | undefined;
  #settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  /** Resolves when the loader stopped cleanly, rejects when it stopped on an error (e.g. too many invalid events). */
  readonly done: Promise<void>;
  readonly totals = { rows: 0, batches: 0, deadLetters: 0, restarts: 0 };

  constructor(options: IngestOptions) {
    this.#log = options.log ?? (() => undefined);
    this.#groupId = options.groupId ?? DEFAULT_GROUP_ID;
    installBoundedGzip();
    installBoundedZstd();
    const kafkaLog = (level: string, message: string) => {
      if (level === 'error' || level === 'warn') this.#log(level, message);
    };
    this.#kafka = new Kafka(kafkaClientConfig(options.kafka, kafkaLog));
    this.#producer = new SharedProducer(options.kafka, kafkaLog);
    const deadLetterTopic = options.deadLetterTopic ?? DEFAULT_DEAD_LETTER_TOPIC;
    this.#deadLetters = new KafkaDeadLetters(deadLetterTopic, (records) => this.#producer.send(deadLetterTopic, records, 'none'));
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
      consumerGroup: this.#groupId,
      ...(options.afterWrite && { afterWrite: options.afterWrite }),
      // Shutdown still retries (pending batches must land); only a fatal stop gives up.
      keepTrying: () => this.#fatal === undefined,
      onRetry: async (error, attempt, waitMs) => {
        this.#log('warn', 'clickhouse write failed; retrying', { attempt, waitMs, error: (error as Error).message?.split('\n')[0] });
        await this.#generation?.heartbeat?.().catch(() => undefined);
      },
    });
    this.#stopRequested = new Promise((resolve) => {
      this.#wakeOnStop = resolve;
    });
    this.done = new Promise((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    this.done.catch(() => undefined);
    const record = ingestMetrics(this.lag);
    this.#onBatch = (batch) => {
      record(batch);
      this.totals.rows += batch.rows;
      this.totals.batches += 1;
      this.totals.deadLetters += batch.deadLetters;
      this.#log('info', 'batch written', { ...batch });
    };
  }

  #loaderFor(generation: Generation, topic: string, partition: number): PartitionLoader {
    const key = `${topic}:${partition}`;
    let loader = generation.loaders.get(key);
    if (!loader) {
      const decode = this.#decoders.get(topic);
      if (!decode) throw new Error(`no decoder for topic ${topic}`);
      loader = new PartitionLoader(topic, partition, {
        decode,
        writer: this.#writer,
        deadLetters: this.#deadLetters,
        commit: (t, p, next) => generation.consumer.commitOffsets([{ topic: t, partition: p, offset: next.toString() }]),
        limits: this.#limits,
        guard: this.#guard,
        onBatch: this.#onBatch,
      });
      generation.loaders.set(key, loader);
    }
    return loader;
  }

  /** Connects and joins the group with a first consumer (throws when Kafka cannot be reached), then keeps one running until stop(). */
  start(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    await ensureTopics(this.#kafka, [...this.#decoders.keys()], this.#deadLetters.topic);
    if (this.#stopping) return;
    const first = await this.#openGeneration();
    this.#supervisor = this.#supervise(first);
    // stop() during the start waits for it and then closes this consumer; no timers to start then.
    if (this.#stopping) return;
    this.#timers.start({
      tick: () => {
        const generation = this.#generation;
        if (!generation || generation.closing) return;
        const now = Date.now();
        for (const loader of generation.loaders.values()) {
          loader.flushIfDue(now).catch((error: unknown) => this.#failed(generation, error));
        }
      },
      heartbeat: () => void this.#generation?.heartbeat?.().catch(() => undefined),
      measureLag: () => void measureLag(this.#kafka, this.#groupId, [...this.#decoders.keys()], this.lag, this.#log, this.totals),
    });
    this.#log('info', 'ingest started', { topics: [...this.#decoders.keys()], group: this.#groupId });
  }

  /** A step of a partition failed: fatal for too much invalid input, else this consumer is replaced. */
  #failed(generation: Generation, error: unknown): void {
    if (error instanceof InvalidRatioExceeded) {
      this.#stop(error);
      return;
    }
    generation.fail(`a batch could not be written or committed: ${(error as Error).message}`);
  }

  /** A new consumer, connected, subscribed and running (its group join may still be retrying). */
  async #openGeneration(): Promise<Generation> {
    const consumer = this.#kafka.consumer(consumerConfig(this.#groupId));
    let fail: (why: string) => void = () => undefined;
    const failed = new Promise<string>((resolve) => {
      fail = resolve;
    });
    this.#generations += 1;
    const generation: Generation = { id: this.#generations, consumer, loaders: new Map(), closing: false, heartbeat: undefined, failed, fail };
    this.#generation = generation;
    consumer.on(consumer.events.CRASH, ({ payload }) => generation.fail(`consumer crashed: ${payload.error.message}`));
    // A rebalance may move partitions away: write what is pending now (its commit may be refused;
    // the batch log lets the next owner replay it without double counting), then start afresh.
    consumer.on(consumer.events.REBALANCING, () => {
      if (!generation.closing) void this.#settleLoaders(generation, 'rebalance', 'flush');
    });
    try {
      await consumer.connect();
      for (const topic of this.#decoders.keys()) await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: 4,
        eachBatch: async ({ batch, heartbeat }) => {
          // A consumer being replaced takes nothing more: what it read is re-read from the committed offsets.
          if (generation.closing || this.#stopping) return;
          generation.heartbeat = heartbeat;
          try {
            // Messages left after these (the partition's high watermark): while behind, batches fill up (PartitionBatch.due).
            const behind = batch.messages.length > 0 && BigInt(batch.offsetLag()) > 0n;
            await this.#loaderFor(generation, batch.topic, batch.partition).submit(
              batch.messages.map((m) => toSource(batch.topic, batch.partition, m)),
              behind,
            );
          } catch (error) {
            this.#failed(generation, error);
          }
        },
      });
    } catch (error) {
      generation.closing = true;
      if (this.#generation === generation) this.#generation = undefined;
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    return generation;
  }

  /**
   * Runs until stop(): whenever the current consumer fails, closes it (waiting
   * for its writes) and opens another, backing off while Kafka is away.
   */
  async #supervise(first: Generation): Promise<void> {
    let current: Generation | undefined = first;
    let wait = RESTART_FIRST_WAIT_MS;
    while (!this.#stopping) {
      if (current) {
        const why = await Promise.race([current.failed, this.#stopRequested.then(() => null)]);
        if (why === null) break;
        this.#log('warn', 'kafka consumer failed; replacing it', { why, generation: current.id });
        await this.#closeGeneration(current, 'discard');
        current = undefined;
        this.totals.restarts += 1;
      }
      // Cancelled by stop(), so no timer outlives the loader.
      await sleep(wait, undefined, { signal: this.#stopSignal.signal }).catch(() => undefined);
      if (this.#stopping) break;
      try {
        current = await this.#openGeneration();
        wait = RESTART_FIRST_WAIT_MS;
        this.#log('info', 'kafka consumer restarted', { generation: current.id });
      } catch (error) {
        this.#log('warn', 'kafka consumer could not start; retrying', { waitMs: wait, error: (error as Error).message });
        wait = Math.min(RESTART_MAX_WAIT_MS, wait * 2);
      }
    }
    // Stopping: the current consumer (if any) is closed by stop(), flushing first unless the stop is fatal.
  }

  /**
   * Stops taking batches from a consumer, settles its loaders (writes in
   * flight always finish, so the engine is never closed under a query), and
   * disconnects it. `flush` also writes and commits what is pending; `discard`
   * leaves it to be re-read.
   */
  async #closeGeneration(generation: Generation, mode: 'flush' | 'discard'): Promise<void> {
    generation.closing = true;
    if (this.#generation === generation) this.#generation = undefined;
    if (mode === 'flush') {
      try {
        generation.consumer.pause([...this.#decoders.keys()].map((topic) => ({ topic })));
      } catch {
        // Never joined (or mid-rejoin): nothing is being fetched to pause.
      }
    }
    await this.#settleLoaders(generation, mode === 'flush' ? 'shutdown' : 'restart', mode);
    await generation.consumer.disconnect().catch((error: unknown) => this.#log('warn', 'kafka consumer did not disconnect cleanly', { error: (error as Error).message }));
  }

  async #settleLoaders(generation: Generation, why: string, mode: 'flush' | 'discard'): Promise<void> {
    const loaders = [...generation.loaders.values()];
    generation.loaders.clear();
    await Promise.all(
      loaders.map(async (loader) => {
        try {
          if (mode === 'discard') throw new Error('not flushed: the consumer is being replaced');
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

  /**
   * Flushes and commits what is pending, leaves the group, disconnects; works
   * at any point (before the group was joined, while a consumer is being
   * replaced). It resolves only once no write is in flight.
   */
  async stop(): Promise<void> {
    if (this.#stopping) return this.done;
    this.#stopping = true;
    this.#wakeOnStop();
    this.#stopSignal.abort();
    this.#timers.stop();
    try {
      await this.#starting?.catch(() => undefined);
      await this.#supervisor;
      const generation = this.#generation;
      if (generation) await this.#closeGeneration(generation, this.#fatal ? 'discard' : 'flush');
      await this.#producer.disconnect();
    } finally {
      if (this.#fatal) this.#settle?.reject(this.#fatal);
      else this.#settle?.resolve();
      this.#log('info', 'ingest stopped', this.totals);
    }
    return this.done;
  }
}
