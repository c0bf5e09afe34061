import { randomUUID } from 'node:crypto';
import { constants, gzipSync, zstdCompressSync } from 'node:zlib';
import kafkajs from 'kafkajs';
import { DEFAULT_MAX_MESSAGE_BYTES, GZIP_LEVEL, KafkaEventSink, SharedProducer, packByKey, partitionKey } from '../src/transport/index.js';
import { ZSTD_LEVEL, useGzipLevel } from '../src/transport/gzip-codec.js';
import type { Compression, KafkaSettings } from '../src/transport/index.js';
import { RecipientHasher, uuidv7 } from '../src/events/index.js';
import type { SendEvent } from '../src/events/index.js';
import { printTable, round, summarize } from './stats.js';

const EVENTS = 200_000;
const RUNS = 3;

/** Realistic events: a mix of providers, senders, outcomes and codes, each with a unique recipient hash. */
export function syntheticEvents(count: number): SendEvent[] {
  const hasher = new RecipientHasher('bench-recipient-key-0123456789');
  const providers = ['ses', 'resend', 'sendfleet', 'scaisend', 'relay'] as const;
  const started = Date.now();
  return Array.from({ length: count }, (_, i): SendEvent => {
    const failed = i % 7 === 0;
    return {
      event_id: uuidv7(started + i),
      schema_version: 1,
      occurred_at: new Date(started + i).toISOString(),
      service: 'checkout',
      environment: 'bench',
      provider: providers[i % providers.length] as SendEvent['provider'],
      operation: 'send',
      workspace: `ws-${i % 40}`,
      sender_domain: `mail${i % 25}.example.com`,
      recipient_domain: `example${i % 300}.org`,
      recipient_hash: hasher.hash(`user${i}@example${i % 300}.org`),
      recipient_count: 1,
      message_id: `m-${i}`,
      provider_message_id: failed ? '' : `pm-${i}`,
      attempt: 1,
      outcome: failed ? 'failed' : 'sent',
      status: failed ? 429 : 200,
      provider_code: failed ? 'rate_limit_exceeded' : null,
      code: failed ? 'throttling.rate_limited' : null,
      category: failed ? 'throttling' : null,
      retry: failed ? 'retry_after' : null,
      retry_after_ms: failed ? 1000 : null,
      error_message: failed ? 'Too many requests.' : null,
      latency_ms: 40 + (i % 50),
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
    };
  });
}

interface Variant {
  name: string;
  compression: Compression;
  maxMessageBytes: number;
  /** A zlib level other than the producer's own (GZIP_LEVEL), for comparison. */
  gzipLevel?: number;
}

const VARIANTS: Variant[] = [
  { name: `JSON Lines per sender (default), zstd level ${ZSTD_LEVEL}`, compression: 'zstd', maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES },
  { name: `JSON Lines per sender, gzip level ${GZIP_LEVEL} (the default before)`, compression: 'gzip', maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES },
  { name: 'JSON Lines per sender, gzip level 6 (kafkajs\'s own)', compression: 'gzip', maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES, gzipLevel: 6 },
  { name: 'JSON Lines per sender, no compression', compression: 'none', maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES },
  { name: 'one event per message, zstd', compression: 'zstd', maxMessageBytes: 0 },
];

export interface ProducerResult {
  variant: string;
  compression: Compression;
  eventsPerSecond: number;
  megabytesPerSecond: number;
  /** Process CPU (user + system, zlib's thread pool included; the broker's not) per event. */
  cpuUsPerEvent: number;
  /** Message values per event after the variant's compression (record framing excluded). */
  wireBytesPerEvent: number;
  runs: number;
}

/** The topic exists with its leaders before the timing starts; a loaded broker may take seconds to create it. */
async function createTopic(settings: KafkaSettings, topic: string): Promise<void> {
  const admin = new kafkajs.Kafka({ brokers: settings.brokers, clientId: 'sendlens-bench-producer', logCreator: () => () => undefined }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true, timeout: 60_000 });
  } finally {
    await admin.disconnect();
  }
}

