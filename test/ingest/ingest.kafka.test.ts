import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaIngest, InvalidRatioExceeded } from '../../src/ingest/index.js';
import { createStoreClient, migrate } from '../../src/store/index.js';
import { KafkaEventSink, SharedProducer } from '../../src/transport/index.js';
import type { KafkaSettings } from '../../src/transport/index.js';
import { uuidv7 } from '../../src/events/index.js';
import { sampleEvent } from '../helpers/events.js';
import { brokers, committedMessages, createTopic, fullyCommitted, testSettings } from '../helpers/kafka.js';

const { Kafka, logLevel } = kafkajs;
const settings = { database: 'default', retentionDays: 3650, rollupRetentionDays: 3650 };

async function produceEvents(kafka: KafkaSettings, count: number, tag: string): Promise<void> {
  const producer = new SharedProducer(kafka);
  const sink = new KafkaEventSink({ producer, topic: kafka.eventsTopic, limits: { maxBufferedItems: count + 1, maxBufferedBytes: 512 * 1024 * 1024 } });
  const senders = ['mail.acme.com', 'news.acme.com', 'billing.globex.io', 'alerts.initech.dev', 'tx.umbrella.org'];
  const start = Date.parse('2026-11-20T00:00:00Z');
  for (let i = 0; i < count; i += 1) {
    const failed = i % 5 === 0;
    sink.emit(
      sampleEvent({
        event_id: uuidv7(start + i),
        occurred_at: new Date(start + i * 10).toISOString(),
        sender_domain: senders[i % senders.length] as string,
        workspace: tag,
        message_id: `${tag}-${i}`,
        outcome: failed ? 'failed' : 'sent',
        code: failed ? 'throttling.rate_limited' : null,
        category: failed ? 'throttling' : null,
        retry: failed ? 'backoff' : null,
        status: failed ? 400 : 200,
      }),
    );
  }
  if (!(await sink.flush(120_000))) throw new Error('could not produce the test events');
  await producer.disconnect();
}

