import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { ClickHouseClient } from '@clickhouse/client';
import kafkajs from 'kafkajs';
import { RecipientHasher } from '../events/index.js';
import type { DeliveryEvent } from '../events/index.js';
import { decodeDeliveryEvents, InProcessHandoff, InProcessPipeline, InProcessSpanExporter, KafkaIngest } from '../ingest/index.js';
import { SendInstrumentation } from '../instrument/index.js';
import type { SendEventSink } from '../instrument/index.js';
import { migrate } from '../store/index.js';
import type { MigrationSettings } from '../store/index.js';
import { KafkaEventSink, KafkaHandoff, KafkaSpanExporter, kafkaClientConfig, partitionKey, SendlensSpanProcessor, SharedProducer } from '../transport/index.js';
import type { KafkaSettings, SpanExporterLike } from '../transport/index.js';
import { createTracerProvider } from '../telemetry/index.js';
import { createWebhookServer, feedbackEndpoints } from '../webhooks/index.js';
import type { EventHandoff } from '../webhooks/index.js';
import { mailgunWebhookEndpoint } from '../providers/mailgun/index.js';
import { postmarkWebhookEndpoint } from '../providers/postmark/index.js';
import { sendgridWebhookEndpoint } from '../providers/sendgrid/index.js';
import { SimulatedProviders } from './simulated-providers.js';
import { startSmtp } from './simulated-smtp.js';
import { feedbackKeys, runTraffic, SimulatedClock } from './traffic.js';
import type { TrafficProgress, TrafficTotals } from './traffic.js';

/** The tables the demo fills, emptied first so a rerun shows one week, not two. */
export const DEMO_TABLES = [
  'email_send_events',
  'email_send_failures',
  'email_send_rollup_1m',
  'email_send_rollup_1h',
  'email_send_rollup_1d',
  'email_send_totals_1h',
  'email_send_totals_1d',
  'email_send_latency_1h',
  'email_send_recipients_1d',
  'email_delivery_events',
  'email_delivery_event_ids',
  'email_delivery_rollup_1m',
  'email_delivery_rollup_1h',
  'email_delivery_rollup_1d',
  'email_delivery_totals_1h',
  'email_delivery_totals_1d',
  'email_risk_rollup_1h',
  'email_risk_subject_1h',
  'email_risk_subject_1d',
  'email_risk_subject_by_month_1h',
  'email_risk_tenant_1d',
  'otel_traces',
  'otel_traces_trace_id_ts',
  'sendlens_ingest_batches',
] as const;

export interface DemoOptions {
  client: ClickHouseClient;
  settings: MigrationSettings;
  /** Where in-process dead letters go (single-process mode). */
  dataDir: string;
  /** Through Kafka (and an in-process `KafkaIngest`) when given; otherwise the in-process pipeline. */
  kafka: KafkaSettings | null;
  seed: number;
  days: number;
  sends: number;
  recipientKey: string;
  onProgress?: (progress: TrafficProgress) => void;
  log?: (message: string) => void;
  /**
   * Live traffic in real time until the signal aborts (the compose stack's
   * traffic generator): nothing is emptied, and with Kafka the loading is left
   * to the stack's own `sendlens ingest`.
   */
  live?: { sendsPerSecond: number; signal: AbortSignal };
}

export interface DemoRun extends TrafficTotals {
  path: 'kafka' | 'in-process';
  wallSeconds: number;
  droppedEvents: number;
  spansExported: number;
}

/**
 * A simulated week through the real pipeline: instrumented fetch calls against
 * simulated providers (spans and send events), signed webhooks into the real
 * receiver (delivery events), and the loader into ClickHouse, either straight
 * in-process or through Kafka topics and a consumer group.
 */
