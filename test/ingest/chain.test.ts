import { describe, expect, it } from 'vitest';
import { BEHIND_WAIT_FACTOR, BatchStep, CommitStep, DeadLetterStep, DecodeStep, FIRST_BATCH_ROWS, InvalidRatioExceeded, InvalidRatioGuard, MAX_WRITES_IN_FLIGHT, PartitionBatch, PartitionLoader, ReplayCursor, WriteStep } from '../../src/ingest/index.js';
import type { BatchWriter, CommittedBatch, DeadLetter, Decoded, DecodedMessage, ReplayBoundary, SourceMessage, Step, WrittenBatch } from '../../src/ingest/index.js';

const TOPIC = 'events';
const PARTITION = 4;

const message = (offset: bigint, text = `row-${offset}`): SourceMessage => ({ topic: TOPIC, partition: PARTITION, offset, key: null, value: Buffer.from(text) });

/** One row per message; a message whose text starts with "bad" is one dead letter instead. */
function decode(m: SourceMessage): Decoded {
  const text = m.value?.toString() ?? '';
  if (text.startsWith('bad')) return { rows: new Map(), deadLetters: [{ reason: 'bad', topic: m.topic, partition: m.partition, offset: m.offset, line: 0, original: Buffer.from(text) }], judged: 1, invalid: 1 };
  return { rows: new Map([['t', [{ text, offset: m.offset, line: 0 }]]]), deadLetters: [], judged: 1, invalid: 0 };
}

function batchOf(first: bigint, last: bigint): PartitionBatch {
  const batch = new PartitionBatch(TOPIC, PARTITION);
  for (let offset = first; offset <= last; offset += 1n) batch.add(message(offset), decode(message(offset)), 0);
  return batch;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
}

