/**
 * The part of a sink that the send path touches: a fixed-size ring of items
 * and a delivery loop behind it. `push` is O(1), never waits and never
 * throws; when the ring is full the oldest item is dropped and counted. A
 * failed delivery puts its batch back at the front (as far as it fits) and
 * the loop backs off, so an outage costs at most the ring, never unbounded
 * memory, and the newest events survive it.
 */
export interface SinkLimits {
  /** Items held while waiting for delivery; the memory bound of the sink. */
  maxBufferedItems: number;
  /** Items per delivery. */
  maxBatchItems: number;
  /** How long a partial batch waits for company before it is delivered. */
  lingerMs: number;
  /** Longest wait between delivery attempts during an outage. */
  maxBackoffMs: number;
}

export const DEFAULT_SINK_LIMITS: SinkLimits = { maxBufferedItems: 20_000, maxBatchItems: 2_000, lingerMs: 20, maxBackoffMs: 5_000 };

export interface SinkStats {
  buffered: number;
  inFlight: number;
  /** Items the delivery function accepted. */
  delivered: number;
  /** Items pushed out of a full ring, never delivered. */
  dropped: number;
  /** Items in deliveries that failed (they were put back, or dropped if the ring had filled). */
  failed: number;
  /** Delivery attempts that failed. */
  failedDeliveries: number;
}

export interface SinkHooks {
  onDelivered?(count: number): void;
  onDropped?(count: number): void;
  onFailed?(count: number, error: unknown): void;
}

export class BufferedSink<T> {
  readonly limits: SinkLimits;
  readonly #deliver: (batch: T[]) => Promise<void>;
  readonly #hooks: SinkHooks;
  readonly #ring: (T | undefined)[];
  #head = 0;
  #size = 0;
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  #pumping = false;
  #failuresInARow = 0;
  #closed = false;
  #idleWaiters: (() => void)[] = [];
  #stats = { delivered: 0, dropped: 0, failed: 0, failedDeliveries: 0 };

  constructor(deliver: (batch: T[]) => Promise<void>, limits: Partial<SinkLimits> = {}, hooks: SinkHooks = {}) {
    this.limits = { ...DEFAULT_SINK_LIMITS, ...limits };
    if (this.limits.maxBufferedItems < 1 || this.limits.maxBatchItems < 1) throw new Error('sink limits must be at least 1');
    this.#deliver = deliver;
    this.#hooks = hooks;
    this.#ring = new Array<T | undefined>(this.limits.maxBufferedItems);
  }

  push(item: T): void {
    if (this.#closed) {
      this.#drop(1);
      return;
    }
    const capacity = this.#ring.length;
    if (this.#size === capacity) {
      this.#head = (this.#head + 1) % capacity;
      this.#size -= 1;
      this.#drop(1);
    }
    this.#ring[(this.#head + this.#size) % capacity] = item;
    this.#size += 1;
    if (this.#size >= this.limits.maxBatchItems) this.#schedule(0);
    else this.#schedule(this.limits.lingerMs);
  }

  stats(): SinkStats {
    return { buffered: this.#size, inFlight: this.#inFlight, ...this.#stats };
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

  #take(): T[] {
    const count = Math.min(this.#size, this.limits.maxBatchItems);
    const capacity = this.#ring.length;
    const batch = new Array<T>(count);
    for (let i = 0; i < count; i += 1) {
      const index = (this.#head + i) % capacity;
      batch[i] = this.#ring[index] as T;
      this.#ring[index] = undefined;
    }
    this.#head = (this.#head + count) % capacity;
    this.#size -= count;
    return batch;
  }

  /** Puts a failed batch back in front of newer items, keeping as much of its newest part as fits. */
  #putBack(batch: T[]): void {
    const capacity = this.#ring.length;
    const room = capacity - this.#size;
    const kept = batch.length <= room ? batch : batch.slice(batch.length - room);
    if (kept.length < batch.length) this.#drop(batch.length - kept.length);
    for (let i = kept.length - 1; i >= 0; i -= 1) {
      this.#head = (this.#head - 1 + capacity) % capacity;
      this.#ring[this.#head] = kept[i];
      this.#size += 1;
    }
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#size > 0) {
        const batch = this.#take();
        this.#inFlight = batch.length;
        try {
          await this.#deliver(batch);
          this.#stats.delivered += batch.length;
          this.#failuresInARow = 0;
          this.#hooks.onDelivered?.(batch.length);
        } catch (error) {
          this.#stats.failed += batch.length;
          this.#stats.failedDeliveries += 1;
          this.#failuresInARow += 1;
          this.#hooks.onFailed?.(batch.length, error);
          this.#putBack(batch);
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
