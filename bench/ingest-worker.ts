/**
 * One ingest measurement in a process of its own, so it gets a fresh
 * embedded ClickHouse store (chDB binds one data directory per process) and
 * nothing earlier colours it. Run by bench/ingest.ts as
 *   tsx bench/ingest-worker.ts <mode> <json arguments>
 * and prints one JSON line on stdout (the freshness mode prints a `ready`
 * line first and reads the number of emitted events from stdin).
 *
 *   ours       KafkaIngest (default limits, fresh group) until all N rows are queryable
 *   engine     ClickHouse's Kafka table engine + a materialized view into email_send_events
 *   freshness  KafkaIngest while the parent emits at a steady rate; per event, emit → queryable
 *   floor      not a loader: the same consumer settings and insert settings as ours, but no work per
 *              event (each message's JSON Lines inserted as they came, FORMAT JSONEachRow; no
 *              validation, dead letters, replay log or commits), in inserts as large as `limits`
 *              allows: about the most a loader built on kafkajs and this engine's inserts could
 *              reach (issue 14).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import kafkajs from 'kafkajs';
import type { ClickHouseClient } from '@clickhouse/client';
import { DEFAULT_BATCH_LIMITS, KafkaIngest, installBoundedZstd } from '../src/ingest/index.js';
import type { BatchLimits } from '../src/ingest/index.js';
import { consumerConfig } from '../src/ingest/kafka/consumer.js';
import { INSERT_SETTINGS } from '../src/ingest/write.js';
import type { Log } from '../src/ingest/index.js';
import { createStoreClient, migrate, DEFAULT_RETENTION_DAYS, DEFAULT_ROLLUP_RETENTION_DAYS } from '../src/store/index.js';
import type { KafkaSettings } from '../src/transport/index.js';
import { quantile } from './stats.js';

export interface WorkerArgs {
  bootstrap: string;
  topic: string;
  group: string;
  dataDir: string;
  /** Events expected in the topic (ours, engine). */
  events?: number;
  /** Kafka engine table settings beyond the required ones, e.g. `kafka_num_consumers = 2`. */
  engineSettings?: string[];
  /** Give up waiting for all rows after this long. */
  timeoutMs?: number;
  /** ours and floor: batch limits other than the loader's defaults (probes; `npm run bench` uses the defaults). */
  limits?: Partial<BatchLimits>;
}

/** What the run left in email_send_events: to check both loaders stored the same rows. */
export interface StoredCheck {
  rows: number;
  uniqueEvents: number;
  /** Order-independent hash over every row's content. */
  checksum: string;
  rollupAttempts: number;
}

export interface ThroughputResult {
  mode: 'ours' | 'engine' | 'floor';
  events: number;
  /** From the start (consumer created) until count() = events. */
  seconds: number;
  /** From the start until the first rows were queryable (group join, first batch). */
  firstRowsSeconds: number;
  firstRows: number;
  /** Count polls: [ms since start, rows]. */
  progress: [number, number][];
  /** CPU time of the whole process (all threads: JavaScript and the engine's) from the start until all rows were queryable. */
  cpuSeconds: number;
  stored: StoredCheck;
  /** ours: rows and write+commit ms per batch. */
  batches?: { rows: number; ms: number }[];
  /** CPU seconds per thread name (the JavaScript thread is `main`), from process start: where the time went. */
  threadCpu?: Record<string, number>;
  /** ours: when the group's committed offsets reached the end of the topic. */
  committedSeconds?: number;
  /** engine: rows the engine could not parse (kafka_handle_error_mode = 'stream'). */
  parseErrors?: number;
  firstParseError?: string;
  engineDdl?: string;
  error?: string;
}

export interface FreshnessResult {
  mode: 'freshness';
  events: number;
  seen: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  polls: number;
  pollIntervalMs: number;
  /** CPU time of the loader process (all threads) while the events were emitted and loaded. */
  cpuSeconds: number;
  loadSeconds: number;
  pollQueryP50Ms: number;
  pollQueryMaxMs: number;
  batches: { rows: number; ms: number }[];
  stored: StoredCheck;
  error?: string;
}

/** CPU seconds of this process's threads, summed by thread name (Linux /proc; empty elsewhere). */
function threadCpu(): Record<string, number> {
  const byName: Record<string, number> = {};
  const ticks = 100;
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return byName;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = tid === String(process.pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/[0-9]+$/, '');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      byName[name] = (byName[name] ?? 0) + (Number(fields[11]) + Number(fields[12])) / ticks;
    } catch {
      // The thread ended meanwhile.
    }
  }
  return byName;
}

