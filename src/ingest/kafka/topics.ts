import type { Kafka } from 'kafkajs';

/**
 * Dead letters must have somewhere to go before the first batch needs them;
 * a source topic nobody has written yet (the spans topic of a service
 * without tracing) is created with the broker's default partition count,
 * because subscribing to a topic whose leader is still being elected fails.
 */
export async function ensureTopics(kafka: Kafka, sourceTopics: readonly string[], deadLetterTopic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [
      ...sourceTopics.filter((topic) => !existing.has(topic)).map((topic) => ({ topic })),
      ...(existing.has(deadLetterTopic) ? [] : [{ topic: deadLetterTopic, numPartitions: 1 }]),
    ];
    if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}
