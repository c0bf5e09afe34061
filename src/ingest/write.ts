import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import type { PartitionBatch } from './batch.js';
import { eventText, insertStatement } from './row-format.js';
import { deadLetter } from './dead-letter.js';
import { findBoundary, halfToken, logBatch, tableToken } from './replay.js';
import type { ReplayBoundary } from './replay.js';
import type { DeadLetter, Row } from './types.js';

/**
 * ClickHouse error codes that say the data itself is refused: the same rows
 * would be refused again, so they are bisected down to the offending row
 * (dead-lettered) instead of retried. Everything else (network, overload,
 * too many parts, a server restarting) is retried with backoff.
 */
const DATA_ERROR_CODES = new Set([6, 26, 27, 38, 41, 53, 69, 70, 72, 117, 131, 349, 1000]);

export function clickhouseErrorCode(error: unknown): number | null {
  const { code, clickhouseCode } = (error ?? {}) as { code?: unknown; clickhouseCode?: unknown };
  const value = clickhouseCode ?? code;
  const number = typeof value === 'string' ? Number(value) : typeof value === 'number' ? value : Number.NaN;
  return Number.isInteger(number) ? number : null;
}

export function isDataError(error: unknown): boolean {
  const code = clickhouseErrorCode(error);
  return code !== null && DATA_ERROR_CODES.has(code);
}

export interface WriterOptions {
  database: string;
  consumerGroup: string;
  /** Backoff between retries of a failing insert. */
  initialRetryMs?: number;
  maxRetryMs?: number;
  /** Called while a write waits to retry (to keep the group session alive), and to log. */
  onRetry?: (error: unknown, attempt: number, waitMs: number) => void | Promise<void>;
  /** Retries stop (the write throws) once this says no, e.g. on shutdown. */
  keepTrying?: () => boolean;
  /** Called after a batch is written and before it is committed: the window crash tests aim at. */
  afterWrite?: (batch: PartitionBatch) => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Every insert's settings besides its token: deduplicated by the token, down
 * into the views; times read as the contract writes them; null as the
 * column's default; synchronous; parsed on one thread (parallel parsing
 * halved the loader's rate, README "Benchmarks").
 */
export const INSERT_SETTINGS = {
  insert_deduplicate: 1,
  deduplicate_blocks_in_dependent_materialized_views: 1,
  date_time_input_format: 'best_effort',
  input_format_null_as_default: 1,
  async_insert: 0,
  input_format_parallel_parsing: 0,
} as const;

/**
 * Writes batches to ClickHouse so that a batch written twice counts once
 * (the replay protocol of replay.ts): the batch's offset range goes to the
 * batch log first, then each table's rows go in one insert whose
 * deduplication token is derived from that range (and carried into the
 * materialized views' inserts). Failing calls are retried with backoff; rows
 * the engine refuses for good are bisected down and returned as dead letters.
 */
export class BatchWriter {
  readonly #client: ClickHouseClient;
  readonly #options: Required<Omit<WriterOptions, 'onRetry' | 'afterWrite'>> & Pick<WriterOptions, 'onRetry' | 'afterWrite'>;

  constructor(client: ClickHouseClient, options: WriterOptions) {
    this.#client = client;
    this.#options = { initialRetryMs: 200, maxRetryMs: 10_000, keepTrying: () => true, ...options };
  }

  /** The logged batch of this partition that starts at `offset`, if a previous owner began one. */
  replayBoundary(topic: string, partition: number, offset: bigint): Promise<ReplayBoundary | null> {
    return this.#retrying(() => findBoundary(this.#client, this.#options, topic, partition, offset));
  }

  /**
   * Writes the batch; returns rows ClickHouse refused for good (to dead-letter).
   * Throws only when `keepTrying` says stop.
   */
  async write(batch: PartitionBatch): Promise<DeadLetter[]> {
    if (batch.firstOffset === null || batch.lastOffset === null) return [];
    const { firstOffset, lastOffset } = batch;
    const token = batch.token();
    const refused: DeadLetter[] = [];
    if (batch.rowCount > 0) await this.#retrying(() => logBatch(this.#client, this.#options, { topic: batch.topic, partition: batch.partition, firstOffset, lastOffset }));
    for (const [table, rows] of batch.rows) {
      if (rows.length > 0) refused.push(...(await this.#insertBisecting(batch, table, rows, tableToken(token, table))));
    }
    this.#options.afterWrite?.(batch);
    return refused;
  }

  async #insertBisecting(batch: PartitionBatch, table: string, rows: Row[], token: string): Promise<DeadLetter[]> {
    try {
      await this.#retrying(() => this.#insert(table, rows, token), isDataError);
      return [];
    } catch (error) {
      if (!isDataError(error)) throw error;
      if (rows.length === 1) {
        const row = rows[0] as Row;
        const reason = `rejected by ClickHouse (code ${clickhouseErrorCode(error)}): ${(error as Error).message.split('\n')[0]}`;
        return [deadLetter({ topic: batch.topic, partition: batch.partition, offset: row.offset }, reason, row.line, Buffer.from(originalText(table, row)))];
      }
      const middle = Math.ceil(rows.length / 2);
      return [
        ...(await this.#insertBisecting(batch, table, rows.slice(0, middle), halfToken(token, 0))),
        ...(await this.#insertBisecting(batch, table, rows.slice(middle), halfToken(token, 1))),
      ];
    }
  }

  async #insert(table: string, rows: Row[], token: string): Promise<void> {
    const result = await this.#client.exec({
      query: insertStatement(this.#options.database, table),
      values: Readable.from([insertBody(rows)]),
      clickhouse_settings: {
        ...INSERT_SETTINGS,
        insert_deduplication_token: token,
        // Rows that each carry their event id were kept one per id by the batch (PartitionBatch.add):
        // merging the block with itself on insert would find nothing to drop.
        ...(rows.every((row) => row.unique !== undefined) && { optimize_on_insert: 0 }),
      },
    });
    result.stream.resume();
  }

  /** Runs `operation` until it succeeds, backing off; a `final` error or a stop request ends it. */
  async #retrying<T>(operation: () => Promise<T>, final: (error: unknown) => boolean = () => false): Promise<T> {
    let wait = this.#options.initialRetryMs;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await operation();
      } catch (error) {
        if (final(error) || !this.#options.keepTrying()) throw error;
        await this.#options.onRetry?.(error, attempt, wait);
        await sleep(wait);
        wait = Math.min(this.#options.maxRetryMs, wait * 2);
      }
    }
  }
}

/**
 * The body of one insert: the only place rows become the bytes the engine
 * parses. One string chunk: the embedded engine takes it as is, an HTTP server
 * gets it written once (no Buffer copies of a 10–30 MB body).
 */
export function insertBody(rows: readonly Row[]): string {
  return rows.map((row) => row.text).join('\n');
}

/** A refused row as the event it was (its row format back to its fields), for the dead letter. */
function originalText(table: string, row: Row): string {
  return eventText(table, row.text);
}
