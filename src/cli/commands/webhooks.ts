import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { RecipientHasher } from '../../events/index.js';
import type { DeliveryEvent } from '../../events/index.js';
import { decodeDeliveryEvents, InProcessHandoff } from '../../ingest/index.js';
import { createStoreClient, describeStore, migrate, migrationSettingsFromEnv, storeConfigFromEnv } from '../../store/index.js';
import { describeKafka, KafkaHandoff, kafkaSettingsFromEnv, partitionKey, SharedProducer } from '../../transport/index.js';
import { createWebhookServer, DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUTS, feedbackConfigFromEnv, feedbackEndpoints, webhookSettings } from '../../webhooks/index.js';
import type { EventHandoff } from '../../webhooks/index.js';
import { UsageError } from '../errors.js';
import { jsonLogger } from '../log.js';

export interface WebhooksCommandOptions {
  port: string;
  host: string;
  maxBodyBytes?: string;
}

function integer(value: string, name: string, min: number, max: number): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) throw new UsageError(`${name} must be an integer from ${min} to ${max}`);
  return parsed;
}

/**
 * Runs the webhook receiver until SIGTERM/SIGINT. Events go to the delivery
 * topic when KAFKA_BROKERS is set (acknowledged by the broker before the
 * provider hears 200), otherwise straight into the store (single-process mode).
 */
export async function runWebhooks(options: WebhooksCommandOptions): Promise<number> {
  const port = integer(options.port, '--port', 0, 65_535);
  const maxBodyBytes = options.maxBodyBytes === undefined ? DEFAULT_MAX_BODY_BYTES : integer(options.maxBodyBytes, '--max-body-bytes', 1024, 16 * 1024 * 1024);
  const key = process.env.SENDLENS_RECIPIENT_KEY;
  if (!key) throw new UsageError('set SENDLENS_RECIPIENT_KEY (at least 16 bytes): recipients are stored only as keyed hashes');
  const endpoints = feedbackEndpoints(feedbackConfigFromEnv(new RecipientHasher(key)));
  if (endpoints.length === 0) {
    throw new UsageError(`no webhook endpoint is configured: set at least one of ${webhookSettings().join(', ')}`);
  }
  const log = jsonLogger();
  const kafka = kafkaSettingsFromEnv();
  const closers: (() => Promise<void>)[] = [];
  let handoff: EventHandoff<DeliveryEvent>;
  if (kafka) {
    const producer = new SharedProducer(kafka, (level, message) => log(level === 'error' ? 'error' : 'warn', message));
    // Keyed like send events: one sender's feedback stays in order in one partition.
    handoff = new KafkaHandoff<DeliveryEvent>(producer, kafka.deliveryTopic, partitionKey);
    closers.push(() => producer.disconnect());
    log('info', 'handing events to Kafka', { kafka: describeKafka(kafka), topic: kafka.deliveryTopic });
  } else {
    const store = storeConfigFromEnv();
    const settings = migrationSettingsFromEnv();
    const client = await createStoreClient(store);
    await migrate(client, settings);
    handoff = new InProcessHandoff<DeliveryEvent>({ client, database: settings.database, decode: decodeDeliveryEvents, deadLetterFile: join(store.dataDir, 'dead-letters.jsonl') });
    closers.push(() => client.close());
    log('info', 'single-process mode: events go straight into the store', { store: describeStore(store) });
  }
  const server = createWebhookServer({ endpoints, handoff, maxBodyBytes, log });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  log('info', 'listening', { host: address.address, port: address.port, endpoints: endpoints.map((e) => e.path), maxBodyBytes, timeouts: DEFAULT_TIMEOUTS });

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log('info', `${signal}: finishing requests in flight`);
      server.close(() => resolve());
      server.closeIdleConnections();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  for (const close of closers) await close();
  return 0;
}