const { Kafka } = kafkajs;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const settings = (args: WorkerArgs): KafkaSettings => ({ brokers: args.bootstrap.split(','), clientId: 'sendlens-bench-ingest', ssl: false, eventsTopic: args.topic, spansTopic: 'otlp_spans', deliveryTopic: 'email.delivery.events' });

function cpuSince(before: Record<string, number>): Record<string, number> {
  const now = threadCpu();
  return Object.fromEntries(Object.entries(now).map(([name, seconds]) => [name, Math.round((seconds - (before[name] ?? 0)) * 100) / 100]).filter(([, seconds]) => (seconds as number) > 0));
}

async function rows<T>(client: ClickHouseClient, query: string): Promise<T[]> {
  return (await (await client.query({ query, format: 'JSONEachRow' })).json()) as T[];
}

async function count(client: ClickHouseClient): Promise<number> {
  const [row] = await rows<{ n: string }>(client, `SELECT count() AS n FROM default.email_send_events`);
  return Number(row?.n ?? 0);
}

async function freshStore(dataDir: string): Promise<ClickHouseClient> {
  const client = await createStoreClient({ dataDir });
  await migrate(client, { database: 'default', retentionDays: DEFAULT_RETENTION_DAYS, rollupRetentionDays: DEFAULT_ROLLUP_RETENTION_DAYS });
  return client;
}

async function storedCheck(client: ClickHouseClient): Promise<StoredCheck> {
  const [events] = await rows<{ n: string; u: string; h: string }>(
    client,
    `SELECT count() AS n, uniqExact(event_id) AS u,
            toString(sum(cityHash64(event_id, occurred_at, provider, workspace, sender_domain, recipient_hash, message_id, outcome, status, code, category, retry_after_ms, error_message, latency_ms))) AS h
     FROM default.email_send_events`,
  );
  const [rollup] = await rows<{ a: string }>(client, 'SELECT sum(attempts) AS a FROM default.email_send_rollup_1m');
  return { rows: Number(events?.n ?? 0), uniqueEvents: Number(events?.u ?? 0), checksum: events?.h ?? '', rollupAttempts: Number(rollup?.a ?? 0) };
}

/** Polls count() every `everyMs` until it reaches `target`; returns the progress and when it got there. */
async function waitForRows(client: ClickHouseClient, target: number, started: number, timeoutMs: number, everyMs = 50): Promise<{ doneAt: number | null; progress: [number, number][] }> {
  const progress: [number, number][] = [];
  let last = -1;
  while (performance.now() - started < timeoutMs) {
    const n = await count(client);
    const at = performance.now() - started;
    if (n !== last) progress.push([Math.round(at), n]);
    last = n;
    if (n >= target) return { doneAt: at, progress };
    await sleep(everyMs);
  }
  return { doneAt: null, progress };
}

/** Waits until the group committed every partition up to its end. */
async function waitForCommits(args: WorkerArgs, timeoutMs: number): Promise<boolean> {
  const admin = new Kafka({ brokers: args.bootstrap.split(','), clientId: 'sendlens-bench-ingest-admin', logCreator: () => () => undefined }).admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(args.topic);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const [committed] = await admin.fetchOffsets({ groupId: args.group, topics: [args.topic] });
      const done = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
      if (ends.every((end) => (done.get(end.partition) ?? -1) >= Number(end.high))) return true;
      await sleep(50);
    }
    return false;
  } finally {
    await admin.disconnect();
  }
}

function batchCollector(): { log: Log; batches: { rows: number; ms: number }[] } {
  const batches: { rows: number; ms: number }[] = [];
  const log: Log = (level, message, fields) => {
    if (message === 'batch written' && fields) batches.push({ rows: Number(fields.rows), ms: Math.round(Number(fields.ms)) });
    else if (level === 'warn' || level === 'error') console.error(`[ingest ${level}] ${message} ${fields ? JSON.stringify(fields) : ''}`);
  };
  return { log, batches };
}

/** What every throughput mode reports: its count polls, its CPU from the start, what it stored. */
function measured(
  mode: ThroughputResult['mode'],
  events: number,
  { doneAt, progress }: { doneAt: number | null; progress: [number, number][] },
  cpu: NodeJS.CpuUsage,
  threads: Record<string, number>,
  stored: StoredCheck,
): ThroughputResult {
  const first = progress.find(([, n]) => n > 0) ?? [0, 0];
  return {
    mode,
    events,
    seconds: (doneAt ?? Number.NaN) / 1000,
    firstRowsSeconds: first[0] / 1000,
    firstRows: first[1],
    progress,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    stored,
    threadCpu: threads,
  };
}

