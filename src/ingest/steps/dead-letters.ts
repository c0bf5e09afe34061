import type { DeadLetterSink } from '../dead-letter.js';
import { InlineStep } from './step.js';
import type { Step, WrittenBatch } from './step.js';

/**
 * dead letters: a written batch's dead letters (refused by decode, and rows
 * ClickHouse refused for good) go to the sink, and only once the sink has
 * stored them does the batch go on to be committed; a sink that fails stops
 * the chain, so no offset is committed past a letter that was not stored.
 */
export class DeadLetterStep extends InlineStep<WrittenBatch, WrittenBatch> {
  constructor(
    readonly sink: DeadLetterSink,
    next: Step<WrittenBatch>,
  ) {
    super(next);
  }

  async submit(written: WrittenBatch): Promise<void> {
    const letters = [...written.batch.deadLetters, ...written.refused];
    if (letters.length > 0) await this.sink.send(letters);
    await this.next.submit(written);
  }
}
