import type { CommittedBatch, Step, WrittenBatch } from './step.js';

/** Marks a partition's offsets as done; resolves once the commit is acknowledged. */
export type Commit = (topic: string, partition: number, nextOffset: bigint) => Promise<void>;

/**
 * commit: the end of the chain. A batch arrives here only once it is written
 * and its dead letters are stored; its next offset is committed and, once
 * acknowledged, the batch is reported. A failed commit throws back up the
 * chain (the write step then refuses everything after it).
 */
export class CommitStep implements Step<WrittenBatch> {
  constructor(
    readonly commit: Commit,
    readonly onCommitted: (batch: CommittedBatch) => void,
  ) {}

  async submit({ batch, nextOffset, refused, startedAt }: WrittenBatch): Promise<void> {
    await this.commit(batch.topic, batch.partition, nextOffset);
    this.onCommitted({
      topic: batch.topic,
      partition: batch.partition,
      rows: batch.rowCount - refused.length,
      deadLetters: batch.deadLetters.length + refused.length,
      ms: performance.now() - startedAt,
      token: batch.token(),
      replay: batch.replayUntil !== null,
    });
  }

  async poll(): Promise<void> {}

  async join(): Promise<void> {}

  async close(): Promise<void> {}
}
