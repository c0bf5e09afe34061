/** The steps a partition's messages go through, in order; loader.ts composes them. */
export { DecodeStep } from './decode.js';
export { BatchStep, FIRST_BATCH_ROWS } from './batch.js';
export { WriteStep, MAX_WRITES_IN_FLIGHT } from './write.js';
export { DeadLetterStep } from './dead-letters.js';
export { CommitStep } from './commit.js';
export type { Commit } from './commit.js';
export { InlineStep } from './step.js';
export type { Step, DecodedMessage, WrittenBatch, CommittedBatch } from './step.js';
