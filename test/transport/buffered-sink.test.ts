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

describe('BufferedSink preparing the next batch while one is out', () => {
  /** Deliveries that wait until the test settles them, one by one, and record what they were given. */
  function heldDeliveries() {
    const calls: { batch: number[]; prepared: string | undefined; settle: (error?: unknown) => void }[] = [];
    return {
      calls,
      deliver: (batch: number[], prepared: string | undefined) =>
        new Promise<void>((resolve, reject) => {
          calls.push({ batch: [...batch], prepared, settle: (error) => (error === undefined ? resolve() : reject(error)) });
        }),
    };
  }
  /** What `prepare` made and `discard` freed: a name per preparation, from its items. */
  function preparations() {
    const made: string[] = [];
    const discarded: string[] = [];
    return {
      made,
      discarded,
      prepare: (batch: readonly number[]) => {
        const name = `p${batch[0]}-${batch.at(-1)}`;
        made.push(name);
        return name;
      },
      discard: (name: string) => {
        discarded.push(name);
      },
    };
  }
  /** Lets timers (a linger of 0), immediates and promise callbacks run, without waiting on the clock. */
  const turns = async (count = 5) => {
    for (let i = 0; i < count; i += 1) await new Promise((resolve) => setTimeout(resolve, 0));
  };
  /** Waits until `condition` holds, turn by turn; fails the test rather than hang. */
  const until = async (condition: () => boolean) => {
    for (let i = 0; i < 1000 && !condition(); i += 1) await turns(1);
    expect(condition()).toBe(true);
  };
  const tooLarge = Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE' });

  it('prepares the next full batch during a delivery and hands it over, every item once, in order', async () => {
    const d = heldDeliveries();
    const p = preparations();
    const sink = new BufferedSink<number, string>(d.deliver, { maxBatchItems: 3, lingerMs: 0 }, {}, p);
    for (let i = 1; i <= 8; i += 1) sink.push(i);
    await until(() => d.calls.length === 1 && p.made.length === 2);
    // The first batch was prepared just before its delivery, the second while it is out.
    expect(d.calls[0]).toMatchObject({ batch: [1, 2, 3], prepared: 'p1-3' });
    expect(p.made).toEqual(['p1-3', 'p4-6']);
    // Prepared items still count as held.
    expect(sink.stats()).toMatchObject({ inFlight: 3, buffered: 5 });
    d.calls[0]?.settle();
    await until(() => d.calls.length === 2);
    expect(d.calls[1]).toMatchObject({ batch: [4, 5, 6], prepared: 'p4-6' });
    // [7, 8] is not a full batch: it waits for its turn to be prepared, in case more items join it.
    await turns();
    expect(p.made).toEqual(['p1-3', 'p4-6']);
    d.calls[1]?.settle();
    await until(() => d.calls.length === 3);
    expect(d.calls[2]).toMatchObject({ batch: [7, 8], prepared: 'p7-8' });
    d.calls[2]?.settle();
    expect(await sink.flush(5000)).toBe(true);
    expect(d.calls.flatMap((c) => c.batch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(p.discarded).toEqual([]);
    expect(sink.stats()).toMatchObject({ delivered: 8, buffered: 0, inFlight: 0, dropped: 0 });
  });

  it('prepares ahead once a full batch has gathered behind a delivery that is out', async () => {
    const d = heldDeliveries();
    const p = preparations();
    const sink = new BufferedSink<number, string>(d.deliver, { maxBatchItems: 3, lingerMs: 0 }, {}, p);
    sink.push(1);
    await until(() => d.calls.length === 1);
    sink.push(2);
    sink.push(3);
    await turns();
    expect(p.made).toEqual(['p1-1']);
    sink.push(4);
    await until(() => p.made.length === 2);
    expect(p.made).toEqual(['p1-1', 'p2-4']);
    d.calls[0]?.settle();
    await until(() => d.calls.length === 2);
    expect(d.calls[1]).toMatchObject({ batch: [2, 3, 4], prepared: 'p2-4' });
    d.calls[1]?.settle();
    expect(await sink.flush(5000)).toBe(true);
  });

  it('flush waits for the delivery that is out and for the prepared one behind it', async () => {
    const d = heldDeliveries();
    const p = preparations();
    const sink = new BufferedSink<number, string>(d.deliver, { maxBatchItems: 2, lingerMs: 0 }, {}, p);
    for (let i = 1; i <= 4; i += 1) sink.push(i);
    await until(() => d.calls.length === 1 && p.made.length === 2);
    let flushed: boolean | undefined;
    void sink.flush(60_000).then((result) => (flushed = result));
    d.calls[0]?.settle();
    await until(() => d.calls.length === 2);
    await turns();
    expect(flushed).toBeUndefined();
    d.calls[1]?.settle();
    await until(() => flushed !== undefined);
    expect(flushed).toBe(true);
    expect(d.calls.flatMap((c) => c.batch)).toEqual([1, 2, 3, 4]);
  });

  it('discards the prepared batch when a too-large batch goes back in front of it, then halves and keeps the order', async () => {
    const d = heldDeliveries();
    const p = preparations();
    const sink = new BufferedSink<number, string>(d.deliver, { maxBatchItems: 4, lingerMs: 0 }, {}, { ...p, isPermanent: () => true, isTooLarge: (error) => error === tooLarge });
    for (let i = 1; i <= 8; i += 1) sink.push(i);
    await until(() => d.calls.length === 1 && p.made.length === 2);
    expect(p.made).toEqual(['p1-4', 'p5-8']);
    d.calls[0]?.settle(tooLarge);
    // The refused batch goes back whole, before the prepared one, which no longer starts the ring.
    await until(() => d.calls.length === 2);
    expect(p.discarded).toEqual(['p5-8']);
    expect(d.calls[1]).toMatchObject({ batch: [1, 2], prepared: 'p1-2' });
    for (let settled = 1; settled < 5; settled += 1) {
      await until(() => d.calls.length === settled + 1);
      d.calls[settled]?.settle();
    }
    expect(await sink.flush(5000)).toBe(true);
    expect(d.calls.slice(1).map((c) => c.batch)).toEqual([[1, 2], [3, 4], [5, 6], [7, 8]]);
    expect(sink.stats()).toMatchObject({ delivered: 8, rejected: 0, dropped: 0, failedDeliveries: 1 });
  });

  it('discards the prepared batch when a failed delivery is put back, and retries both in order', async () => {
    const d = heldDeliveries();
    const p = preparations();
    const sink = new BufferedSink<number, string>(d.deliver, { maxBatchItems: 2, lingerMs: 0, maxBackoffMs: 1 }, {}, p);
    for (let i = 1; i <= 4; i += 1) sink.push(i);
    await until(() => d.calls.length === 1 && p.made.length === 2);
    d.calls[0]?.settle(new Error('broker down'));
    await until(() => d.calls.length === 2);
    expect(p.discarded).toEqual(['p3-4']);
    expect(d.calls[1]).toMatchObject({ batch: [1, 2] });
    d.calls[1]?.settle();
    await until(() => d.calls.length === 3);
    expect(d.calls[2]).toMatchObject({ batch: [3, 4] });
    d.calls[2]?.settle();
    expect(await sink.flush(5000)).toBe(true);
    expect(sink.stats()).toMatchObject({ delivered: 4, failed: 2, failedDeliveries: 1, dropped: 0 });
  });

  it('keeps the prepared batch when the one before it is rejected for good', async () => {
    const d = heldDeliveries();
    const p = preparations();
    const sink = new BufferedSink<number, string>(d.deliver, { maxBatchItems: 2, lingerMs: 0 }, {}, { ...p, isPermanent: () => true });
    for (let i = 1; i <= 4; i += 1) sink.push(i);
    await until(() => d.calls.length === 1 && p.made.length === 2);
    d.calls[0]?.settle(new Error('corrupt'));
    await until(() => d.calls.length === 2);
    expect(d.calls[1]).toMatchObject({ batch: [3, 4], prepared: 'p3-4' });
    d.calls[1]?.settle();
    expect(await sink.flush(5000)).toBe(true);
    expect(p.discarded).toEqual([]);
    expect(sink.stats()).toMatchObject({ delivered: 2, rejected: 2 });
  });

  it('discards the prepared batch when a full ring drops its oldest items, and stays within its limits', async () => {
    const d = heldDeliveries();
    const p = preparations();
    const sink = new BufferedSink<number, string>(d.deliver, { maxBatchItems: 2, maxBufferedItems: 4, lingerMs: 0 }, {}, p);
    for (let i = 1; i <= 4; i += 1) sink.push(i);
    await until(() => d.calls.length === 1 && p.made.length === 2);
    expect(p.made).toEqual(['p1-2', 'p3-4']);
    sink.push(5);
    sink.push(6);
    sink.push(7); // the ring (3, 4, 5, 6) is full: 3 goes, and the preparation of 3-4 with it
    expect(p.discarded).toEqual(['p3-4']);
    expect(sink.stats()).toMatchObject({ buffered: 4, inFlight: 2, dropped: 1 });
    d.calls[0]?.settle();
    for (let settled = 1; settled < 3; settled += 1) {
      await until(() => d.calls.length === settled + 1);
      d.calls[settled]?.settle();
    }
    expect(await sink.flush(5000)).toBe(true);
    expect(d.calls.map((c) => c.batch)).toEqual([[1, 2], [4, 5], [6, 7]]);
    expect(d.calls[1]?.prepared).toBe('p4-5');
    expect(sink.stats()).toMatchObject({ delivered: 6, dropped: 1 });
  });

  it('delivers without a preparation when prepare throws', async () => {
    const delivered: [number[], string | undefined][] = [];
    const sink = new BufferedSink<number, string>(
      async (batch, prepared) => {
        delivered.push([batch, prepared]);
      },
      { maxBatchItems: 2, lingerMs: 0 },
      {},
      {
        prepare: (batch) => {
          if (batch.includes(3)) throw new Error('cannot prepare');
          return `p${batch[0]}`;
        },
      },
    );
    for (let i = 1; i <= 6; i += 1) sink.push(i);
    expect(await sink.flush(5000)).toBe(true);
    expect(delivered).toEqual([
      [[1, 2], 'p1'],
      [[3, 4], undefined],
      [[5, 6], 'p5'],
    ]);
  });
});
