import { afterEach, describe, expect, it, vi } from 'vitest';
import { HEARTBEAT_MS, IngestTimers, LAG_INTERVAL_MS, TICK_MS } from '../../src/ingest/kafka/timers.js';

describe('IngestTimers', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs the tick, the heartbeat and the lag measurement each at its own period, and none after stop', () => {
    vi.useFakeTimers();
    const calls = { tick: 0, heartbeat: 0, measureLag: 0 };
    const timers = new IngestTimers();
    timers.start({ tick: () => (calls.tick += 1), heartbeat: () => (calls.heartbeat += 1), measureLag: () => (calls.measureLag += 1) });
    vi.advanceTimersByTime(LAG_INTERVAL_MS);
    expect(calls).toEqual({ tick: LAG_INTERVAL_MS / TICK_MS, heartbeat: Math.floor(LAG_INTERVAL_MS / HEARTBEAT_MS), measureLag: 1 });
    timers.stop();
    vi.advanceTimersByTime(10 * LAG_INTERVAL_MS);
    expect(calls).toEqual({ tick: LAG_INTERVAL_MS / TICK_MS, heartbeat: Math.floor(LAG_INTERVAL_MS / HEARTBEAT_MS), measureLag: 1 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a second start replaces the timers instead of doubling them', () => {
    vi.useFakeTimers();
    let ticks = 0;
    const timers = new IngestTimers();
    const work = { tick: () => (ticks += 1), heartbeat: () => undefined, measureLag: () => undefined };
    timers.start(work);
    timers.start(work);
    vi.advanceTimersByTime(TICK_MS);
    expect(ticks).toBe(1);
    timers.stop();
  });
});
