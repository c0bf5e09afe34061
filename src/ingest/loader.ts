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

/**
 * The steps for one partition, in order: decode → batch → write → commit.
 * Calls are serialized per partition (a promise chain), so a write in
 * progress holds back the next messages of its partition: that is the
 * backpressure, and nothing is buffered beyond one batch.
 */
export class PartitionLoader {
  readonly topic: string;
  readonly partition: number;
  readonly #options: PartitionLoaderOptions;
  #batch: PartitionBatch;
  #chain: Promise<unknown> = Promise.resolve();
  #resolvedReplayFor: bigint | null = null;
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

  /** Writes whatever is pending (shutdown, rebalance). A replay batch not yet complete is left to be re-read. */
  flushAll(): Promise<void> {
    return this.#serial(async () => {
      if (!this.#batch.empty && this.#batch.replayUntil === null) await this.#flush();
    });
  }

  /** Forgets a batch that is not written (its offsets are not committed, so they will be read again). */
  discardPending(): Promise<void> {
    return this.#serial(async () => {
      this.#batch = new PartitionBatch(this.topic, this.partition);
      this.#resolvedReplayFor = null;
    });
  }

  async #startBatchAt(offset: bigint): Promise<void> {
    if (this.#resolvedReplayFor === offset) return;
    this.#resolvedReplayFor = offset;
    const boundary = await this.#options.writer.replayBoundary(this.topic, this.partition, offset);
    if (boundary) this.#batch.replayUntil = boundary.lastOffset;
  }

  async #flush(): Promise<void> {
    const batch = this.#batch;
    if (batch.empty || batch.lastOffset === null) return;
    const started = performance.now();
    const refused = await this.#options.writer.write(batch);
    const letters = [...batch.deadLetters, ...refused];
    if (letters.length > 0) await this.#options.deadLetters.send(letters);
    await this.#options.commit(this.topic, this.partition, batch.lastOffset + 1n);
    const ms = performance.now() - started;
    const rows = batch.rowCount - refused.length;
    Object.assign(this.stats, { batches: this.stats.batches + 1, rows: this.stats.rows + rows, deadLetters: this.stats.deadLetters + letters.length, lastBatchRows: rows, lastBatchMs: ms });
    this.#options.onBatch?.({ topic: this.topic, partition: this.partition, rows, deadLetters: letters.length, ms, token: batch.token(), replay: batch.replayUntil !== null });
    this.#batch = new PartitionBatch(this.topic, this.partition);
  }
}
