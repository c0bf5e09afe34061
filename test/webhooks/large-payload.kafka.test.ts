import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryEvent } from '../../src/events/index.js';
import { KafkaIngest, MAX_MESSAGE_BYTES } from '../../src/ingest/index.js';
import { createStoreClient, migrate } from '../../src/store/index.js';
import { KafkaHandoff, partitionKey, SharedProducer } from '../../src/transport/index.js';
import type { KafkaSettings } from '../../src/transport/index.js';
import { createWebhookServer, DEFAULT_MAX_HANDOFF_BYTES, feedbackEndpoints, WEBHOOK_PATHS } from '../../src/webhooks/index.js';
import { hasher } from '../feedback/helpers.js';
import { brokers, createTopic, fullyCommitted, eventLines, readTopic, testSettings } from '../helpers/kafka.js';
import { largeBounceBatch, postJson } from './large-payload.js';

/**
 * Through the real broker: a 10,000-recipient payload is acknowledged by
 * Kafka in messages the loader reads whole (each under its 1 MiB bound),
 * and every event lands in email_delivery_events.
 */
describe('the receiver with Kafka, with a 10,000-recipient payload', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-webhooks-large-kafka-'));
  const secret = randomBytes(32).toString('base64');
  let client: ClickHouseClient;
  let kafka: KafkaSettings;
  let producer: SharedProducer;
  let server: Server;
  let port = 0;
  const handOffBytes: number[] = [];

  beforeAll(async () => {
    client = await createStoreClient({ dataDir });
    await migrate(client, { database: 'default', retentionDays: 3650, rollupRetentionDays: 3650 });
    kafka = testSettings();
    await createTopic(brokers(), kafka.deliveryTopic, 2);
    producer = new SharedProducer(kafka);
    const kafkaHandoff = new KafkaHandoff<DeliveryEvent>(producer, kafka.deliveryTopic, partitionKey);
    // Records each hand-off (one produce request) on its way to Kafka.
    const handoff = { handOff: (events: DeliveryEvent[]) => (handOffBytes.push(events.reduce((bytes, e) => bytes + Buffer.byteLength(JSON.stringify(e)) + 1, 0)), kafkaHandoff.handOff(events)) };
    server = createWebhookServer({ endpoints: feedbackEndpoints({ hasher, generic: { secret } }), handoff });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await producer.disconnect();
    await client.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 200 once Kafka holds every event, in messages under the loader bound, and the loader stores them all', async () => {
    const payload = largeBounceBatch(10_000, secret);
    const answer = await postJson(port, WEBHOOK_PATHS.generic, payload.body, payload.headers);
    expect(answer).toEqual({ status: 200, body: { accepted: 10_000 } });
    // About 8 MiB of events: several produce requests, none near the broker's 1 MiB record batch bound even uncompressed.
    expect(handOffBytes.length).toBeGreaterThan(10);
    expect(Math.max(...handOffBytes)).toBeLessThanOrEqual(DEFAULT_MAX_HANDOFF_BYTES);

    const messages = await readTopic(brokers(), kafka.deliveryTopic, 10_000, 60_000, (m) => eventLines(m).length);
    expect(messages.reduce((lines, m) => lines + eventLines(m).length, 0)).toBe(10_000);
    expect(Math.max(...messages.map((m) => m.value.length))).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);

    const groupId = `g-${kafka.clientId}`;
    const ingest = new KafkaIngest({ kafka, client, database: 'default', groupId, limits: { maxWaitMs: 100 } });
    await ingest.start();
    try {
      const deadline = Date.now() + 90_000;
      while (!(await fullyCommitted(groupId, kafka.deliveryTopic))) {
        if (Date.now() > deadline) throw new Error('the delivery topic was not loaded within 90 s');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      await ingest.stop();
    }
    const stored = (await (await client.query({ query: 'SELECT toString(event_id) AS id, recipient_hash FROM email_delivery_events ORDER BY id', format: 'JSONEachRow' })).json()) as { id: string; recipient_hash: string }[];
    expect(stored.length).toBe(10_000);
    expect(stored).toEqual(payload.expected.map((e) => ({ id: e.event_id, recipient_hash: e.recipient_hash })).sort((a, b) => a.id.localeCompare(b.id)));
  }, 180_000);
});
