/**
 * The part of a sink that the send path touches: a fixed-size ring of items
 * and a delivery loop behind it. `push` is O(1), never waits and never
 * throws; when the ring is full (in items or bytes) the oldest item is
 * dropped and counted. A failed delivery puts its batch back at the front (as
 * far as it fits) and the loop backs off, so an outage costs at most the
 * ring, never unbounded memory, and the newest events survive it. A failure
 * that no retry can fix (the broker refusing the batch itself) is counted as
 * rejected instead of being retried forever. A batch refused only for its
 * size goes back whole and later batches carry half its bytes, so no item is
 * sent twice and none is lost to a broker whose limit is lower than ours.
 */
export interface SinkLimits {
  /** Items held while waiting for delivery. */
  maxBufferedItems: number;
  /** Bytes held while waiting for delivery, as `weigh` counts them: the memory bound of the sink. */
  maxBufferedBytes: number;
  /** Items per delivery. */
  maxBatchItems: number;
  /** Bytes per delivery; keep it under the broker's `message.max.bytes` (1 MB by default). */
  maxBatchBytes: number;
  /** How long a partial batch waits for company before it is delivered. */
  lingerMs: number;
  /** Longest wait between delivery attempts during an outage. */
  maxBackoffMs: number;
}

export const DEFAULT_SINK_LIMITS: SinkLimits = {
  maxBufferedItems: 50_000,
  maxBufferedBytes: 64 * 1024 * 1024,
  maxBatchItems: 5_000,
  maxBatchBytes: 900 * 1024,
  lingerMs: 20,
  maxBackoffMs: 5_000,
};

export interface SinkStats {
  buffered: number;
  bufferedBytes: number;
  inFlight: number;
  /** Items the delivery function accepted. */
  delivered: number;
  /** Items pushed out of a full ring, never delivered. */
  dropped: number;
  /** Items in deliveries that failed (they were put back, or dropped if the ring had filled). */
  failed: number;
  /** Delivery attempts that failed. */
  failedDeliveries: number;
  /** Items refused for good (a failure `isPermanent` says no retry can fix); never retried. */
  rejected: number;
}

export interface SinkHooks {
  onDelivered?(count: number): void;
  onDropped?(count: number): void;
  onFailed?(count: number, error: unknown): void;
  onRejected?(count: number, error: unknown): void;
}

export interface SinkPolicy<T> {
  /** An item's size in bytes, for the byte limits; items count 1 byte each without it. */
  weigh?: (item: T) => number;
  /** True for a delivery failure that retrying cannot fix. */
  isPermanent?: (error: unknown) => boolean;
  /**
   * True for a failure a smaller batch can fix (the request was too large):
   * the batch is put back and batches are halved in bytes from then on, down
   * to one item, whose failure then counts as `isPermanent` says.
   */
  isTooLarge?: (error: unknown) => boolean;
}

export class BufferedSink<T> {
  readonly limits: SinkLimits;
  readonly #deliver: (batch: T[]) => Promise<void>;
  readonly #hooks: SinkHooks;
  readonly #ring: (T | undefined)[];
  readonly #weights: Float64Array;
  readonly #weigh: (item: T) => number;
  readonly #isPermanent: (error: unknown) => boolean;
  readonly #isTooLarge: (error: unknown) => boolean;
  /** Bytes per delivery now: `maxBatchBytes`, halved each time the receiver refused a batch as too large. */
  #batchBytes: number;
  #head = 0;
  #size = 0;
  #bytes = 0;
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  #pumping = false;
  #failuresInARow = 0;
  #closed = false;
  #idleWaiters: (() => void)[] = [];
  #stats = { delivered: 0, dropped: 0, failed: 0, failedDeliveries: 0, rejected: 0 };

  constructor(deliver: (batch: T[]) => Promise<void>, limits: Partial<SinkLimits> = {}, hooks: SinkHooks = {}, policy: SinkPolicy<T> = {}) {
    this.limits = { ...DEFAULT_SINK_LIMITS, ...limits };
    const { maxBufferedItems, maxBatchItems, maxBufferedBytes, maxBatchBytes } = this.limits;
    if (Math.min(maxBufferedItems, maxBatchItems, maxBufferedBytes, maxBatchBytes) < 1) throw new Error('sink limits must be at least 1');
    this.#deliver = deliver;
    this.#hooks = hooks;
    this.#weigh = policy.weigh ?? (() => 1);
    this.#isPermanent = policy.isPermanent ?? (() => false);
    this.#isTooLarge = policy.isTooLarge ?? (() => false);
    this.#batchBytes = maxBatchBytes;
    this.#ring = new Array<T | undefined>(maxBufferedItems);
    this.#weights = new Float64Array(maxBufferedItems);
  }

