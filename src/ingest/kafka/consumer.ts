import type { ConsumerConfig, KafkaMessage } from 'kafkajs';
import { cutRecordInfo } from '../bounded-gzip.js';
import type { SourceMessage } from '../types.js';

/**
 * The group consumer's settings. Retries are few and kafkajs never restarts a
 * consumer in place: the ingest's supervisor starts a fresh one instead.
 */
export function consumerConfig(groupId: string): ConsumerConfig {
  return {
    groupId,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
    maxBytesPerPartition: 8 * 1024 * 1024,
    maxWaitTimeInMs: 250,
    allowAutoTopicCreation: true,
    retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 3_000, restartOnFailure: async () => false },
  };
}

/** A fetched Kafka message as the steps take it, with the cut-while-decompressing mark if any. */
export function toSource(topic: string, partition: number, message: KafkaMessage): SourceMessage {
  const source: SourceMessage = { topic, partition, offset: BigInt(message.offset), key: message.key ?? null, value: message.value ?? null };
  const cut = cutRecordInfo(message.headers);
  if (cut) source.truncatedFrom = cut;
  return source;
}
