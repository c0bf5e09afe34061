import { describe, expect, it } from 'vitest';
import { BufferedSink } from '../../src/transport/buffered-sink.js';
import { packByKey } from '../../src/transport/index.js';

/** A delivery function a test can open and close like a broker. */
function controllableDelivery() {
  const delivered: number[][] = [];
  let up = true;
  let calls = 0;
  return {
    delivered,
    get calls() {
      return calls;
    },
    setUp(value: boolean) {
      up = value;
    },
    deliver: async (batch: number[]) => {
      calls += 1;
      if (!up) throw new Error('broker down');
      delivered.push(batch);
    },
  };
}

describe('BufferedSink', () => {
  it('batches by size and by linger, in order', async () => {
    const d = controllableDelivery();
    const sink = new BufferedSink<number>(d.deliver, { maxBatchItems: 3, lingerMs: 10, maxBufferedItems: 100 });
    for (let i = 1; i <= 7; i += 1) sink.push(i);
    expect(await sink.flush(1000)).toBe(true);
    expect(d.delivered.flat()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(d.delivered.every((batch) => batch.length <= 3)).toBe(true);
    expect(sink.stats()).toMatchObject({ buffered: 0, delivered: 7, dropped: 0, failed: 0 });
  });

  it('never holds more than its limit: a full ring drops the oldest and counts it', async () => {
    const d = controllableDelivery();
    d.setUp(false);
    const sink = new BufferedSink<number>(d.deliver, { maxBatchItems: 10, lingerMs: 1, maxBufferedItems: 50, maxBackoffMs: 20 });
    for (let i = 1; i <= 1000; i += 1) sink.push(i);
    const during = sink.stats();
    expect(during.buffered + during.inFlight).toBeLessThanOrEqual(50);
    expect(during.dropped).toBeGreaterThanOrEqual(950);

    d.setUp(true);
    expect(await sink.flush(5000)).toBe(true);
    const after = sink.stats();
    // Everything pushed is either delivered or counted as dropped; nothing vanishes.
    expect(after.delivered + after.dropped).toBe(1000);
    // The newest survive an outage.
    expect(d.delivered.flat().at(-1)).toBe(1000);
    const kept = d.delivered.flat();
    expect([...kept].sort((a, b) => a - b)).toEqual(kept);
  });

  it('puts a failed batch back in front and delivers it when the broker returns', async () => {
    const d = controllableDelivery();
    d.setUp(false);
    const sink = new BufferedSink<number>(d.deliver, { maxBatchItems: 2, lingerMs: 1, maxBufferedItems: 10, maxBackoffMs: 10 });
    sink.push(1);
    sink.push(2);
    sink.push(3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(d.calls).toBeGreaterThan(1);
    expect(sink.stats()).toMatchObject({ dropped: 0, delivered: 0 });
    expect(sink.stats().failed).toBeGreaterThan(0);
    d.setUp(true);
    expect(await sink.flush(2000)).toBe(true);
    expect(d.delivered.flat()).toEqual([1, 2, 3]);
  });

  it('flush reports false when delivery cannot finish in time', async () => {
    const d = controllableDelivery();
    d.setUp(false);
    const sink = new BufferedSink<number>(d.deliver, { lingerMs: 1, maxBackoffMs: 10 });
    sink.push(1);
    expect(await sink.flush(100)).toBe(false);
    d.setUp(true);
    expect(await sink.flush(2000)).toBe(true);
  });

  it('after close, pushes are dropped and counted rather than held', async () => {
    const d = controllableDelivery();
    const sink = new BufferedSink<number>(d.deliver, { lingerMs: 1 });
    sink.push(1);
    expect(await sink.close(1000)).toBe(true);
    sink.push(2);
    expect(sink.stats()).toMatchObject({ delivered: 1, dropped: 1, buffered: 0 });
  });

  it('push never waits for delivery: it completes while a delivery hangs forever', async () => {
    const sink = new BufferedSink<number>(() => new Promise(() => undefined), { maxBufferedItems: 5, maxBatchItems: 5, lingerMs: 0 });
    for (let i = 0; i < 10_000; i += 1) sink.push(i);
    await new Promise((resolve) => setTimeout(resolve, 10)); // let the first delivery start (and hang)
    for (let i = 0; i < 10_000; i += 1) sink.push(i);
    const stats = sink.stats();
    expect(stats.inFlight).toBe(5);
    expect(stats.buffered).toBe(5);
    expect(stats.dropped).toBe(20_000 - 10);
  });

  it('closes batches on bytes and bounds the buffer in bytes', async () => {
    const d = controllableDelivery();
    const sink = new BufferedSink<number>(d.deliver, { maxBatchItems: 1000, maxBatchBytes: 100, maxBufferedBytes: 1000, lingerMs: 1 }, {}, { weigh: () => 30 });
    d.setUp(false);
    for (let i = 0; i < 100; i += 1) sink.push(i);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sink.stats().bufferedBytes).toBeLessThanOrEqual(1000);
    d.setUp(true);
    expect(await sink.flush(5000)).toBe(true);
    // 100-byte batches of 30-byte items: three per delivery.
    expect(Math.max(...d.delivered.map((b) => b.length))).toBe(3);
    expect(sink.stats().delivered + sink.stats().dropped).toBe(100);
  });

  it('rejects for good what no retry can fix, and keeps delivering the rest', async () => {
    const delivered: string[] = [];
    const tooLarge = Object.assign(new Error('The request included a message larger than the max message size the server will accept'), { type: 'MESSAGE_TOO_LARGE' });
    const sink = new BufferedSink<string>(
      async (batch) => {
        if (batch.includes('poison')) throw tooLarge;
        delivered.push(...batch);
      },
      { maxBatchItems: 1, lingerMs: 1 },
      {},
      { isPermanent: (error) => (error as { type?: string }).type === 'MESSAGE_TOO_LARGE' },
    );
    for (const item of ['a', 'poison', 'b']) sink.push(item);
    expect(await sink.flush(2000)).toBe(true);
    expect(delivered).toEqual(['a', 'b']);
    expect(sink.stats()).toMatchObject({ delivered: 2, rejected: 1, dropped: 0 });
  });

  it('halves its batches when the receiver refuses one as too large: every item once, in order, none rejected', async () => {
    const tooLarge = Object.assign(new Error('The request included a message larger than the max message size the server will accept'), { type: 'MESSAGE_TOO_LARGE' });
    const requests: number[][] = [];
    const delivered: number[] = [];
    // A receiver that takes at most 7 items per request, whatever the sink's own limits say.
    const sink = new BufferedSink<number>(
      async (batch) => {
        requests.push([...batch]);
        if (batch.length > 7) throw tooLarge;
        delivered.push(...batch);
      },
      { maxBatchItems: 100, maxBufferedItems: 1000, lingerMs: 1 },
      {},
      { isPermanent: () => true, isTooLarge: (error) => (error as { type?: string }).type === 'MESSAGE_TOO_LARGE' },
    );
    const items = Array.from({ length: 100 }, (_, i) => i);
    for (const item of items) sink.push(item);
    expect(await sink.flush(5000)).toBe(true);
    expect(delivered).toEqual(items);
    expect(sink.stats()).toMatchObject({ delivered: 100, rejected: 0, dropped: 0 });
    // 100 → 50 → 25 → 12 → 6: four refusals, then batches that fit.
    expect(requests.filter((r) => r.length > 7).map((r) => r.length)).toEqual([100, 50, 25, 12]);
  });

  it('rejects a single item the receiver still calls too large, and delivers the rest', async () => {
    const tooLarge = Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE' });
    const delivered: string[] = [];
    const sink = new BufferedSink<string>(
      async (batch) => {
        if (batch.includes('huge')) throw tooLarge;
        delivered.push(...batch);
      },
      { maxBatchItems: 10, lingerMs: 1 },
      {},
      { isPermanent: () => true, isTooLarge: () => true },
    );
    for (const item of ['a', 'b', 'huge', 'c']) sink.push(item);
    expect(await sink.flush(5000)).toBe(true);
    expect(delivered).toEqual(['a', 'b', 'c']);
    expect(sink.stats()).toMatchObject({ delivered: 3, rejected: 1, dropped: 0 });
  });

  it('refuses an item larger than a batch may be, instead of clogging the ring', async () => {
    const d = controllableDelivery();
    const sink = new BufferedSink<number>(d.deliver, { maxBatchBytes: 100, lingerMs: 1 }, {}, { weigh: (n) => n });
    sink.push(500);
    sink.push(5);
    expect(await sink.flush(1000)).toBe(true);
    expect(d.delivered.flat()).toEqual([5]);
    expect(sink.stats().rejected).toBe(1);
  });
});

describe('packByKey', () => {
  const item = (key: string, value: string) => ({ key, value });

  it('joins each key\'s events into JSON Lines, in order, within the byte limit', () => {
    const batch = [item('a', '{"n":1}'), item('b', '{"n":2}'), item('a', '{"n":3}'), item('a', '{"n":4}'), item('b', '{"n":5}')];
    expect(packByKey(batch, 16)).toEqual([item('a', '{"n":1}\n{"n":3}'), item('a', '{"n":4}'), item('b', '{"n":2}\n{"n":5}')]);
    expect(packByKey(batch, 1000)).toEqual([item('a', '{"n":1}\n{"n":3}\n{"n":4}'), item('b', '{"n":2}\n{"n":5}')]);
  });

  it('puts every event in a message of its own when packing is off', () => {
    const batch = [item('a', '1'), item('a', '2')];
    expect(packByKey(batch, 0)).toEqual(batch);
  });
});
