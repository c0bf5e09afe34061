import { PartitionBatch } from './batch.js';
import type { BatchLimits } from './batch.js';
import type { InvalidRatioGuard } from './guard.js';
import type { BatchWriter } from './write.js';
import type { DeadLetter, Decoded, SourceMessage } from './types.js';

/** Where dead letters go; resolves once they are safely stored. */
export interface DeadLetterSink {
  send(letters: DeadLetter[]): Promise<void>;
}

/** Marks a partition's offsets as done; resolves once the commit is acknowledged. */
export type Commit = (topic: string, partition: number, nextOffset: bigint) => Promise<void>;

export interface LoaderStats {
  batches: number;
  rows: number;
  deadLetters: number;
  lastBatchRows: number;
  lastBatchMs: number;
}

export interface PartitionLoaderOptions {
  decode: (message: SourceMessage) => Decoded;
  writer: BatchWriter;
  deadLetters: DeadLetterSink;
  commit: Commit;
  limits: BatchLimits;
  guard: InvalidRatioGuard;
  onBatch?: (info: { topic: string; partition: number; rows: number; deadLetters: number; ms: number; token: string; replay: boolean }) => void;
}

/** Batches of one partition handed to writes that have not finished; the next one waits (backpressure). */
export const MAX_WRITES_IN_FLIGHT = 2;

/**
 * The steps for one partition, in order: decode → batch → write → commit.
 * Calls are serialized per partition (a promise chain). Full batches are
 * written in the background while the next one is decoded and filled, so
 * decoding (JavaScript) and inserting (the engine) overlap, and the engine
 * has the next insert queued while Kafka is polled again. When a batch is due
 * while MAX_WRITES_IN_FLIGHT writes are unfinished, the caller waits for the
 * oldest: that is the backpressure, at most three batches per partition in
 * memory. Writes are chained, so batches are written and committed strictly
 * in offset order, and a write that fails stops every write after it.
 */
export class PartitionLoader {
  readonly topic: string;
  readonly partition: number;
  readonly #options: PartitionLoaderOptions;
  #batch: PartitionBatch;
  #chain: Promise<unknown> = Promise.resolve();
  #resolvedReplayFor: bigint | null = null;
  /** Writes (each with its commit) not yet settled, oldest first; each starts when the one before it is done. */
  #writes: Promise<void>[] = [];
  /** The offset right after the last batch this loader wrote: a batch starting there continues our own work. */
  #continuesAt: bigint | null = null;
  /**
   * A write that failed for good: every later step refuses until the pending
   * work is discarded, so no later batch is ever committed past it.
   */
  #failed: unknown = null;
  readonly stats: LoaderStats = { batches: 0, rows: 0, deadLetters: 0, lastBatchRows: 0, lastBatchMs: 0 };

  constructor(topic: string, partition: number, options: PartitionLoaderOptions) {
    this.topic = topic;
    this.partition = partition;
    this.#options = options;
    this.#batch = new PartitionBatch(topic, partition);
  }

  /** Runs `step` after every step queued before it on this partition. */
  #serial<T>(step: () => Promise<T>): Promise<T> {
    const next = this.#chain.then(step, step);
    this.#chain = next.catch(() => undefined);
    return next;
  }

  submit(messages: SourceMessage[]): Promise<void> {
    return this.#serial(async () => {
      for (const message of messages) {
        if (this.#batch.empty) await this.#startBatchAt(message.offset);
        const decoded = this.#options.decode(message);
        this.#options.guard.record(decoded.judged, decoded.invalid);
        this.#batch.add(message, decoded, Date.now());
        if (this.#batch.due(this.#options.limits, Date.now())) await this.#flush();
      }
    });
  }

  /** Writes the batch if its time has come (called by a ticker). */
  flushIfDue(now: number): Promise<void> {
    return this.#serial(async () => {
      if (this.#batch.replayUntil === null && this.#batch.due(this.#options.limits, now)) await this.#flush();
    });
  }

  /** Writes whatever is pending (shutdown, rebalance) and waits until it is committed. A replay batch not yet complete is left to be re-read. */
  flushAll(): Promise<void> {
    return this.#serial(async () => {
      if (!this.#batch.empty && this.#batch.replayUntil === null) await this.#flush();
      while (this.#writes.length > 0) await this.#settleOldest();
    });
  }

  /** Forgets a batch that is not written (its offsets are not committed, so they will be read again). */
  discardPending(): Promise<void> {
    return this.#serial(async () => {
      await Promise.allSettled(this.#writes);
      this.#writes = [];
      this.#failed = null;
      this.#batch = new PartitionBatch(this.topic, this.partition);
      this.#resolvedReplayFor = null;
      this.#continuesAt = null;
    });
  }

  /** Waits for the oldest unfinished write; a failure surfaces here, to the caller of the next step. */
  async #settleOldest(): Promise<void> {
    if (this.#failed !== null) throw this.#failed;
    const oldest = this.#writes[0];
    if (!oldest) return;
    try {
      await oldest;
    } catch (error) {
      this.#failed = error;
      throw error;
    } finally {
      if (this.#writes[0] === oldest) this.#writes.shift();
    }
  }

  async #startBatchAt(offset: bigint): Promise<void> {
    if (this.#resolvedReplayFor === offset) return;
    this.#resolvedReplayFor = offset;
    // Right after a batch of our own, no earlier owner can have logged one: skip the lookup
    // (on the embedded engine it would queue behind the write in flight).
    if (this.#continuesAt === offset) return;
    const boundary = await this.#options.writer.replayBoundary(this.topic, this.partition, offset);
    if (boundary) this.#batch.replayUntil = boundary.lastOffset;
  }

  /** Hands the batch to a background write once the previous one is committed; returns without waiting for it. */
  async #flush(): Promise<void> {
    const batch = this.#batch;
    if (batch.empty || batch.lastOffset === null) return;
    if (this.#failed !== null) throw this.#failed;
    while (this.#writes.length >= MAX_WRITES_IN_FLIGHT) await this.#settleOldest();
    this.#batch = new PartitionBatch(this.topic, this.partition);
    this.#continuesAt = batch.lastOffset + 1n;
    // After the previous write and its commit; if that one fails, this one never runs.
    const write = (this.#writes.at(-1) ?? Promise.resolve()).then(() => this.#write(batch));
    // Observed by #settleOldest; a rejection must not count as unhandled in between.
    write.catch(() => undefined);
    this.#writes.push(write);
  }

  async #write(batch: PartitionBatch): Promise<void> {
    if (batch.lastOffset === null) return;
    const started = performance.now();
    const refused = await this.#options.writer.write(batch);
    const letters = [...batch.deadLetters, ...refused];
    if (letters.length > 0) await this.#options.deadLetters.send(letters);
    await this.#options.commit(this.topic, this.partition, batch.lastOffset + 1n);
    const ms = performance.now() - started;
    const rows = batch.rowCount - refused.length;
    Object.assign(this.stats, { batches: this.stats.batches + 1, rows: this.stats.rows + rows, deadLetters: this.stats.deadLetters + letters.length, lastBatchRows: rows, lastBatchMs: ms });
    this.#options.onBatch?.({ topic: this.topic, partition: this.partition, rows, deadLetters: letters.length, ms, token: batch.token(), replay: batch.replayUntil !== null });
  }
}