/** Why a run that never saw all its rows ended. */
const shortOf = (progress: [number, number][], events: number, timeoutMs = 60_000): string => `only ${progress.at(-1)?.[1] ?? 0} of ${events} rows after ${timeoutMs} ms`;

async function ours(args: WorkerArgs): Promise<ThroughputResult> {
  const events = args.events ?? 0;
  const client = await freshStore(args.dataDir);
  const { log, batches } = batchCollector();
  const ingest = new KafkaIngest({ kafka: settings(args), client, database: 'default', groupId: args.group, deadLetterTopic: `${args.topic}.dlq`, log, ...(args.limits && { limits: args.limits }) });
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  const threadsAtStart = threadCpu();
  await ingest.start();
  const waited = await waitForRows(client, events, started, args.timeoutMs ?? 60_000);
  const cpu = process.cpuUsage(cpuAtStart);
  const threads = cpuSince(threadsAtStart);
  const committed = waited.doneAt !== null && (await waitForCommits(args, 10_000));
  const committedSeconds = (performance.now() - started) / 1000;
  await ingest.stop();
  return {
    ...measured('ours', events, waited, cpu, threads, await storedCheck(client)),
    batches,
    committedSeconds: committed ? committedSeconds : Number.NaN,
    ...(waited.doneAt === null && { error: shortOf(waited.progress, events, args.timeoutMs) }),
    ...(waited.doneAt !== null && !committed && { error: 'rows landed but the group did not commit to the end within 10 s' }),
  };
}

/** The insert settings our loader's writer gives a batch of send events, so the floor's engine work is ours. */
const LOADER_INSERT_SETTINGS = { ...INSERT_SETTINGS, optimize_on_insert: 0 };

/** Lines in a JSON Lines message (the loader's unit of rows). */
function linesIn(value: Buffer): number {
  let lines = 1;
  for (let at = value.indexOf(0x0a); at !== -1; at = value.indexOf(0x0a, at + 1)) lines += 1;
  return lines;
}

/**
 * The floor (see the header): kafkajs with our consumer settings and our
 * decompression; per partition, message values gathered while the one insert
 * at a time runs (group commit, as ours), each insert taking a partition's
 * values once they reach the row limit or their age limit, with our writer's
 * settings and a token, as FORMAT JSONEachRow: the engine parses the JSON.
 * A partition holding twice the row limit waits (backpressure).
 */
async function floor(args: WorkerArgs): Promise<ThroughputResult> {
  const events = args.events ?? 0;
  const client = await freshStore(args.dataDir);
  installBoundedZstd();
  const kafka = new Kafka({ brokers: args.bootstrap.split(','), clientId: 'sendlens-bench-floor', logCreator: () => () => undefined });
  const consumer = kafka.consumer(consumerConfig(args.group));
  const limits = { ...DEFAULT_BATCH_LIMITS, ...args.limits };
  const pending = new Map<number, { values: Buffer[]; lines: number; openedAt: number }>();
  let inserting = false;
  let failure: Error | undefined;
  let tokens = 0;
  /** Inserts the fullest due partition's values if no insert runs. */
  const pump = (): void => {
    if (inserting || failure) return;
    const now = Date.now();
    const due = [...pending].filter(([, open]) => open.lines >= limits.maxRows || now - open.openedAt >= limits.maxWaitMs).sort(([, a], [, b]) => b.lines - a.lines)[0];
    if (!due) return;
    const [partition, open] = due;
    pending.delete(partition);
    inserting = true;
    const body = Buffer.concat(open.values.flatMap((value) => [value, Buffer.from('\n')]));
    void (async () => {
      const result = await client.exec({ query: 'INSERT INTO default.email_send_events FORMAT JSONEachRow', values: Readable.from([body]), clickhouse_settings: { ...LOADER_INSERT_SETTINGS, insert_deduplication_token: `floor-${partition}-${(tokens += 1)}` } as never });
      result.stream.resume();
      await new Promise((resolve) => result.stream.on('end', resolve));
    })()
      .catch((error: unknown) => {
        failure ??= error as Error;
      })
      .finally(() => {
        inserting = false;
        pump();
      });
  };
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  const threadsAtStart = threadCpu();
  await consumer.connect();
  await consumer.subscribe({ topic: args.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        if (!message.value) continue;
        let open = pending.get(batch.partition);
        if (!open) pending.set(batch.partition, (open = { values: [], lines: 0, openedAt: Date.now() }));
        open.values.push(message.value);
        open.lines += linesIn(message.value);
        pump();
        while ((pending.get(batch.partition)?.lines ?? 0) >= 2 * limits.maxRows && !failure) await sleep(5);
      }
    },
  });
  const ages = setInterval(pump, 50);
  const waited = await waitForRows(client, events, started, args.timeoutMs ?? 60_000);
  clearInterval(ages);
  const cpu = process.cpuUsage(cpuAtStart);
  const threads = cpuSince(threadsAtStart);
  await consumer.disconnect();
  while (inserting) await sleep(10);
  return {
    ...measured('floor', events, waited, cpu, threads, await storedCheck(client)),
    ...(waited.doneAt === null && { error: `${shortOf(waited.progress, events, args.timeoutMs)}${failure ? `; an insert failed: ${failure.message}` : ''}` }),
  };
}

