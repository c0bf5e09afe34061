import { batchToken } from './replay.js';
import type { DeadLetter, Decoded, Row, SourceMessage } from './types.js';

export interface BatchLimits {
  /** Rows across tables. */
  maxRows: number;
  /** JSON bytes across tables. */
  maxBytes: number;
  /** Age of the oldest message in the batch. */
  maxWaitMs: number;
}

/**
 * 100,000 rows: under a backlog, fewer and larger inserts cost the embedded
 * engine less per event (its views' fixed cost, the parts to merge after). In
 * 5 interleaved pairs over a million events (bench/ingest-worker.ts `ours`
 * with `limits`, one topic): 50,400–64,700 events/s once rows flow against
 * 45,100–54,700 at 50,000 rows; CPU per million events 34.5 against 37.6 s
 * (medians). The 32 MiB of row text still bounds a batch's memory; when the
 * loader keeps up, 1 s closes a batch long before either.
 */
export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxRows: 100_000, maxBytes: 32 * 1024 * 1024, maxWaitMs: 1000 };

/** While its partition is behind, a batch is closed by age only at this many times maxWaitMs (PartitionBatch.due). */
export const BEHIND_WAIT_FACTOR = 5;

/**
 * The messages of one partition since its last commit, decoded. A batch
 * covers a contiguous offset range, which names it (replay.ts): the range
 * gives the insert deduplication token, and a batch that must be replayed
 * after a crash is closed exactly at the end of the range it had before.
 * A row whose event id is already in the batch is dropped (the first copy
 * stays, the one the rollup views' `LIMIT 1 BY event_id` counted): the same
 * range always drops the same rows, so a replay still matches its token.
 */
export class PartitionBatch {
  readonly topic: string;
  readonly partition: number;
  firstOffset: bigint | null = null;
  lastOffset: bigint | null = null;
  readonly rows = new Map<string, Row[]>();
  readonly deadLetters: DeadLetter[] = [];
  /** Per table, the event ids of its rows so far (rows that carry one: Row.unique). */
  readonly #unique = new Map<string, Set<string>>();
  rowCount = 0;
  /** Rows dropped as a later copy of an event id already in the batch. */
  duplicates = 0;
  bytes = 0;
  openedAt = 0;
  /** Set when this batch replays a logged one: it closes at exactly this offset. */
  replayUntil: bigint | null = null;

  constructor(topic: string, partition: number) {
    this.topic = topic;
    this.partition = partition;
  }

  get empty(): boolean {
    return this.firstOffset === null;
  }

  add(message: SourceMessage, decoded: Decoded, now: number): void {
    if (this.firstOffset === null) {
      this.firstOffset = message.offset;
      this.openedAt = now;
    }
    this.lastOffset = message.offset;
    for (const [table, rows] of decoded.rows) {
      let into = this.rows.get(table);
      if (!into) this.rows.set(table, (into = []));
      let seen = this.#unique.get(table);
      for (const row of rows) {
        if (row.unique !== undefined) {
          if (!seen) this.#unique.set(table, (seen = new Set()));
          if (seen.has(row.unique)) {
            this.duplicates += 1;
            continue;
          }
          seen.add(row.unique);
        }
        into.push(row);
        this.bytes += row.text.length + 1;
        this.rowCount += 1;
      }
    }
    this.deadLetters.push(...decoded.deadLetters);
  }

  /**
   * Whether the batch must be written now. While an earlier batch of its
   * partition is still being written (`writing`), age alone does not close
   * it: handed on, it would only wait behind that write, so it keeps taking
   * rows (up to maxRows and maxBytes) and is written as one insert when the
   * writer is free (group commit). Each insert costs the embedded engine about
   * 150 ms of CPU whatever its size (its views), so under a backlog batches of
   * 1 s, about 25,000 rows, spent a quarter of the engine's time there.
   *
   * Nor does age close it at maxWaitMs while the partition is `behind` (its
   * source said more is waiting to be read): the rows are late already and
   * come as fast as they are decoded, and 48,000 events as two inserts cost
   * the embedded engine about a third more CPU per event than as one
   * (`bench/ingest-probe.ts`: 24.3 against 18.8 µs). Only BEHIND_WAIT_FACTOR
   * times maxWaitMs closes it then.
   */
  due(limits: BatchLimits, now: number, writing = false, behind = false): boolean {
    if (this.empty) return false;
    if (this.replayUntil !== null) return (this.lastOffset ?? -1n) >= this.replayUntil;
    if (this.rowCount >= limits.maxRows || this.bytes >= limits.maxBytes) return true;
    return !writing && now - this.openedAt >= limits.maxWaitMs * (behind ? BEHIND_WAIT_FACTOR : 1);
  }

  /** Names this batch: the same offset range always gives the same token. */
  token(): string {
    return batchToken(this.topic, this.partition, this.firstOffset, this.lastOffset);
  }
}
