import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEAD_BYTES, KafkaIngest } from '../../src/ingest/index.js';
import { createStoreClient, migrate } from '../../src/store/index.js';
import { uuidv7 } from '../../src/events/index.js';
import { sampleEvent } from '../helpers/events.js';
import { brokers, createTopic, fullyCommitted, readTopic, testSettings } from '../helpers/kafka.js';
import type { ReadMessage } from '../helpers/kafka.js';

const { CompressionTypes, Kafka, logLevel } = kafkajs;
const settings = { database: 'default', retentionDays: 3650, rollupRetentionDays: 3650 };

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Produces each message in its own request, in order, compressed as asked (one partition, so offsets follow the order). */
async function produceInOrder(topic: string, messages: { value: Buffer; gzip?: boolean }[]): Promise<void> {
  const producer = new Kafka({ brokers: brokers().split(','), logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  try {
    for (const message of messages) {
      await producer.send({ topic, compression: message.gzip ? CompressionTypes.GZIP : CompressionTypes.None, messages: [{ value: message.value }] });
    }
  } finally {
    await producer.disconnect();
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const goodEvent = (tag: string, i: number) => Buffer.from(JSON.stringify(sampleEvent({ event_id: uuidv7(), workspace: tag, message_id: `${tag}-${i}` })));

/** Everything a bounded dead letter promises: why, where from, how big the original was, its digest and its first bytes. */
function expectBounded(letter: ReadMessage | undefined, original: Buffer, reason: RegExp): void {
  expect(letter).toBeDefined();
  const { headers, value } = letter as ReadMessage;
  expect(headers['sendlens.reason']).toMatch(reason);
  expect(headers['sendlens.original.truncated']).toBe('true');
  expect(Number(headers['sendlens.original.bytes'])).toBe(original.length);
  expect(headers['sendlens.original.sha256']).toBe(sha256(original));
  expect(value.length).toBe(DEAD_LETTER_HEAD_BYTES);
  expect(value.equals(original.subarray(0, DEAD_LETTER_HEAD_BYTES))).toBe(true);
}

describe('dead letters never block a partition (real broker, embedded ClickHouse)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-deadletters-'));
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

  it('a 2 MB message, a gzip bomb and a 1 MB field each end as a bounded dead letter; the rows around them land once; every offset commits', async () => {
    const kafka = testSettings();
    const groupId = `g-${kafka.clientId}`;
    const dlq = `${kafka.eventsTopic}.dlq`;
    // The topic takes messages up to 4 MiB, so a 2 MB message gets in; the dead-letter topic keeps the broker's 1 MB default.
    await createTopic(brokers(), kafka.eventsTopic, 1, { 'max.message.bytes': String(4 * 1024 * 1024) });
    const twoMegabytes = Buffer.alloc(2 * 1024 * 1024, 'a');
    // 128 MiB of one byte: about 128 KiB gzipped, well inside the broker's limit.
    const bomb = Buffer.alloc(128 * 1024 * 1024, 'b');
    const hugeField = Buffer.from(JSON.stringify(sampleEvent({ event_id: uuidv7(), workspace: 'bounded', error_message: 'x' })).replace('"x"', `"${'x'.repeat(1_000_000)}"`));
    await produceInOrder(kafka.eventsTopic, [
      { value: goodEvent('bounded', 1) },
      { value: twoMegabytes },
      { value: goodEvent('bounded', 2), gzip: true },
      { value: bomb, gzip: true },
      { value: goodEvent('bounded', 3) },
      { value: hugeField },
      { value: goodEvent('bounded', 4) },
    ]);

    const ingest = new KafkaIngest({ kafka, client, database: 'default', groupId, deadLetterTopic: dlq, limits: { maxWaitMs: 100 } });
    await ingest.start();
    try {
      // Dead letters are stored before the commit, so a full commit means they are all there.
      await waitFor(() => fullyCommitted(groupId, kafka.eventsTopic), 90_000, 'every offset committed');
    } finally {
      await ingest.stop();
    }

    expect(await scalar(`SELECT count() AS n FROM email_send_events WHERE workspace = 'bounded'`)).toBe(4);
    expect(await scalar(`SELECT uniqExact(message_id) AS n FROM email_send_events WHERE workspace = 'bounded'`)).toBe(4);
    expect(await scalar(`SELECT sum(attempts) AS n FROM email_send_rollup_1m WHERE workspace = 'bounded'`)).toBe(4);

    const letters = await readTopic(brokers(), dlq, 3, 30_000);
    expect(letters).toHaveLength(3);
    const from = (offset: string) => letters.find((letter) => letter.headers['sendlens.source.offset'] === offset);
    expectBounded(from('1'), twoMegabytes, /^oversized: 2097152 bytes/);
    expectBounded(from('3'), bomb, /^oversized after decompression: 134217728 bytes/);
    expectBounded(from('5'), hugeField, /^oversized event: /);
    expect(from('5')?.headers['sendlens.source.line']).toBe('0');
    for (const letter of letters) expect(letter.headers['sendlens.source.topic']).toBe(kafka.eventsTopic);
  }, 180_000);

  it('a dead letter the broker refuses as too large is sent again cut, and the offset commits', async () => {
    const kafka = testSettings();
    const groupId = `g-${kafka.clientId}`;
    const dlq = `${kafka.eventsTopic}.dlq`;
    await createTopic(brokers(), kafka.eventsTopic, 1);
    // A dead-letter topic stricter than our own bound: a 100 KiB letter is under the bound but over this.
    await createTopic(brokers(), dlq, 1, { 'max.message.bytes': String(64 * 1024) });
    const badLine = Buffer.from(`{"not an event": "${'y'.repeat(100 * 1024)}"}`);
    const small = Buffer.from('{"event_id": nope');
    await produceInOrder(kafka.eventsTopic, [{ value: goodEvent('refused', 1) }, { value: badLine }, { value: small }, { value: goodEvent('refused', 2) }]);

    const ingest = new KafkaIngest({ kafka, client, database: 'default', groupId, deadLetterTopic: dlq, limits: { maxWaitMs: 100 } });
    await ingest.start();
    try {
      await waitFor(() => fullyCommitted(groupId, kafka.eventsTopic), 60_000, 'every offset committed');
    } finally {
      await ingest.stop();
    }
    expect(await scalar(`SELECT count() AS n FROM email_send_events WHERE workspace = 'refused'`)).toBe(2);
    const letters = await readTopic(brokers(), dlq, 2, 30_000);
    const cut = letters.find((letter) => letter.headers['sendlens.source.offset'] === '1');
    expectBounded(cut, badLine, /^oversized event: /);
    // The small letter that went with it is kept whole.
    const whole = letters.find((letter) => letter.headers['sendlens.source.offset'] === '2');
    expect(whole?.value.toString()).toBe(small.toString());
    expect(whole?.headers['sendlens.original.truncated']).toBeUndefined();
  }, 120_000);
});
