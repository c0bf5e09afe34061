import type { BatchLimits } from './batch.js';
import type { DeadLetterSink } from './dead-letter.js';
import type { InvalidRatioGuard } from './guard.js';
import { ReplayCursor } from './replay.js';
import { BatchStep, CommitStep, DeadLetterStep, DecodeStep, WriteStep } from './steps/index.js';
import type { Commit, CommittedBatch, Step } from './steps/index.js';
import type { BatchWriter } from './write.js';
import type { Decoded, SourceMessage } from './types.js';

export type { DeadLetterSink } from './dead-letter.js';
export type { Commit } from './steps/index.js';
export { MAX_WRITES_IN_FLIGHT } from './steps/index.js';

export interface LoaderStats {
  batches: number;
  rows: number;
  deadLetters: number;
  lastBatchRows: number;
  lastBatchMs: number;
}

export interface PartitionLoaderOptions {
  decode: (message: SourceMessage) => Decoded;
  writer: Pick<BatchWriter, 'write' | 'replayBoundary'>;
  deadLetters: DeadLetterSink;
  commit: Commit;
  limits: BatchLimits;
  guard: InvalidRatioGuard;
  onBatch?: (info: CommittedBatch) => void;
}

/**
 * One partition's chain of steps (steps/): decode → batch → write (at most
 * MAX_WRITES_IN_FLIGHT batches in flight) → dead letters → commit, so at most
 * three batches per partition are in memory. Its callers (a consumer's
 * batches, a ticker, a rebalance) act on the chain one at a time, in the
 * order they called: a promise queue per partition.
 */
export class PartitionLoader {
  readonly topic: string;
  readonly partition: number;
  readonly #head: Step<SourceMessage>;
  #queue: Promise<unknown> = Promise.resolve();
  /** What the last submit said: more of the partition was waiting to be read. */
  #behind = false;
  readonly stats: LoaderStats = { batches: 0, rows: 0, deadLetters: 0, lastBatchRows: 0, lastBatchMs: 0 };

  constructor(topic: string, partition: number, options: PartitionLoaderOptions) {
    this.topic = topic;
    this.partition = partition;
    const commit = new CommitStep(options.commit, (batch) => {
      Object.assign(this.stats, { batches: this.stats.batches + 1, rows: this.stats.rows + batch.rows, deadLetters: this.stats.deadLetters + batch.deadLetters, lastBatchRows: batch.rows, lastBatchMs: batch.ms });
      options.onBatch?.(batch);
    });
    const write = new WriteStep(options.writer, new DeadLetterStep(options.deadLetters, commit));
    const replay = new ReplayCursor(topic, partition, (t, p, offset) => options.writer.replayBoundary(t, p, offset));
    this.#head = new DecodeStep(options.decode, options.guard, new BatchStep(topic, partition, options.limits, replay, write, () => write.writing, () => this.#behind));
  }

  /** Runs `action` after every action queued before it on this partition. */
  #serial<T>(action: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(action, action);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** `behind`: the source has more of this partition waiting after these messages (a consumer's lag). */
  submit(messages: SourceMessage[], behind = false): Promise<void> {
    return this.#serial(async () => {
      this.#behind = behind;
      for (const message of messages) await this.#head.submit(message);
    });
  }

  /** Writes the batch if its time has come (called by a ticker); throws a failure of a write in the background. */
  flushIfDue(now: number): Promise<void> {
    return this.#serial(() => this.#head.poll(now));
  }

  /** Writes whatever is pending (shutdown, rebalance) and waits until it is committed. A replay batch not yet complete is left to be re-read. */
  flushAll(): Promise<void> {
    return this.#serial(() => this.#head.join());
  }

  /** Forgets what is not written (its offsets are not committed, so they will be read again). */
  discardPending(): Promise<void> {
    return this.#serial(() => this.#head.close());
  }
}