  push(item: T): void {
    if (this.#closed) {
      this.#drop(1);
      return;
    }
    const weight = this.#weigh(item);
    if (weight > this.limits.maxBufferedBytes || weight > this.limits.maxBatchBytes) {
      // Could never be held or delivered whole: refuse it now rather than clog the ring.
      this.#reject(1, new Error(`item of ${weight} bytes exceeds the sink's batch or buffer limit`));
      return;
    }
    const capacity = this.#ring.length;
    while (this.#size === capacity || this.#bytes + weight > this.limits.maxBufferedBytes) {
      this.#bytes -= this.#weights[this.#head] ?? 0;
      this.#ring[this.#head] = undefined;
      this.#head = (this.#head + 1) % capacity;
      this.#size -= 1;
      this.#drop(1);
    }
    const slot = (this.#head + this.#size) % capacity;
    this.#ring[slot] = item;
    this.#weights[slot] = weight;
    this.#size += 1;
    this.#bytes += weight;
    if (this.#size >= this.limits.maxBatchItems || this.#bytes >= this.limits.maxBatchBytes) this.#schedule(0);
    else this.#schedule(this.limits.lingerMs);
  }

  stats(): SinkStats {
    return { buffered: this.#size, bufferedBytes: this.#bytes, inFlight: this.#inFlight, ...this.#stats };
  }

  /** Resolves true once everything pushed so far is delivered, false if that takes longer than `timeoutMs`. */
  async flush(timeoutMs = 10_000): Promise<boolean> {
    if (this.#idle()) return true;
    this.#schedule(0);
    let timer: NodeJS.Timeout | undefined;
    const drained = new Promise<boolean>((resolve) => this.#idleWaiters.push(() => resolve(true)));
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([drained, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops taking items (later pushes are dropped and counted) and flushes what is held. */
  async close(timeoutMs = 10_000): Promise<boolean> {
    this.#closed = true;
    const flushed = await this.flush(timeoutMs);
    clearTimeout(this.#timer);
    this.#timer = undefined;
    return flushed;
  }

  #idle(): boolean {
    return this.#size === 0 && this.#inFlight === 0;
  }

  #drop(count: number): void {
    this.#stats.dropped += count;
    this.#hooks.onDropped?.(count);
  }

  #reject(count: number, error: unknown): void {
    this.#stats.rejected += count;
    this.#hooks.onRejected?.(count, error);
  }

  #schedule(delayMs: number): void {
    if (this.#pumping) return;
    if (this.#timer !== undefined) {
      if (delayMs > 0) return;
      clearTimeout(this.#timer);
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#pump();
    }, delayMs);
    // A pending linger must not keep a process alive; flush() and close() wait explicitly.
    this.#timer.unref();
  }

  /** The oldest items, up to the batch limits in items and bytes (always at least one). */
  #take(): { batch: T[]; weights: number[] } {
    const capacity = this.#ring.length;
    const batch: T[] = [];
    const weights: number[] = [];
    let bytes = 0;
    while (this.#size > 0 && batch.length < this.limits.maxBatchItems) {
      const weight = this.#weights[this.#head] ?? 0;
      if (batch.length > 0 && bytes + weight > this.#batchBytes) break;
      batch.push(this.#ring[this.#head] as T);
      weights.push(weight);
      bytes += weight;
      this.#ring[this.#head] = undefined;
      this.#head = (this.#head + 1) % capacity;
      this.#size -= 1;
      this.#bytes -= weight;
    }
    return { batch, weights };
  }

  /** Puts a failed batch back in front of newer items, keeping as much of its newest part as fits. */
  #putBack(batch: T[], weights: number[]): void {
    const capacity = this.#ring.length;
    let keepFrom = batch.length;
    let bytes = this.#bytes;
    while (keepFrom > 0 && this.#size + (batch.length - keepFrom) < capacity && bytes + (weights[keepFrom - 1] ?? 0) <= this.limits.maxBufferedBytes) {
      keepFrom -= 1;
      bytes += weights[keepFrom] ?? 0;
    }
    if (keepFrom > 0) this.#drop(keepFrom);
    for (let i = batch.length - 1; i >= keepFrom; i -= 1) {
      this.#head = (this.#head - 1 + capacity) % capacity;
      this.#ring[this.#head] = batch[i];
      this.#weights[this.#head] = weights[i] ?? 0;
      this.#size += 1;
      this.#bytes += weights[i] ?? 0;
    }
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#size > 0) {
        const { batch, weights } = this.#take();
        this.#inFlight = batch.length;
        try {
          await this.#deliver(batch);
          this.#stats.delivered += batch.length;
          this.#failuresInARow = 0;
          this.#hooks.onDelivered?.(batch.length);
        } catch (error) {
          this.#stats.failedDeliveries += 1;
          if (batch.length > 1 && this.#isTooLarge(error)) {
            // Not an outage: the same items in smaller requests can go at once, without backoff.
            const bytes = weights.reduce((sum, weight) => sum + weight, 0);
            this.#batchBytes = Math.max(1, Math.floor(bytes / 2));
            this.#putBack(batch, weights);
            continue;
          }
          if (this.#isPermanent(error)) {
            this.#reject(batch.length, error);
            continue;
          }
          this.#stats.failed += batch.length;
          this.#failuresInARow += 1;
          this.#hooks.onFailed?.(batch.length, error);
          this.#putBack(batch, weights);
          this.#inFlight = 0;
          const backoff = Math.min(this.limits.maxBackoffMs, 100 * 2 ** Math.min(this.#failuresInARow - 1, 16));
          await new Promise((resolve) => setTimeout(resolve, backoff).unref());
        } finally {
          this.#inFlight = 0;
        }
      }
    } finally {
      this.#pumping = false;
    }
    if (this.#idle()) {
      const waiters = this.#idleWaiters.splice(0);
      for (const wake of waiters) wake();
    } else {
      this.#schedule(0);
    }
  }
}