/** The columns a producer sends: every column of email_send_events without a default. */
async function eventColumns(client: ClickHouseClient): Promise<{ name: string; type: string }[]> {
  return rows(client, "SELECT name, type FROM system.columns WHERE database = 'default' AND table = 'email_send_events' AND default_kind = '' ORDER BY position");
}

async function engine(args: WorkerArgs): Promise<ThroughputResult> {
  const events = args.events ?? 0;
  const client = await freshStore(args.dataDir);
  const columns = await eventColumns(client);
  const ddl = `CREATE TABLE default.email_send_events_queue (${columns.map((c) => `${c.name} ${c.type}`).join(', ')})
    ENGINE = Kafka SETTINGS kafka_broker_list = '${args.bootstrap}', kafka_topic_list = '${args.topic}', kafka_group_name = '${args.group}',
      kafka_format = 'JSONEachRow', kafka_handle_error_mode = 'stream', date_time_input_format = 'best_effort', input_format_null_as_default = 1${(args.engineSettings ?? []).map((s) => `, ${s}`).join('')}`;
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  const threadsAtStart = threadCpu();
  await client.command({ query: ddl });
  // Errors (kafka_handle_error_mode = 'stream') are kept apart, as our loader's dead letters are.
  await client.command({ query: 'CREATE TABLE default.email_send_events_queue_errors (error String, raw String) ENGINE = MergeTree ORDER BY tuple()' });
  await client.command({ query: 'CREATE MATERIALIZED VIEW default.email_send_events_queue_errors_mv TO default.email_send_events_queue_errors AS SELECT _error AS error, _raw_message AS raw FROM default.email_send_events_queue WHERE length(_error) > 0' });
  // Attaching the view starts the consumers.
  await client.command({
    query: `CREATE MATERIALIZED VIEW default.email_send_events_queue_mv TO default.email_send_events AS SELECT ${columns.map((c) => c.name).join(', ')} FROM default.email_send_events_queue WHERE length(_error) = 0`,
  });
  const { doneAt, progress } = await waitForRows(client, events, started, args.timeoutMs ?? 60_000);
  const cpu = process.cpuUsage(cpuAtStart);
  const threads = cpuSince(threadsAtStart);
  const [errors] = await rows<{ n: string; first: string }>(client, 'SELECT count() AS n, any(error) AS first FROM default.email_send_events_queue_errors');
  let consumerState = '';
  if (doneAt === null) {
    consumerState = JSON.stringify(await rows(client, 'SELECT * FROM system.kafka_consumers').catch((error: unknown) => [(error as Error).message]));
  }
  // Detach the consumers before looking at what landed.
  await client.command({ query: 'DROP VIEW default.email_send_events_queue_mv' });
  await client.command({ query: 'DROP VIEW default.email_send_events_queue_errors_mv' });
  await client.command({ query: 'DROP TABLE default.email_send_events_queue' });
  return {
    ...measured('engine', events, { doneAt, progress }, cpu, threads, await storedCheck(client)),
    parseErrors: Number(errors?.n ?? 0),
    ...(Number(errors?.n ?? 0) > 0 && { firstParseError: errors?.first }),
    engineDdl: ddl.replace(/\s+/g, ' '),
    ...(doneAt === null && { error: `${shortOf(progress, events, args.timeoutMs)}; consumers: ${consumerState}` }),
  };
}

