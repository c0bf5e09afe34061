import { PartitionBatch } from '../batch.js';
import type { BatchLimits } from '../batch.js';
import type { ReplayCursor } from '../replay.js';
import type { DecodedMessage, Step } from './step.js';

/**
 * The first batch of a partition (after a start, a rebalance or a failure)
 * closes at this many rows, whatever maxRows says: under a backlog every
 * partition's first batch is decoded on the one JavaScript thread before any
 * is written, so full batches (50,000 rows then) kept the first rows from being queryable for
 * seconds after the group was joined. Later batches grow while this one is
 * written (group commit).
 */
export const FIRST_BATCH_ROWS = 5_000;

/**
 * batch: gathers one partition's decoded messages into a contiguous offset
 * range and hands it on when it is due (rows, bytes, age), or, when it replays
 * a batch a previous owner logged, exactly at that batch's last offset
 * (replay.ts); a replay batch is never cut short by time or by `join`: left
 * incomplete, it is read again. Holds one open batch. While `writing` says an
 * earlier batch is still being written, the open one is not closed by age
 * (PartitionBatch.due: group commit), and while `behind` says more of the
 * partition is waiting to be read, only by a longer age.
 */
export class BatchStep implements Step<DecodedMessage> {
  #batch: PartitionBatch;
  /** Limits of the first batch (FIRST_BATCH_ROWS), until one is handed on. */
  readonly #firstLimits: BatchLimits;
  #handedOnOne = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly limits: BatchLimits,
    readonly replay: ReplayCursor,
    readonly next: Step<PartitionBatch>,
    readonly writing: () => boolean = () => false,
    /** Whether the source said more of this partition is waiting to be read (PartitionBatch.due). */
    readonly behind: () => boolean = () => false,
  ) {
    this.#batch = new PartitionBatch(topic, partition);
    this.#firstLimits = { ...limits, maxRows: Math.min(limits.maxRows, FIRST_BATCH_ROWS) };
  }

  get #limits(): BatchLimits {
    return this.#handedOnOne ? this.limits : this.#firstLimits;
  }

  async submit({ message, decoded }: DecodedMessage): Promise<void> {
    if (this.#batch.empty) {
      const replayUntil = await this.replay.boundaryAt(message.offset);
      if (replayUntil !== null) this.#batch.replayUntil = replayUntil;
    }
    this.#batch.add(message, decoded, Date.now());
    if (this.#batch.due(this.#limits, Date.now(), this.writing(), this.behind())) await this.#handOn();
  }

  async poll(now: number): Promise<void> {
    if (this.#batch.replayUntil === null && this.#batch.due(this.#limits, now, this.writing(), this.behind())) await this.#handOn();
    await this.next.poll(now);
  }

  async join(): Promise<void> {
    if (!this.#batch.empty && this.#batch.replayUntil === null) await this.#handOn();
    await this.next.join();
  }

  async close(): Promise<void> {
    this.#batch = new PartitionBatch(this.topic, this.partition);
    this.#handedOnOne = false;
    this.replay.reset();
    await this.next.close();
  }

  /** The open batch stays ours until the next step has taken it (a refusal leaves it here). */
  async #handOn(): Promise<void> {
    const batch = this.#batch;
    if (batch.empty || batch.lastOffset === null) return;
    await this.next.submit(batch);
    this.#batch = new PartitionBatch(this.topic, this.partition);
    this.#handedOnOne = true;
    this.replay.handedOn(batch.lastOffset);
  }
}
