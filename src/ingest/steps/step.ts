import type { PartitionBatch } from '../batch.js';
import type { DeadLetter, Decoded, SourceMessage } from '../types.js';

/**
 * One stage of a partition's chain (in the spirit of Arroyo's processing
 * strategies), handing what it produces to the next step it was built with.
 * A chain is driven by one caller at a time (the loader serializes calls).
 *
 * - `submit` takes one item. It resolves once the item is taken, which is
 *   the backpressure: a full step resolves only when it has room again, so
 *   nothing is buffered past a step's bound. It throws an earlier failure.
 * - `poll` lets time do its work (a batch old enough is handed on) and
 *   surfaces a failure of work in the background.
 * - `join` hands on everything taken so far and resolves once all of it has
 *   gone through the steps after this one (written and committed).
 * - `close` drops what is not done (never committed, so it is read again)
 *   once the work in flight has settled, and leaves the step ready to start
 *   afresh (after a failure, a rebalance, a refused in-process hand-off).
 */
export interface Step<In> {
  submit(item: In): Promise<void>;
  poll(now: number): Promise<void>;
  join(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A step that does its work inline on `submit` and holds nothing, so time,
 * joining and closing are wholly the next step's.
 */
export abstract class InlineStep<In, Out> implements Step<In> {
  constructor(readonly next: Step<Out>) {}

  abstract submit(item: In): Promise<void>;

  poll(now: number): Promise<void> {
    return this.next.poll(now);
  }

  join(): Promise<void> {
    return this.next.join();
  }

  close(): Promise<void> {
    return this.next.close();
  }
}

/** A message and what decoding made of it. */
export interface DecodedMessage {
  message: SourceMessage;
  decoded: Decoded;
}

/** A batch ClickHouse has acknowledged, with the rows it refused for good. */
export interface WrittenBatch {
  batch: PartitionBatch;
  /** The offset right after the batch: what its commit marks as done. */
  nextOffset: bigint;
  refused: DeadLetter[];
  /** performance.now() when its write began. */
  startedAt: number;
}

/** What a committed batch amounted to. */
export interface CommittedBatch {
  topic: string;
  partition: number;
  rows: number;
  deadLetters: number;
  ms: number;
  token: string;
  replay: boolean;
}
