import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { DEFAULT_BATCH_LIMITS } from './batch.js';
import type { BatchLimits } from './batch.js';
import { FileDeadLetters } from './dead-letter.js';
import { InvalidRatioGuard } from './guard.js';
import { PartitionLoader } from './loader.js';
import type { Decoded, SourceMessage } from './types.js';
import { BatchWriter } from './write.js';

export interface MemorySourceOptions {
  client: ClickHouseClient;
  database: string;
  /** Where dead letters are appended (JSON Lines). */
  deadLetterFile: string;
  /** The decoder of the topic these messages would travel on. */
  decode: (message: SourceMessage) => Decoded;
  limits?: Partial<BatchLimits>;
  /** How long one load keeps retrying a failing write before it rejects; unset: until it lands. */
  retryForMs?: number;
}

/**
 * The in-memory source: messages handed over in this process go through the
 * same chain of steps as `sendlens ingest` (decode, batch, write with a
 * deduplication token, dead letters to a file, and a commit that has nothing
 * to mark). Offsets are a counter under a run id, so tokens never repeat
 * across runs. A load resolves once its rows are in ClickHouse; when it
 * rejects, nothing of it is kept and the caller, who still holds the data,
 * decides (buffer it again, answer 503, report a failed export).
 */
export class MemorySource {
  readonly #loader: PartitionLoader;
  readonly #topic = `in-process-${randomUUID()}`;
  readonly #retryForMs: number | undefined;
  #offset = 0n;
  #deadline = Number.POSITIVE_INFINITY;

  constructor(options: MemorySourceOptions) {
    this.#retryForMs = options.retryForMs;
    const writer = new BatchWriter(options.client, { database: options.database, consumerGroup: 'in-process', keepTrying: () => Date.now() < this.#deadline });
    this.#loader = new PartitionLoader(this.#topic, 0, {
      decode: options.decode,
      writer,
      deadLetters: new FileDeadLetters(options.deadLetterFile),
      commit: async () => undefined,
      limits: { ...DEFAULT_BATCH_LIMITS, ...options.limits },
      // Our own code produced these: an invalid one is a bug to dead-letter, never a reason to stop.
      guard: new InvalidRatioGuard(1),
    });
  }

  /** Loads each value as one message; resolves once all of them are in ClickHouse. */
  async load(values: Buffer[]): Promise<void> {
    const first = this.#offset;
    this.#offset += BigInt(values.length);
    if (this.#retryForMs !== undefined) this.#deadline = Date.now() + this.#retryForMs;
    try {
      await this.#loader.submit(values.map((value, i) => ({ topic: this.#topic, partition: 0, offset: first + BigInt(i), key: null, value })));
      await this.#loader.flushAll();
    } catch (error) {
      await this.#loader.discardPending();
      throw error;
    }
  }
}
