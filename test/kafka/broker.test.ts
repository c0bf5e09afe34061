import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { describe, expect, inject, test } from 'vitest';
import { runningBroker, startBroker, stopBroker } from '../../scripts/kafka/local-broker.js';

const brokers = inject('kafkaBrokers')
  .split(',')
  .map((broker) => broker.trim())
  .filter((broker) => broker.length > 0);

function kafka(): Kafka {
  // kafkajs logs retriable coordinator errors at ERROR while it retries them; failures still throw.
  return new Kafka({ clientId: 'sendlens-broker-test', brokers, logLevel: logLevel.NOTHING });
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** kill(pid, 0) without the library's help: ESRCH is the only proof that a pid is gone. */
function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Every live process whose command line names `dir`: the JVM and its watchdog both do. */
function processesMentioning(dir: string): string[] {
  const table = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return table.split('\n').filter((line) => line.includes(dir));
}

describe('local Kafka broker', () => {
  test('the run broker reaches the workers through inject() and process.env', () => {
    expect(brokers.length).toBeGreaterThan(0);
    expect(process.env.KAFKA_BROKERS?.trim()).toBe(inject('kafkaBrokers'));
  });

  test('kafkajs creates a topic, produces to it and consumes the messages back', async () => {
    const client = kafka();
    const topic = `sendlens-broker-test-${randomUUID()}`;
    const groupId = `${topic}-group`;
    const admin = client.admin();
    // Idempotent on purpose: it needs InitProducerId and acks=all, the parts of the produce path
    // that older protocol versions (removed in Kafka 4) would break first.
    const producer = client.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    // A short fetch wait, because disconnect() waits for the fetch in flight (5 s by default).
    const consumer = client.consumer({ groupId, maxWaitTimeInMs: 100 });
    try {
      await admin.connect();
      const created = await admin.createTopics({
        topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
        waitForLeaders: true,
      });
      expect(created).toBe(true);
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(metadata.topics[0]?.partitions).toHaveLength(3);

      const sent = Array.from({ length: 30 }, (_, i) => ({ key: `recipient-${i % 5}`, value: `event-${i}` }));
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: sent });

      const received: { key: string; value: string; partition: number }[] = [];
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          received.push({ partition, key: message.key?.toString() ?? '', value: message.value?.toString() ?? '' });
        },
      });
      await until(() => received.length >= sent.length, 20_000);

      expect(received.map((m) => m.value).sort()).toEqual(sent.map((m) => m.value).sort());
      for (const key of new Set(sent.map((m) => m.key))) {
        const forKey = received.filter((m) => m.key === key);
        expect(new Set(forKey.map((m) => m.partition)).size).toBe(1);
        expect(forKey.map((m) => m.value)).toEqual(sent.filter((m) => m.key === key).map((m) => m.value));
      }

      // The group commits what it consumed (kafkajs commits after each batch, so poll for the last
      // one): offsets start at 0 on a new topic, so the committed ones add up to the message count.
      const committed = async (): Promise<number> => {
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return (offsets?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
      };
      await until(async () => (await committed()) === sent.length, 10_000);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      // Leaves nothing behind on a shared broker named by KAFKA_BROKERS.
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  test('startBroker and stopBroker on a second broker leave no process behind', { timeout: 120_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sendlens-kafka-second-'));
    try {
      // A cluster id that starts with '-', as a random base64url one does one time in 64: once, storage formatting read it as an option.
      const clusterId = '-sendlensClusterId0001A';
      const broker = await startBroker({ dir, stopWithProcess: process.pid, clusterId });
      expect(await readFile(join(dir, 'data', 'meta.properties'), 'utf8')).toContain(`cluster.id=${clusterId}`);
      expect(brokers).not.toContain(broker.bootstrap);
      expect(pidExists(broker.pid)).toBe(true);
      expect(await runningBroker(dir)).toEqual(broker);
      expect(processesMentioning(dir).length).toBeGreaterThan(0);

      expect(await stopBroker(broker)).toEqual({ stopped: true, forced: false });
      // This worker is the JVM's parent; give it a moment to reap the exited child.
      await until(() => !pidExists(broker.pid), 2_000);
      expect(processesMentioning(dir)).toEqual([]);
      await expect(access(join(dir, 'kafka.pid'))).rejects.toThrow();
      expect(await runningBroker(dir)).toBeUndefined();
      expect(await stopBroker(dir)).toEqual({ stopped: false, forced: false });
    } finally {
      await stopBroker(dir).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
