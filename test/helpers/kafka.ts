import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import type { KafkaMessage } from 'kafkajs';
import { inject } from 'vitest';
import { installBoundedZstd } from '../../src/ingest/index.js';
import type { KafkaSettings } from '../../src/transport/index.js';
import { startBroker, stopBroker } from '../../scripts/kafka/local-broker.js';
import type { BrokerHandle } from '../../scripts/kafka/local-broker.js';

const { Kafka, logLevel } = kafkajs;

/** The run's broker (from test/global-setup.ts); the kafka project always has one. */
export function brokers(): string {
  const value = inject('kafkaBrokers');
  if (!value) throw new Error('no Kafka broker was provided to this test (is it in the kafka project?)');
  return value;
}

export function testSettings(overrides: Partial<KafkaSettings> = {}): KafkaSettings {
  const suffix = randomUUID().slice(0, 8);
  return {
    brokers: brokers().split(','),
    clientId: `sendlens-test-${suffix}`,
    ssl: false,
    eventsTopic: `email.send.events.test-${suffix}`,
    spansTopic: `otlp_spans.test-${suffix}`,
    deliveryTopic: `email.delivery.events.test-${suffix}`,
    ...overrides,
  };
}

export async function createTopic(bootstrap: string, topic: string, partitions = 3, config: Record<string, string> = {}): Promise<void> {
  const admin = new Kafka({ brokers: bootstrap.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const configEntries = Object.entries(config).map(([name, value]) => ({ name, value }));
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1, configEntries }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

export interface ReadMessage {
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer;
  /** Header values as UTF-8 text (the dead-letter topic says why and where from in them). */
  headers: Record<string, string>;
}

/** Events in a message of the events topic: JSON Lines, one event per line. */
export const eventLines = (message: ReadMessage): string[] => message.value.toString('utf8').split('\n').filter(Boolean);

/**
 * Reads a topic from the beginning until `count` items arrived (or throws
 * after `timeoutMs`); an item is a message unless `itemsIn` counts otherwise.
 */
export async function readTopic(bootstrap: string, topic: string, count: number, timeoutMs = 30_000, itemsIn: (message: ReadMessage) => number = () => 1): Promise<ReadMessage[]> {
  // sendlens produces zstd, which kafkajs cannot read without a codec (a process that produced installed one).
  installBoundedZstd();
  const kafka = new Kafka({ brokers: bootstrap.split(','), logLevel: logLevel.NOTHING, clientId: 'sendlens-test-reader' });
  const consumer = kafka.consumer({ groupId: `sendlens-test-${randomUUID()}` });
  const messages: ReadMessage[] = [];
  let items = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${items} of ${count} from ${topic} in ${timeoutMs} ms`)), timeoutMs);
      const take = (partition: number, message: KafkaMessage) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, value?.toString() ?? '']));
        const read = { partition, offset: message.offset, key: message.key?.toString('utf8') ?? null, value: message.value ?? Buffer.alloc(0), headers };
        messages.push(read);
        items += itemsIn(read);
        if (items >= count) {
          clearTimeout(timer);
          resolve();
        }
      };
      void consumer.run({ eachMessage: async ({ partition, message }) => take(partition, message) }).catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** True once the group has committed every partition of the topic up to its end. */
export async function fullyCommitted(groupId: string, topic: string, bootstrap = brokers()): Promise<boolean> {
  const admin = new Kafka({ brokers: bootstrap.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    const done = new Map((entry?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    // An empty partition (high watermark 0) has nothing to commit.
    return ends.every((end) => Number(end.high) === 0 || (done.get(end.partition) ?? -1) >= Number(end.high));
  } finally {
    await admin.disconnect();
  }
}

/** Messages the group has committed on the topic (0 when it committed nothing). */
export async function committedMessages(groupId: string, topic: string, bootstrap = brokers()): Promise<number> {
  const admin = new Kafka({ brokers: bootstrap.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (entry?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/**
 * A broker of a test's own, in its own temp dir, that the test may stop and
 * start again on the same ports with the same data (a broker outage), without
 * disturbing the run's shared broker.
 */
export class PrivateBroker {
  #handle: BrokerHandle | undefined;

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly controllerPort: number,
  ) {}

  static async start(): Promise<PrivateBroker> {
    const dir = await mkdtemp(join(tmpdir(), 'sendlens-private-kafka-'));
    const [port, controllerPort] = await freePorts(2);
    const broker = new PrivateBroker(dir, port as number, controllerPort as number);
    await broker.startAgain();
    return broker;
  }

  get bootstrap(): string {
    return `127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#handle !== undefined;
  }

  /** Starts the broker on the same ports and log dir (its topics, offsets and groups survive). */
  async startAgain(): Promise<void> {
    if (this.#handle) return;
    // A port the stopped broker held may take a moment to be released.
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        this.#handle = await startBroker({ dir: this.dir, port: this.port, controllerPort: this.controllerPort, stopWithProcess: process.pid, startTimeoutMs: 120_000 });
        return;
      } catch (error) {
        if (!/already in use/.test((error as Error).message) || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }

  /** Stops the broker the way an operator restart does (SIGTERM, SIGKILL after the grace). */
  async stop(): Promise<void> {
    if (!this.#handle) return;
    const handle = this.#handle;
    this.#handle = undefined;
    await stopBroker(handle, { timeoutMs: 30_000 });
  }

  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Ports free right now on 127.0.0.1, all distinct (each held until all are chosen: one at a time, the OS may hand out the same port twice). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<Server>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}