async function produceRaw(bootstrap: string, topic: string, values: (string | Buffer)[]): Promise<void> {
  const producer = new Kafka({ brokers: bootstrap.split(','), logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  await producer.send({ topic, messages: values.map((value) => ({ value })) });
  await producer.disconnect();
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('sendlens ingest against the real broker and embedded ClickHouse', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-ingest-'));
  let client: ClickHouseClient;
  const scalar = async (query: string) => Number(((await (await client.query({ query, format: 'JSONEachRow' })).json()) as { n: string }[])[0]?.n ?? Number.NaN);

  beforeAll(async () => {
    client = await createStoreClient({ dataDir });
    await migrate(client, settings);
  });
  afterAll(async () => {
    await client.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('100,000 events in, exactly 100,000 distinct events queryable, and rollups that agree', async () => {
    const kafka = testSettings();
    await createTopic(brokers(), kafka.eventsTopic, 3);
    await produceEvents(kafka, 100_000, 'bulk');
    const ingest = new KafkaIngest({ kafka, client, database: 'default', groupId: `g-${kafka.clientId}` });
    await ingest.start();
    try {
      await waitFor(async () => (await scalar(`SELECT count() AS n FROM email_send_events WHERE startsWith(message_id, 'bulk-')`)) >= 100_000, 120_000, '100,000 rows');
      await waitFor(() => fullyCommitted(`g-${kafka.clientId}`, kafka.eventsTopic), 30_000, 'the full commit');
    } finally {
      await ingest.stop();
    }
    expect(await scalar(`SELECT count() AS n FROM email_send_events WHERE startsWith(message_id, 'bulk-')`)).toBe(100_000);
    expect(await scalar(`SELECT uniqExact(event_id) AS n FROM email_send_events WHERE startsWith(message_id, 'bulk-')`)).toBe(100_000);
    expect(await scalar(`SELECT sum(attempts) AS n FROM email_send_rollup_1m WHERE workspace = 'bulk'`)).toBe(100_000);
    expect(await scalar(`SELECT sum(attempts) AS n FROM email_send_rollup_1m WHERE workspace = 'bulk' AND code = 'throttling.rate_limited'`)).toBe(20_000);
  }, 240_000);

  it('holds back commits while ClickHouse fails, then catches up in full', async () => {
    const kafka = testSettings();
    const groupId = `g-${kafka.clientId}`;
    await createTopic(brokers(), kafka.eventsTopic, 2);
    await client.command({ query: 'DETACH TABLE email_send_events' });
    const ingest = new KafkaIngest({ kafka, client, database: 'default', groupId, limits: { maxWaitMs: 100 } });
    try {
      await ingest.start();
      await produceEvents(kafka, 2_000, 'outage');
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      // Nothing could be written, so nothing was committed.
      expect(await committedMessages(groupId, kafka.eventsTopic)).toBe(0);
      await client.command({ query: 'ATTACH TABLE email_send_events' });
      await waitFor(() => fullyCommitted(groupId, kafka.eventsTopic), 60_000, 'the full commit');
    } finally {
      await client.command({ query: 'ATTACH TABLE IF NOT EXISTS email_send_events' }).catch(() => undefined);
      await ingest.stop();
    }
    expect(await scalar(`SELECT count() AS n FROM email_send_events WHERE startsWith(message_id, 'outage-')`)).toBe(2_000);
    expect(await scalar(`SELECT sum(attempts) AS n FROM email_send_rollup_1m WHERE workspace = 'outage'`)).toBe(2_000);
  }, 120_000);

  it('sends malformed, truncated, wrong-schema and oversized input to the dead-letter topic with reasons while good events flow', async () => {
    const kafka = testSettings();
    const dlq = `${kafka.eventsTopic}.dlq`;
    await createTopic(brokers(), kafka.eventsTopic, 1);
    const good = (i: number) => JSON.stringify(sampleEvent({ event_id: uuidv7(), message_id: `dlq-good-${i}` }));
    const truncated = good(99).slice(0, 60);
    const wrongSchema = JSON.stringify({ ...sampleEvent({ event_id: uuidv7() }), outcome: 'maybe' });
    const oversized = JSON.stringify(sampleEvent({ event_id: uuidv7(), error_message: 'x' })).replace('"x"', `"${'x'.repeat(20_000)}"`);
    await produceRaw(brokers(), kafka.eventsTopic, [good(1), '{"event_id": nope', `${good(2)}\n${truncated}\n${good(3)}`, wrongSchema, oversized, good(4)]);
    const ingest = new KafkaIngest({ kafka, client, database: 'default', groupId: `g-${kafka.clientId}`, deadLetterTopic: dlq, limits: { maxWaitMs: 100 } });
    await ingest.start();
    try {
      // Dead letters are stored before the commit, so a full commit means they are all there.
      await waitFor(() => fullyCommitted(`g-${kafka.clientId}`, kafka.eventsTopic), 30_000, 'the full commit');
      expect(await scalar(`SELECT count() AS n FROM email_send_events WHERE startsWith(message_id, 'dlq-good-')`)).toBe(4);
      const byReason = await dlqHeaders(dlq);
      expect(byReason.map((h) => h.reason.split(':')[0]).sort()).toEqual(['malformed JSON', 'malformed JSON', 'oversized event', 'schema']);
      expect(byReason.find((h) => h.reason.startsWith('schema'))?.reason).toContain('/outcome');
      expect(byReason.every((h) => h.topic === kafka.eventsTopic && h.offset !== '')).toBe(true);
      expect(byReason.find((h) => h.line === '1')?.value).toBe(truncated);
    } finally {
      await ingest.stop();
    }
  }, 120_000);

  it('stops rather than dead-letter a stream that is mostly invalid, committing nothing', async () => {
    const kafka = testSettings();
    const groupId = `g-${kafka.clientId}`;
    await createTopic(brokers(), kafka.eventsTopic, 1);
    await produceRaw(brokers(), kafka.eventsTopic, Array.from({ length: 60 }, () => Array.from({ length: 200 }, () => 'garbage').join('\n')));
    const ingest = new KafkaIngest({ kafka, client, database: 'default', groupId, maxInvalidRatio: 0.2 });
    await ingest.start();
    await expect(ingest.done).rejects.toBeInstanceOf(InvalidRatioExceeded);
    expect(await committedMessages(groupId, kafka.eventsTopic)).toBe(0);
  }, 60_000);

  it('splits the partitions between several loaders in one group', async () => {
    const kafka = testSettings();
    const groupId = `g-${kafka.clientId}`;
    await createTopic(brokers(), kafka.eventsTopic, 4);
    const first = new KafkaIngest({ kafka, client, database: 'default', groupId, limits: { maxWaitMs: 100 } });
    const second = new KafkaIngest({ kafka, client, database: 'default', groupId, limits: { maxWaitMs: 100 } });
    await first.start();
    await second.start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 3_000)); // let the group settle with both members
      await produceEvents(kafka, 4_000, 'split');
      await waitFor(() => fullyCommitted(groupId, kafka.eventsTopic), 60_000, 'every event committed');
      expect(first.totals.rows).toBeGreaterThan(0);
      expect(second.totals.rows).toBeGreaterThan(0);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
    expect(await scalar(`SELECT count() AS n FROM email_send_events WHERE startsWith(message_id, 'split-')`)).toBe(4_000);
    expect(await scalar(`SELECT sum(attempts) AS n FROM email_send_rollup_1m WHERE workspace = 'split'`)).toBe(4_000);
  }, 120_000);
});

async function dlqHeaders(topic: string): Promise<{ reason: string; topic: string; offset: string; line: string; value: string }[]> {
  const kafka = new Kafka({ brokers: brokers().split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `dlq-reader-${uuidv7()}` });
  const out: { reason: string; topic: string; offset: string; line: string; value: string }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        const h = (name: string) => message.headers?.[name]?.toString() ?? '';
        out.push({ reason: h('sendlens.reason'), topic: h('sendlens.source.topic'), offset: h('sendlens.source.offset'), line: h('sendlens.source.line'), value: message.value?.toString() ?? '' });
        if (out.length >= 4) resolve();
      },
    });
  });
  await consumer.disconnect();
  return out;
}