/**
 * Freshness: the parent emits events whose occurred_at is the wall-clock
 * time of the emit (one timestamp per 10 ms tick); every POLL_MS this
 * process counts the visible rows per emit time. When a timestamp's count
 * grows by d, d events became queryable since the previous poll: they are
 * charged the time this poll returned minus their emit time. That is an
 * upper bound (the rows were visible by then), late by at most one poll
 * interval plus the poll's own duration; the engine runs one query at a
 * time, so a poll issued during an insert returns after it.
 */
const POLL_MS = 100;

async function freshness(args: WorkerArgs): Promise<FreshnessResult> {
  const client = await freshStore(args.dataDir);
  const { log, batches } = batchCollector();
  const ingest = new KafkaIngest({ kafka: settings(args), client, database: 'default', groupId: args.group, deadLetterTopic: `${args.topic}.dlq`, log });
  await ingest.start();
  // The parent produced warm-up events before starting us: once they are queryable, the group has joined and the pipeline is live.
  const warm = await waitForRows(client, 1, performance.now(), args.timeoutMs ?? 60_000, 100);
  if (warm.doneAt === null) throw new Error('warm-up events never became queryable');
  batches.length = 0;
  let total: number | null = null;
  let abandoned = false;
  createInterface({ input: process.stdin })
    .on('line', (line) => {
      total = (JSON.parse(line) as { total: number }).total;
    })
    // The parent went away without saying how many it emitted: stop rather than poll forever.
    .on('close', () => {
      abandoned = total === null;
    });
  console.log(JSON.stringify({ ready: true }));
  const cpuAtStart = process.cpuUsage();
  const loadStarted = performance.now();

  const seenPerEmit = new Map<number, number>();
  const latencies: number[] = [];
  const queryMs: number[] = [];
  let seen = 0;
  let polls = 0;
  let lastChange = Date.now();
  let error: string | undefined;
  for (let next = Date.now(); ; ) {
    const started = performance.now();
    const visible = await (
      await client.query({ query: "SELECT toUnixTimestamp64Milli(occurred_at) AS t, count() AS n FROM default.email_send_events WHERE environment = 'bench-freshness' GROUP BY t", format: 'JSONCompactEachRow' })
    ).json<[string, string]>();
    const pollAt = Date.now();
    queryMs.push(performance.now() - started);
    polls += 1;
    for (const [t, n] of visible) {
      const emittedAt = Number(t);
      const count = Number(n);
      const before = seenPerEmit.get(emittedAt) ?? 0;
      if (count > before) {
        for (let i = before; i < count; i += 1) latencies.push(pollAt - emittedAt);
        seenPerEmit.set(emittedAt, count);
        seen += count - before;
        lastChange = pollAt;
      }
    }
    if (total !== null && seen >= total) break;
    if (abandoned || performance.now() - loadStarted > 300_000) {
      error = 'the emitter never reported how many events it sent';
      break;
    }
    if (total !== null && Date.now() - lastChange > 30_000) {
      error = `only ${seen} of ${total} emitted events became queryable`;
      break;
    }
    next += POLL_MS;
    await sleep(Math.max(0, next - Date.now()));
  }
  const cpu = process.cpuUsage(cpuAtStart);
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  await ingest.stop();
  const stored = await storedCheck(client);
  const sorted = latencies.sort((a, b) => a - b);
  const sortedQuery = queryMs.sort((a, b) => a - b);
  return {
    mode: 'freshness',
    events: total ?? 0,
    seen,
    p50Ms: quantile(sorted, 0.5),
    p90Ms: quantile(sorted, 0.9),
    p99Ms: quantile(sorted, 0.99),
    maxMs: sorted.at(-1) ?? Number.NaN,
    meanMs: sorted.reduce((s, x) => s + x, 0) / (sorted.length || 1),
    polls,
    pollIntervalMs: POLL_MS,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    loadSeconds,
    pollQueryP50Ms: Math.round(quantile(sortedQuery, 0.5) * 10) / 10,
    pollQueryMaxMs: Math.round((sortedQuery.at(-1) ?? 0) * 10) / 10,
    batches,
    stored,
    ...(error && { error }),
  };
}

const [mode, raw] = process.argv.slice(2);
const args = JSON.parse(raw ?? '{}') as WorkerArgs;
try {
  const result = mode === 'ours' ? await ours(args) : mode === 'engine' ? await engine(args) : mode === 'floor' ? await floor(args) : mode === 'freshness' ? await freshness(args) : null;
  if (!result) throw new Error(`unknown mode ${mode}`);
  console.log(JSON.stringify(result));
  process.exit(0);
} catch (error) {
  console.log(JSON.stringify({ mode, error: (error as Error).stack ?? String(error) }));
  process.exit(1);
}
