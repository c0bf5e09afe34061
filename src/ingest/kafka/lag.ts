import type { Kafka } from 'kafkajs';
import type { Log } from './log.js';

/** Lag per topic: the end of each partition minus what the group committed; measured, never estimated. */
export async function measureLag(kafka: Kafka, groupId: string, topics: readonly string[], into: Map<string, number>, log: Log, totals: object): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    for (const topic of topics) {
      const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
      const done = new Map((committed?.partitions ?? []).map((p) => [p.partition, Math.max(0, Number(p.offset))]));
      const lag = ends.reduce((sum, end) => sum + Math.max(0, Number(end.high) - (done.get(end.partition) ?? Number(end.low))), 0);
      into.set(topic, lag);
      log('info', 'lag', { topic, lag, ...totals });
    }
  } catch (error) {
    log('warn', 'could not measure lag', { error: (error as Error).message });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