/** Bytes of the values one delivery's messages would carry, per event: what compression leaves of the JSON. */
function wireBytesPerEvent(events: SendEvent[], { compression, maxMessageBytes, gzipLevel = GZIP_LEVEL }: Variant): number {
  const sample = events.slice(0, 5_000).map((event) => ({ key: partitionKey(event), value: JSON.stringify(event) }));
  const values = packByKey(sample, maxMessageBytes).map((message) => message.value);
  // kafkajs compresses each partition's record batch in one piece.
  const joined = values.join('');
  const bytes =
    compression === 'gzip'
      ? gzipSync(joined, { level: gzipLevel }).length
      : compression === 'zstd'
        ? zstdCompressSync(joined, { params: { [constants.ZSTD_c_compressionLevel]: ZSTD_LEVEL } }).length
        : Buffer.byteLength(joined);
  return bytes / sample.length;
}

/**
 * Runs `body` with the producer compressing gzip at `level` instead of its
 * own (both ahead of the send and in kafkajs's codec), then puts its level back.
 */
async function withGzipLevel<T>(level: number | undefined, body: () => Promise<T>): Promise<T> {
  if (level === undefined) return body();
  const restore = useGzipLevel(level);
  try {
    return await body();
  } finally {
    restore();
  }
}

async function oneRun(settings: KafkaSettings, events: SendEvent[], { compression, maxMessageBytes, gzipLevel }: Variant): Promise<{ seconds: number; bytes: number; cpuUs: number }> {
  const topic = `bench.events.${randomUUID().slice(0, 8)}`;
  await createTopic(settings, topic);
  const producer = new SharedProducer(settings); // installs the producer's gzip codec, whose level withGzipLevel sets
  return withGzipLevel(gzipLevel, () => timedRun(producer, topic, events, compression, maxMessageBytes));
}

async function timedRun(producer: SharedProducer, topic: string, events: SendEvent[], compression: Compression, maxMessageBytes: number): Promise<{ seconds: number; bytes: number; cpuUs: number }> {
  // Only the buffer is enlarged, to hold the whole burst; deliveries keep the sink's defaults.
  const sink = new KafkaEventSink({ producer, topic, compression, maxMessageBytes, limits: { maxBufferedItems: events.length, maxBufferedBytes: 1024 * 1024 * 1024, lingerMs: 5 } });
  await producer.send(topic, [{ value: 'warm-up' }], compression); // connect outside the timing
  const bytes = events.reduce((sum, e) => sum + Buffer.byteLength(JSON.stringify(e)), 0);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (const event of events) sink.emit(event);
  const flushed = await sink.flush(120_000);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await sink.close(1000);
  await producer.disconnect();
  if (!flushed || sink.stats().delivered !== events.length) throw new Error(`producer bench: delivered ${sink.stats().delivered} of ${events.length}`);
  return { seconds, bytes, cpuUs: cpu.user + cpu.system };
}

export async function benchProducerThroughput(settings: KafkaSettings): Promise<ProducerResult[]> {
  const events = syntheticEvents(EVENTS);
  const results = new Map<Variant, { seconds: number; bytes: number; cpuUs: number }[]>(VARIANTS.map((v) => [v, []]));
  for (let run = 0; run < RUNS; run += 1) {
    for (const variant of run % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) results.get(variant)?.push(await oneRun(settings, events, variant));
  }
  const rows = [...results].map(([variant, runs]): ProducerResult => {
    const seconds = summarize(runs.map((r) => r.seconds)).median;
    const bytes = runs[0]?.bytes ?? 0;
    return {
      variant: variant.name,
      compression: variant.compression,
      eventsPerSecond: Math.round(EVENTS / seconds),
      megabytesPerSecond: round(bytes / seconds / 1e6, 1),
      cpuUsPerEvent: round(summarize(runs.map((r) => r.cpuUs / EVENTS)).median, 1),
      wireBytesPerEvent: Math.round(wireBytesPerEvent(events, variant)),
      runs: runs.length,
    };
  });
  printTable(
    `Producer throughput into the local broker (${EVENTS} events per run, 200 senders, median of ${RUNS} interleaved runs, one process; from first emit to last ack, serialization included)`,
    ['messages', 'events/s', 'MB/s (JSON)', 'CPU µs/event', 'bytes/event sent'],
    rows.map((r) => [r.variant, r.eventsPerSecond, r.megabytesPerSecond, r.cpuUsPerEvent, r.wireBytesPerEvent]),
  );
  return rows;
}