function deferred(): Deferred {
  let resolve: () => void = () => undefined;
  let reject: (error: Error) => void = () => undefined;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every queued callback run (no timers involved): what can settle now has settled. */
async function drain(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await drain();
  return settled;
}

/** A writer whose writes finish only when the test says so; records what happens in `log`. */
class ControlledWriter implements Pick<BatchWriter, 'write' | 'replayBoundary'> {
  readonly pending: { batch: PartitionBatch; done: Deferred }[] = [];
  running = 0;
  maxRunning = 0;
  boundaries = new Map<bigint, bigint>();
  lookups: bigint[] = [];

  constructor(readonly log: string[]) {}

  async write(batch: PartitionBatch): Promise<DeadLetter[]> {
    const done = deferred();
    this.pending.push({ batch, done });
    this.running += 1;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    this.log.push(`write ${batch.token()}`);
    try {
      await done.promise;
    } finally {
      this.running -= 1;
    }
    this.log.push(`written ${batch.token()}`);
    return [];
  }

  async replayBoundary(topic: string, partition: number, offset: bigint): Promise<ReplayBoundary | null> {
    this.lookups.push(offset);
    const last = this.boundaries.get(offset);
    return last === undefined ? null : { lastOffset: last, token: `${topic}:${partition}:${offset}-${last}` };
  }

  /** Finishes the oldest write once it has started (writes start one after another). */
  async finishNext(): Promise<void> {
    for (let i = 0; i < 100 && this.pending.length === 0; i += 1) await drain();
    const next = this.pending.shift();
    if (!next) throw new Error('no write has started');
    next.done.resolve();
    await drain();
  }

  async failNext(error: Error): Promise<void> {
    for (let i = 0; i < 100 && this.pending.length === 0; i += 1) await drain();
    const next = this.pending.shift();
    if (!next) throw new Error('no write has started');
    next.done.reject(error);
    await drain();
  }
}

/** The end of a chain: records the commits it was asked for. */
function committing(log: string[], committed: CommittedBatch[] = [], fail?: () => Error | undefined): CommitStep {
  return new CommitStep(
    async (topic, partition, next) => {
      const error = fail?.();
      if (error) throw error;
      log.push(`commit ${topic}:${partition}@${next}`);
    },
    (batch) => committed.push(batch),
  );
}

describe('WriteStep', () => {
  it(`takes at most ${MAX_WRITES_IN_FLIGHT} batches in flight; the next submit waits until the oldest is committed`, async () => {
    const log: string[] = [];
    const writer = new ControlledWriter(log);
    const step = new WriteStep(writer, committing(log));
    await step.submit(batchOf(0n, 1n));
    await step.submit(batchOf(2n, 3n));
    expect(step.inFlight).toBe(2);
    const third = step.submit(batchOf(4n, 5n));
    expect(await isSettled(third)).toBe(false); // full: the caller waits, nothing more is taken
    await writer.finishNext();
    expect(await isSettled(third)).toBe(true);
    await third;
    expect(log).toContain('commit events:4@2');
    await writer.finishNext();
    await writer.finishNext();
    await step.join();
    expect(step.inFlight).toBe(0);
  });

  it('says it is writing from the moment it takes a batch until that batch is committed, or has failed', async () => {
    const log: string[] = [];
    const writer = new ControlledWriter(log);
    const step = new WriteStep(writer, committing(log));
    expect(step.writing).toBe(false);
    await step.submit(batchOf(0n, 1n));
    await step.submit(batchOf(2n, 3n));
    expect(step.writing).toBe(true);
    await writer.finishNext();
    expect(step.writing).toBe(true); // the second is still being written
    await writer.finishNext();
    await drain();
    expect(log.filter((entry) => entry.startsWith('commit'))).toHaveLength(2);
    expect(step.writing).toBe(false);
    await step.submit(batchOf(4n, 5n));
    expect(step.writing).toBe(true);
    await writer.failNext(new Error('clickhouse gone'));
    await drain();
    expect(step.writing).toBe(false);
  });

  it('writes one batch at a time and commits in offset order, each commit after its write', async () => {
    const log: string[] = [];
    const writer = new ControlledWriter(log);
    const step = new WriteStep(writer, committing(log));
    await step.submit(batchOf(0n, 1n));
    await step.submit(batchOf(2n, 2n));
    const joined = step.join();
    await writer.finishNext();
    await writer.finishNext();
    await joined;
    expect(writer.maxRunning).toBe(1);
    expect(log).toEqual(['write events:4:0-1', 'written events:4:0-1', 'commit events:4@2', 'write events:4:2-2', 'written events:4:2-2', 'commit events:4@3']);
  });

  it('never commits a failed write nor anything after it, and refuses every call until closed', async () => {
    const log: string[] = [];
    const writer = new ControlledWriter(log);
    const step = new WriteStep(writer, committing(log));
    await step.submit(batchOf(0n, 1n));
    await step.submit(batchOf(2n, 3n));
    await writer.failNext(new Error('clickhouse gone'));
    await expect(step.submit(batchOf(4n, 5n))).rejects.toThrow('clickhouse gone');
    await expect(step.poll(Date.now())).rejects.toThrow('clickhouse gone');
    await expect(step.join()).rejects.toThrow('clickhouse gone');
    expect(log.filter((entry) => entry.startsWith('commit'))).toEqual([]);
    expect(log.filter((entry) => entry.startsWith('write'))).toEqual(['write events:4:0-1']); // the second never started
    await step.close();
    expect(step.inFlight).toBe(0);
    // Afresh after close: the same offsets, read again, are written and committed.
    await step.submit(batchOf(0n, 1n));
    const joined = step.join();
    await writer.finishNext();
    await joined;
    expect(log.filter((entry) => entry.startsWith('commit'))).toEqual(['commit events:4@2']);
  });

  it('a failed commit stops the chain: later batches are not written', async () => {
    const log: string[] = [];
    const writer = new ControlledWriter(log);
    let refuse = true;
    const step = new WriteStep(writer, committing(log, [], () => (refuse ? new Error('not the owner any more') : undefined)));
    await step.submit(batchOf(0n, 1n));
    await step.submit(batchOf(2n, 3n));
    await writer.finishNext();
    await expect(step.join()).rejects.toThrow('not the owner any more');
    expect(log).toEqual(['write events:4:0-1', 'written events:4:0-1']);
    refuse = false;
    await step.close();
  });
});

describe('DeadLetterStep', () => {
  it('stores a batch\'s dead letters (decode\'s and the refused rows) before it is committed; a sink that fails leaves it uncommitted', async () => {
    const log: string[] = [];
    let sinkFails = false;
    const sink = {
      send: async (letters: DeadLetter[]) => {
        if (sinkFails) throw new Error('dead-letter topic unavailable');
        log.push(`letters ${letters.map((l) => l.offset).join(',')}`);
      },
    };
    const step = new DeadLetterStep(sink, committing(log));
    const batch = new PartitionBatch(TOPIC, PARTITION);
    batch.add(message(0n), decode(message(0n)), 0);
    batch.add(message(1n, 'bad one'), decode(message(1n, 'bad one')), 0);
    const refused: DeadLetter = { reason: 'rejected by ClickHouse', topic: TOPIC, partition: PARTITION, offset: 0n, line: 0, original: Buffer.from('row-0') };
    const written = (): WrittenBatch => ({ batch, nextOffset: 2n, refused: [refused], startedAt: performance.now() });
    await step.submit(written());
    expect(log).toEqual(['letters 1,0', 'commit events:4@2']);
    sinkFails = true;
    await expect(step.submit(written())).rejects.toThrow('dead-letter topic unavailable');
    expect(log).toHaveLength(2);
  });
});

describe('CommitStep', () => {
  it('commits the offset after the batch and reports rows less the refused ones', async () => {
    const log: string[] = [];
    const committed: CommittedBatch[] = [];
    const batch = batchOf(7n, 9n);
    const refused: DeadLetter = { reason: 'x', topic: TOPIC, partition: PARTITION, offset: 8n, line: 0, original: Buffer.alloc(0) };
    await committing(log, committed).submit({ batch, nextOffset: 10n, refused: [refused], startedAt: performance.now() });
    expect(log).toEqual(['commit events:4@10']);
    expect(committed).toMatchObject([{ topic: TOPIC, partition: PARTITION, rows: 2, deadLetters: 1, token: 'events:4:7-9', replay: false }]);
  });
});

/** Collects what a step hands on. */
class Collect<T> implements Step<T> {
  readonly items: T[] = [];
  joins = 0;
  closes = 0;
  async submit(item: T): Promise<void> {
    this.items.push(item);
  }
  async poll(): Promise<void> {}
  async join(): Promise<void> {
    this.joins += 1;
  }
  async close(): Promise<void> {
    this.closes += 1;
  }
}

describe('BatchStep', () => {
  const limits = { maxRows: 3, maxBytes: 1e9, maxWaitMs: 60_000 };
  const decoded = (offset: bigint): DecodedMessage => ({ message: message(offset), decoded: decode(message(offset)) });

  it('hands on a batch when it is full, and what is left on join; looks the replay boundary up only where it does not continue its own batch', async () => {
    const writer = new ControlledWriter([]);
    const out = new Collect<PartitionBatch>();
    const step = new BatchStep(TOPIC, PARTITION, limits, new ReplayCursor(TOPIC, PARTITION, (t, p, o) => writer.replayBoundary(t, p, o)), out);
    for (let offset = 10n; offset < 15n; offset += 1n) await step.submit(decoded(offset));
    expect(out.items.map((b) => b.token())).toEqual(['events:4:10-12']);
    await step.join();
    expect(out.items.map((b) => b.token())).toEqual(['events:4:10-12', 'events:4:13-14']);
    expect(out.joins).toBe(1);
    expect(writer.lookups).toEqual([10n]);
    // After a close (a rebalance), the next batch is looked up again.
    await step.close();
    await step.submit(decoded(15n));
    expect(writer.lookups).toEqual([10n, 15n]);
  });

  it('closes a replayed batch exactly at the logged boundary, ignoring size and time, and never cuts it short on join or poll', async () => {
    const writer = new ControlledWriter([]);
    writer.boundaries.set(20n, 24n);
    const out = new Collect<PartitionBatch>();
    const step = new BatchStep(TOPIC, PARTITION, limits, new ReplayCursor(TOPIC, PARTITION, (t, p, o) => writer.replayBoundary(t, p, o)), out);
    for (let offset = 20n; offset < 24n; offset += 1n) await step.submit(decoded(offset));
    await step.poll(Date.now() + 10 * limits.maxWaitMs);
    await step.join();
    expect(out.items).toEqual([]); // four rows, over maxRows and long past maxWaitMs: still open
    await step.submit(decoded(24n));
    expect(out.items.map((b) => [b.token(), b.replayUntil])).toEqual([['events:4:20-24', 24n]]);
  });

  it('while an earlier batch is being written, does not close the open one by age, only by size; once the writer is free, age closes it again (group commit)', async () => {
    const writer = new ControlledWriter([]);
    const out = new Collect<PartitionBatch>();
    let writing = true;
    const step = new BatchStep(TOPIC, PARTITION, limits, new ReplayCursor(TOPIC, PARTITION, (t, p, o) => writer.replayBoundary(t, p, o)), out, () => writing);
    await step.submit(decoded(30n));
    await step.submit(decoded(31n));
    await step.poll(Date.now() + 10 * limits.maxWaitMs);
    expect(out.items).toEqual([]); // long past its age, but the writer is busy: it keeps taking rows
    await step.submit(decoded(32n));
    expect(out.items.map((b) => b.token())).toEqual(['events:4:30-32']); // full: handed on all the same
    await step.submit(decoded(33n));
    writing = false;
    await step.poll(Date.now() + 10 * limits.maxWaitMs);
    expect(out.items.map((b) => b.token())).toEqual(['events:4:30-32', 'events:4:33-33']);
  });

  it(`closes the first batch at ${FIRST_BATCH_ROWS} rows, later ones at maxRows, and the first after a close again at ${FIRST_BATCH_ROWS}`, async () => {
    const writer = new ControlledWriter([]);
    const out = new Collect<PartitionBatch>();
    const step = new BatchStep(TOPIC, PARTITION, { maxRows: 3 * FIRST_BATCH_ROWS, maxBytes: 1e12, maxWaitMs: 60_000 }, new ReplayCursor(TOPIC, PARTITION, (t, p, o) => writer.replayBoundary(t, p, o)), out);
    const submitRange = async (first: number, count: number) => {
      for (let offset = first; offset < first + count; offset += 1) await step.submit(decoded(BigInt(offset)));
    };
    await submitRange(0, 4 * FIRST_BATCH_ROWS);
    expect(out.items.map((b) => b.rowCount)).toEqual([FIRST_BATCH_ROWS, 3 * FIRST_BATCH_ROWS]);
    await step.close();
    await submitRange(0, FIRST_BATCH_ROWS);
    expect(out.items.map((b) => b.rowCount)).toEqual([FIRST_BATCH_ROWS, 3 * FIRST_BATCH_ROWS, FIRST_BATCH_ROWS]);
  });

  it('a batch the next step refuses stays open, to be dropped by close', async () => {
    const refusing: Step<PartitionBatch> = { submit: async () => Promise.reject(new Error('write failed earlier')), poll: async () => undefined, join: async () => undefined, close: async () => undefined };
    const writer = new ControlledWriter([]);
    const step = new BatchStep(TOPIC, PARTITION, limits, new ReplayCursor(TOPIC, PARTITION, (t, p, o) => writer.replayBoundary(t, p, o)), refusing);
    await step.submit(decoded(0n));
    await step.submit(decoded(1n));
    await expect(step.submit(decoded(2n))).rejects.toThrow('write failed earlier');
    await step.close();
    // Afresh: the re-read offset 0 starts a new batch (and is looked up again).
    await step.submit(decoded(0n));
    expect(writer.lookups).toEqual([0n, 0n]);
  });
});

describe('DecodeStep', () => {
  it('hands each message on decoded, and stops the chain when the guard says the stream is mostly invalid', async () => {
    const out = new Collect<DecodedMessage>();
    const step = new DecodeStep(decode, new InvalidRatioGuard(0.5, 4), out);
    await step.submit(message(0n));
    expect(out.items[0]?.decoded.rows.get('t')?.[0]?.text).toBe('row-0');
    await step.submit(message(1n, 'bad'));
    await step.submit(message(2n, 'bad'));
    await expect(step.submit(message(3n, 'bad'))).rejects.toThrow(InvalidRatioExceeded);
  });
});

/** A loader over a ControlledWriter that logs writes and commits, closing batches at `maxRows` or 1 s. */
function loggingLoader(maxRows: number): { log: string[]; writer: ControlledWriter; loader: PartitionLoader } {
  const log: string[] = [];
  const writer = new ControlledWriter(log);
  const loader = new PartitionLoader(TOPIC, PARTITION, {
    decode,
    writer,
    deadLetters: { send: async () => undefined },
    commit: async (topic, partition, next) => void log.push(`commit ${topic}:${partition}@${next}`),
    limits: { maxRows, maxBytes: 1e9, maxWaitMs: 1_000 },
    guard: new InvalidRatioGuard(1),
  });
  return { log, writer, loader };
}

describe('PartitionLoader: the steps composed', () => {
  it('gathers into one batch what arrives while the batch before it is being written, however old (group commit)', async () => {
    const { log, writer, loader } = loggingLoader(100);
    await loader.submit([message(0n)]);
    await loader.flushIfDue(Date.now() + 1_000); // due and the writer idle: handed on
    await loader.submit([message(1n), message(2n)]);
    await loader.flushIfDue(Date.now() + 5_000); // past its age, but 0-0 is being written: stays open
    await loader.submit([message(3n)]);
    await writer.finishNext();
    await loader.flushIfDue(Date.now() + 5_000); // the writer is free: 1-3 goes, one insert
    await writer.finishNext();
    await loader.flushAll();
    expect(log).toEqual(['write events:4:0-0', 'written events:4:0-0', 'commit events:4@1', 'write events:4:1-3', 'written events:4:1-3', 'commit events:4@4']);
  });

  it('while the source says the partition is behind, keeps its batch open past its age until it is full, or BEHIND_WAIT_FACTOR times its age', async () => {
    const { log, writer, loader } = loggingLoader(3);
    await loader.submit([message(0n)], true);
    await loader.flushIfDue(Date.now() + 1_000); // past its age, but more is waiting: stays open
    expect(log).toEqual([]);
    await loader.submit([message(1n), message(2n)], true); // full: handed on at once
    await writer.finishNext();
    await loader.submit([message(3n)], true);
    await loader.flushIfDue(Date.now() + BEHIND_WAIT_FACTOR * 1_000); // a partition behind for long still gets its rows written
    await writer.finishNext();
    await loader.submit([message(4n)], false);
    await loader.flushIfDue(Date.now() + 1_000); // caught up: its age closes it again
    await writer.finishNext();
    await loader.flushAll();
    expect(log).toEqual([
      'write events:4:0-2', 'written events:4:0-2', 'commit events:4@3',
      'write events:4:3-3', 'written events:4:3-3', 'commit events:4@4',
      'write events:4:4-4', 'written events:4:4-4', 'commit events:4@5',
    ]);
  });

  it('decodes, batches, writes, dead-letters and commits in order, and a ticker hands on a batch past its age', async () => {
    const log: string[] = [];
    const writer = new ControlledWriter(log);
    const batches: CommittedBatch[] = [];
    const loader = new PartitionLoader(TOPIC, PARTITION, {
      decode,
      writer,
      deadLetters: { send: async (letters) => void log.push(`letters ${letters.map((l) => l.offset).join(',')}`) },
      commit: async (topic, partition, next) => void log.push(`commit ${topic}:${partition}@${next}`),
      limits: { maxRows: 2, maxBytes: 1e9, maxWaitMs: 1_000 },
      guard: new InvalidRatioGuard(1),
      onBatch: (batch) => batches.push(batch),
    });
    await loader.submit([message(0n), message(1n, 'bad'), message(2n), message(3n)]);
    await writer.finishNext();
    await loader.flushIfDue(Date.now()); // not yet due: nothing handed on
    expect(log.filter((entry) => entry.startsWith('write'))).toHaveLength(1);
    await loader.flushIfDue(Date.now() + 1_000);
    await writer.finishNext();
    await loader.flushAll();
    expect(log).toEqual([
      'write events:4:0-2',
      'written events:4:0-2',
      'letters 1',
      'commit events:4@3',
      'write events:4:3-3',
      'written events:4:3-3',
      'commit events:4@4',
    ]);
    expect(loader.stats).toMatchObject({ batches: 2, rows: 3, deadLetters: 1 });
    expect(batches.map((b) => b.token)).toEqual(['events:4:0-2', 'events:4:3-3']);
  });
});
