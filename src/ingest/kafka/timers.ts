/** How often the running ingest does its periodic work. */
export const TICK_MS = 100;
/** Long writes (a struggling ClickHouse) must not cost the group membership. */
export const HEARTBEAT_MS = 3_000;
export const LAG_INTERVAL_MS = 10_000;

export interface PeriodicWork {
  /** Hands on batches whose time has come. */
  tick: () => void;
  heartbeat: () => void;
  measureLag: () => void;
}

/** The ingest's three timers, started and stopped together so none outlives the loader. */
export class IngestTimers {
  #timers: NodeJS.Timeout[] = [];

  start(work: PeriodicWork): void {
    this.stop();
    const lag = setInterval(work.measureLag, LAG_INTERVAL_MS);
    lag.unref();
    this.#timers = [setInterval(work.tick, TICK_MS), setInterval(work.heartbeat, HEARTBEAT_MS), lag];
  }

  stop(): void {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
  }
}
