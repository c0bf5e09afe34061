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
 *
 * Deliveries run one at a time, in order. With a `prepare` policy, each
 * batch is turned into what `deliver` sends (serialized, compressed) before
 * its turn: while one delivery is out, and a full batch is waiting behind
 * it, the next one is prepared. Its items stay in the ring, counted against
 * the limits, until their own delivery starts; if any of them is dropped,
 * or a failed batch goes back in front of them, the preparation is
 * discarded and made again when their turn comes.
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

export interface SinkPolicy<T, P = never> {
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
  /**
   * Turns a batch into what `deliver` is given with it (which then owns it).
   * Called for every batch, ahead of its delivery where one is out already
   * (see above). Should it throw, the batch is delivered without.
   */
  prepare?: (batch: readonly T[]) => P;
  /** Frees a prepared batch that will not be delivered (it is prepared again when its turn comes). */
  discard?: (prepared: P) => void;
}

/** The next batch, prepared while the one before it is delivered: the first `batch.length` items of the ring. */
interface Prepared<T, P> {
  batch: T[];
  weights: number[];
  value: P;
}

export class BufferedSink<T, P = never> {
  readonly limits: SinkLimits;
  readonly #deliver: (batch: T[], prepared: P | undefined) => Promise<void>;
  readonly #hooks: SinkHooks;
  readonly #ring: (T | undefined)[];
  readonly #weights: Float64Array;
  readonly #weigh: (item: T) => number;
  readonly #isPermanent: (error: unknown) => boolean;
  readonly #isTooLarge: (error: unknown) => boolean;
  readonly #prepare: ((batch: readonly T[]) => P) | undefined;
  readonly #discard: (prepared: P) => void;
  /** Bytes per delivery now: `maxBatchBytes`, halved each time the receiver refused a batch as too large. */
  #batchBytes: number;
  #head = 0;
  #size = 0;
  #bytes = 0;
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  #pumping = false;
  /** The ring's first items, prepared for delivery; undefined once anything moves them. */
  #next: Prepared<T, P> | undefined;
  #preparing: NodeJS.Immediate | undefined;
  #failuresInARow = 0;
  #closed = false;
  #idleWaiters: (() => void)[] = [];
  #stats = { delivered: 0, dropped: 0, failed: 0, failedDeliveries: 0, rejected: 0 };

  constructor(deliver: (batch: T[], prepared: P | undefined) => Promise<void>, limits: Partial<SinkLimits> = {}, hooks: SinkHooks = {}, policy: SinkPolicy<T, P> = {}) {
    this.limits = { ...DEFAULT_SINK_LIMITS, ...limits };
    const { maxBufferedItems, maxBatchItems, maxBufferedBytes, maxBatchBytes } = this.limits;
    if (Math.min(maxBufferedItems, maxBatchItems, maxBufferedBytes, maxBatchBytes) < 1) throw new Error('sink limits must be at least 1');
    this.#deliver = deliver;
    this.#hooks = hooks;
    this.#weigh = policy.weigh ?? (() => 1);
    this.#isPermanent = policy.isPermanent ?? (() => false);
    this.#isTooLarge = policy.isTooLarge ?? (() => false);
    this.#prepare = policy.prepare;
    this.#discard = policy.discard ?? (() => undefined);
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
      this.#discardNext();
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
    this.#prepareNextSoon();
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

  /** The oldest items, up to the batch limits in items and bytes (always at least one), left in the ring. */
  #peek(): { batch: T[]; weights: number[] } {
    const capacity = this.#ring.length;
    const batch: T[] = [];
    const weights: number[] = [];
    let bytes = 0;
    for (let slot = this.#head; batch.length < this.#size && batch.length < this.limits.maxBatchItems; slot = (slot + 1) % capacity) {
      const weight = this.#weights[slot] ?? 0;
      if (batch.length > 0 && bytes + weight > this.#batchBytes) break;
      batch.push(this.#ring[slot] as T);
      weights.push(weight);
      bytes += weight;
    }
    return { batch, weights };
  }

  /** Takes the oldest `weights.length` items out of the ring. */
  #remove(weights: readonly number[]): void {
    const capacity = this.#ring.length;
    for (const weight of weights) {
      this.#ring[this.#head] = undefined;
      this.#head = (this.#head + 1) % capacity;
      this.#size -= 1;
      this.#bytes -= weight;
    }
  }

  /** True when a whole batch is waiting: worth preparing ahead, as more items could not make it larger. */
  #fullBatchWaiting(): boolean {
    return this.#size >= this.limits.maxBatchItems || this.#bytes >= this.#batchBytes;
  }

  #prepareOrNot(batch: readonly T[]): P | undefined {
    if (this.#prepare === undefined) return undefined;
    try {
      return this.#prepare(batch);
    } catch {
      return undefined;
    }
  }

  /**
   * Prepares the next batch soon (after the current delivery's own work
   * has run) when a delivery is out and a full batch waits behind it.
   */
  #prepareNextSoon(): void {
    if (this.#prepare === undefined || this.#next !== undefined || this.#preparing !== undefined || this.#inFlight === 0 || !this.#fullBatchWaiting()) return;
    this.#preparing = setImmediate(() => {
      this.#preparing = undefined;
      if (this.#next !== undefined || this.#inFlight === 0 || !this.#fullBatchWaiting()) return;
      const { batch, weights } = this.#peek();
      const value = this.#prepareOrNot(batch);
      if (value !== undefined) this.#next = { batch, weights, value };
    });
  }

  /** Forgets the prepared next batch: its items are about to move. */
  #discardNext(): void {
    const next = this.#next;
    if (next === undefined) return;
    this.#next = undefined;
    try {
      this.#discard(next.value);
    } catch {
      // Freeing is best effort; the items themselves are still in the ring.
    }
  }

  /** Puts a failed batch back in front of newer items, keeping as much of its newest part as fits. */
  #putBack(batch: T[], weights: number[]): void {
    this.#discardNext();
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
        const next = this.#next;
        this.#next = undefined;
        const { batch, weights } = next ?? this.#peek();
        this.#remove(weights);
        const prepared = next === undefined ? this.#prepareOrNot(batch) : next.value;
        this.#inFlight = batch.length;
        try {
          const delivery = this.#deliver(batch, prepared);
          this.#prepareNextSoon();
          await delivery;
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
