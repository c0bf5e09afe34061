import type { PartitionBatch } from '../batch.js';
import type { BatchWriter } from '../write.js';
import type { Step, WrittenBatch } from './step.js';

/** Batches of one partition handed to writes that have not finished; the next one waits (backpressure). */
export const MAX_WRITES_IN_FLIGHT = 2;

/**
 * write: each batch to ClickHouse in the background (BatchWriter: batch log,
 * deduplication tokens, retries, bisecting refused rows), then through the
 * steps after it (dead letters, commit) before the next batch is written, so
 * batches land and commit strictly in offset order while the next one is
 * decoded. At most `maxInFlight` batches are taken and not yet through; a
 * submit beyond that waits for the oldest (backpressure). A write that fails
 * stops every write after it, and every call throws that failure until
 * `close` drops the pending work: nothing after a failed batch is committed.
 */
export class WriteStep implements Step<PartitionBatch> {
  /** Writes (each with the steps after it) not yet settled, oldest first; each starts when the one before it is done. */
  #writes: Promise<void>[] = [];
  #failed: { error: unknown } | null = null;
  /** Writes taken whose write and later steps have not settled yet. */
  #running = 0;

  constructor(
    readonly writer: Pick<BatchWriter, 'write'>,
    readonly next: Step<WrittenBatch>,
    readonly maxInFlight = MAX_WRITES_IN_FLIGHT,
  ) {}

  get inFlight(): number {
    return this.#writes.length;
  }

  /** Whether a batch taken is still being written (or dead-lettered, or committed). */
  get writing(): boolean {
    return this.#running > 0;
  }

  async submit(batch: PartitionBatch): Promise<void> {
    this.#throwIfFailed();
    while (this.#writes.length >= this.maxInFlight) await this.#settleOldest();
    const previous = this.#writes.at(-1) ?? Promise.resolve();
    // After the previous write and the steps after it; if that one fails, this one never runs.
    const write = previous.then(() => this.#write(batch));
    this.#running += 1;
    void write.then(
      () => (this.#running -= 1),
      () => (this.#running -= 1),
    );
    // Recorded at once, so the next call sees it; observed by #settleOldest in between.
    write.catch((error: unknown) => {
      this.#failed ??= { error };
    });
    this.#writes.push(write);
  }

  async poll(now: number): Promise<void> {
    this.#throwIfFailed();
    await this.next.poll(now);
  }

  async join(): Promise<void> {
    while (this.#writes.length > 0) await this.#settleOldest();
    this.#throwIfFailed();
    await this.next.join();
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#writes);
    this.#writes = [];
    this.#failed = null;
    await this.next.close();
  }

  #throwIfFailed(): void {
    if (this.#failed !== null) throw this.#failed.error;
  }

  /** Waits for the oldest unfinished write; a failure surfaces here, to the caller of the next step. */
  async #settleOldest(): Promise<void> {
    this.#throwIfFailed();
    const oldest = this.#writes[0];
    if (!oldest) return;
    try {
      await oldest;
    } catch (error) {
      this.#failed ??= { error };
      throw error;
    } finally {
      if (this.#writes[0] === oldest) this.#writes.shift();
    }
  }

  async #write(batch: PartitionBatch): Promise<void> {
    const { lastOffset } = batch;
    if (lastOffset === null) return;
    const startedAt = performance.now();
    const refused = await this.writer.write(batch);
    await this.next.submit({ batch, nextOffset: lastOffset + 1n, refused, startedAt });
  }
}
