import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import type { KafkaMessage } from 'kafkajs';
import { inject } from 'vitest';
import type { KafkaSettings } from '../../src/transport/index.js';

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
    ...overrides,
  };
}

export async function createTopic(bootstrap: string, topic: string, partitions = 3): Promise<void> {
  const admin = new Kafka({ brokers: bootstrap.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

export interface ReadMessage {
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer;
}

/** Reads a topic from the beginning until `count` messages arrived (or throws after `timeoutMs`). */
export async function readTopic(bootstrap: string, topic: string, count: number, timeoutMs = 30_000): Promise<ReadMessage[]> {
  const kafka = new Kafka({ brokers: bootstrap.split(','), logLevel: logLevel.NOTHING, clientId: 'sendlens-test-reader' });
  const consumer = kafka.consumer({ groupId: `sendlens-test-${randomUUID()}` });
  const messages: ReadMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${messages.length} of ${count} messages from ${topic} in ${timeoutMs} ms`)), timeoutMs);
      const take = (partition: number, message: KafkaMessage) => {
        messages.push({ partition, offset: message.offset, key: message.key?.toString('utf8') ?? null, value: message.value ?? Buffer.alloc(0) });
        if (messages.length >= count) {
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
