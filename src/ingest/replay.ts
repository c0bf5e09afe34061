import type { ClickHouseClient } from '@clickhouse/client';

/**
 * The replay protocol, all of it: how a batch written twice counts once.
 *
 * - A batch is a contiguous offset range of one partition; the range names it
 *   (`batchToken`), and each table's insert carries a deduplication token
 *   derived from that name (`tableToken`, `halfToken` for a bisected part), so
 *   ClickHouse drops an insert it has already seen.
 * - Before its rows, a batch's range goes to the batch log (`logBatch`).
 * - A consumer that starts a batch at an offset where a previous owner logged
 *   one (`findBoundary`) closes its batch exactly where that one ended, so the
 *   rows and tokens come out the same (the replay boundary).
 * - Right after a batch of our own no earlier owner can have logged one, so the
 *   lookup is skipped there (`ReplayCursor`: "continues our own work").
 */
export const BATCH_LOG_TABLE = 'sendlens_ingest_batches';

export interface ReplayBoundary {
  lastOffset: bigint;
  token: string;
}

/** Where a replay decision is made: a consumer group's view of one partition. */
export interface BatchLogScope {
  database: string;
  consumerGroup: string;
}

/** The name of a batch: the same offset range always gives the same token. */
export function batchToken(topic: string, partition: number, firstOffset: bigint | null, lastOffset: bigint | null): string {
  return `${topic}:${partition}:${firstOffset}-${lastOffset}`;
}

/** The deduplication token of one table's insert of a batch. */
export function tableToken(batch: string, table: string): string {
  return `${batch}:${table}`;
}

/** The token of one half of a refused insert being bisected: derived the same way on every replay. */
export function halfToken(token: string, half: 0 | 1): string {
  return `${token}/${half}`;
}

/** Records a batch's range in the batch log (before its rows are inserted). */
export async function logBatch(client: ClickHouseClient, scope: BatchLogScope, batch: { topic: string; partition: number; firstOffset: bigint; lastOffset: bigint }): Promise<void> {
  await client.insert({
    table: `${scope.database}.${BATCH_LOG_TABLE}`,
    values: [
      {
        consumer_group: scope.consumerGroup,
        topic: batch.topic,
        partition: batch.partition,
        first_offset: batch.firstOffset.toString(),
        last_offset: batch.lastOffset.toString(),
        token: batchToken(batch.topic, batch.partition, batch.firstOffset, batch.lastOffset),
      },
    ],
    format: 'JSONEachRow',
  });
}

/** The logged batch of this partition that starts at `offset`, if a previous owner began one. */
export async function findBoundary(client: ClickHouseClient, scope: BatchLogScope, topic: string, partition: number, offset: bigint): Promise<ReplayBoundary | null> {
  const result = await client.query({
    query: `SELECT toString(last_offset) AS last_offset, token FROM ${scope.database}.${BATCH_LOG_TABLE} FINAL
            WHERE consumer_group = {group:String} AND topic = {topic:String} AND partition = {partition:UInt32} AND first_offset = {offset:UInt64}
            ORDER BY written_at DESC LIMIT 1`,
    query_params: { group: scope.consumerGroup, topic, partition, offset: offset.toString() },
    format: 'JSONEachRow',
  });
  const found = ((await result.json()) as { last_offset: string; token: string }[])[0];
  return found ? { lastOffset: BigInt(found.last_offset), token: found.token } : null;
}

export type BoundaryLookup = (topic: string, partition: number, offset: bigint) => Promise<ReplayBoundary | null>;

/**
 * One partition's replay state as its batches are cut: asks the batch log
 * where a new batch must close, except right after a batch of our own (on the
 * embedded engine the lookup would queue behind the write in flight).
 */
export class ReplayCursor {
  #resolvedFor: bigint | null = null;
  /** The offset right after the last batch handed to be written: a batch starting there continues our own work. */
  #continuesAt: bigint | null = null;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly lookup: BoundaryLookup,
  ) {}

  /** The last offset a batch starting at `offset` must close at, or null when it may close on its limits. */
  async boundaryAt(offset: bigint): Promise<bigint | null> {
    if (this.#resolvedFor === offset) return null;
    this.#resolvedFor = offset;
    if (this.#continuesAt === offset) return null;
    const boundary = await this.lookup(this.topic, this.partition, offset);
    return boundary ? boundary.lastOffset : null;
  }

  /** A batch ending at `lastOffset` was handed to be written. */
  handedOn(lastOffset: bigint): void {
    this.#continuesAt = lastOffset + 1n;
  }

  /** Pending work was dropped: what comes next is re-read and must be looked up again. */
  reset(): void {
    this.#resolvedFor = null;
    this.#continuesAt = null;
  }
}