export async function runDemo(options: DemoOptions): Promise<DemoRun> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  await migrate(options.client, options.settings);
  if (!options.live) {
    for (const table of DEMO_TABLES) await options.client.command({ query: `TRUNCATE TABLE IF EXISTS ${options.settings.database}.${table}` });
  }

  const deadLetterFile = join(options.dataDir, 'dead-letters.jsonl');
  const database = options.settings.database;
  let sink: SendEventSink & { flush(timeoutMs?: number): Promise<boolean>; close(timeoutMs?: number): Promise<boolean>; stats(): { dropped: number } };
  let exporter: SpanExporterLike & { exported: number };
  let handoff: EventHandoff<DeliveryEvent>;
  let producer: SharedProducer | undefined;
  let ingest: KafkaIngest | undefined;
  const groupId = `sendlens-demo-${Date.now()}`;
  if (options.kafka) {
    producer = new SharedProducer(options.kafka);
    sink = new KafkaEventSink({ producer, topic: options.kafka.eventsTopic, limits: { maxBufferedItems: 200_000, maxBufferedBytes: 256 * 1024 * 1024 } });
    exporter = new KafkaSpanExporter(producer, options.kafka.spansTopic);
    handoff = new KafkaHandoff<DeliveryEvent>(producer, options.kafka.deliveryTopic, partitionKey);
    if (options.live) {
      log(`live traffic to Kafka (${options.kafka.brokers.join(',')}); \`sendlens ingest\` loads it`);
    } else {
      ingest = new KafkaIngest({ kafka: options.kafka, client: options.client, database, groupId, limits: { maxWaitMs: 250 } });
      await ingest.start();
      log(`through Kafka (${options.kafka.brokers.join(',')}), loaded by consumer group ${groupId}`);
    }
  } else {
    // The send path's buffer is sized for the simulated burst: nothing of the demo's week is dropped.
    sink = new InProcessPipeline({ client: options.client, database, deadLetterFile, sinkLimits: { maxBufferedItems: 200_000, maxBufferedBytes: 256 * 1024 * 1024 } });
    exporter = new InProcessSpanExporter({ client: options.client, database, deadLetterFile });
    handoff = new InProcessHandoff<DeliveryEvent>({ client: options.client, database, deadLetterFile, decode: decodeDeliveryEvents });
    log('in-process (no KAFKA_BROKERS): the same decode → batch → write steps as `sendlens ingest`');
  }

  const processor = new SendlensSpanProcessor(exporter, { maxQueueSize: 50_000, maxExportBatchSize: 2_000, scheduledDelayMillis: 200 });
  const tracerProvider = createTracerProvider([processor], { 'service.name': 'demo-mailer', 'deployment.environment.name': 'demo' });
  const clock = new SimulatedClock();
  const instrumentation = new SendInstrumentation({ service: 'demo-mailer', environment: 'demo', sink, recipientHashKey: options.recipientKey, tracer: tracerProvider.getTracer('sendlens'), clock: clock.now });

  const keys = feedbackKeys();
  const hasher = new RecipientHasher(options.recipientKey);
  const context = () => ({ hasher, receivedAt: Date.now() });
  const endpoints = [
    ...feedbackEndpoints({ hasher, resend: { secret: keys.svixSecret }, scaisend: { publicKey: keys.scaisendPublicKey }, generic: { secret: keys.genericSecret } }),
    sendgridWebhookEndpoint({ publicKey: keys.sendgridPublicKey }, context),
    mailgunWebhookEndpoint({ signingKey: keys.mailgunSigningKey }, context),
    postmarkWebhookEndpoint({ username: keys.postmarkUsername, password: keys.postmarkPassword }, context),
  ];
  const receiver = createWebhookServer({ endpoints, handoff });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const providers = new SimulatedProviders();
  const providersUrl = await providers.start();
  const smtp = await startSmtp(instrumentation);
  if ('missing' in smtp) log(`sendlens demo: ${smtp.missing}`);

  let totals: TrafficTotals;
  try {
    const traffic = {
      instrumentation,
      providersUrl,
      webhooksUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
      keys,
      clock,
      smtp: 'sender' in smtp ? smtp.sender : null,
      ...(options.onProgress && { onProgress: options.onProgress }),
    };
    if (options.live) {
      // Day after day in real time, the week's incidents scaled into each day.
      const { sendsPerSecond, signal } = options.live;
      totals = { sends: 0, attempts: 0, accepted: 0, feedbackEvents: 0, webhookRequests: 0, startedAt: Date.now(), endedAt: Date.now() };
      // Said once, when the first step has gone out: traffic is flowing (what an operator, or a test, waits for).
      let flowing = false;
      const onProgress = (progress: TrafficProgress) => {
        options.onProgress?.(progress);
        if (flowing) return;
        flowing = true;
        log(`live traffic flowing: the first step sent ${progress.sends} sends (${progress.attempts} attempts)`);
      };
      for (let day = 0; !signal.aborted; day += 1) {
        const now = Date.now();
        const today = await runTraffic({ ...traffic, onProgress, seed: options.seed + day, days: 1, sends: sendsPerSecond * 86_400, endsAt: now + 86_400_000, tickMs: 10_000, paced: true, signal });
        for (const key of ['sends', 'attempts', 'accepted', 'feedbackEvents', 'webhookRequests'] as const) totals[key] += today[key];
        totals.endedAt = Date.now();
      }
    } else {
      totals = await runTraffic({ ...traffic, seed: options.seed, days: options.days, sends: options.sends });
    }
    await instrumentation.settle();
    await processor.forceFlush();
    if (!(await sink.flush(120_000))) throw new Error('the send events were not all delivered within 2 minutes');
    if (ingest && options.kafka) await waitUntilLoaded(options.kafka, groupId, 120_000);
  } finally {
    await providers.stop();
    if ('stop' in smtp) await smtp.stop();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await tracerProvider.shutdown();
    await sink.close(10_000);
    await ingest?.stop();
    await producer?.disconnect();
  }
  return { ...totals, path: options.kafka ? 'kafka' : 'in-process', wallSeconds: (performance.now() - started) / 1000, droppedEvents: sink.stats().dropped, spansExported: exporter.exported };
}

/** Waits until the group has committed every topic it reads up to its end. */
async function waitUntilLoaded(kafka: KafkaSettings, groupId: string, timeoutMs: number): Promise<void> {
  const admin = new kafkajs.Kafka(kafkaClientConfig(kafka, () => undefined)).admin();
  await admin.connect();
  try {
    const topics = [kafka.eventsTopic, kafka.spansTopic, kafka.deliveryTopic];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let behind = 0;
      for (const topic of topics) {
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        const done = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
        for (const end of ends) behind += Math.max(0, Number(end.high) - Math.max(0, done.get(end.partition) ?? 0));
      }
      if (behind === 0) return;
      if (Date.now() > deadline) throw new Error(`the loader is still ${behind} messages behind after ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await admin.disconnect();
  }
}
