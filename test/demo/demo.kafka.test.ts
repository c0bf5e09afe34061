import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { brokers, readTopic } from '../helpers/kafka.js';

describe('sendlens demo through the real broker', () => {
  it('with KAFKA_BROKERS, events, spans and feedback travel over Kafka topics and a consumer group into ClickHouse', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-demo-kafka-'));
    const suffix = randomUUID().slice(0, 8);
    const topics = { SENDLENS_EVENTS_TOPIC: `demo.events.${suffix}`, SENDLENS_SPANS_TOPIC: `demo.spans.${suffix}`, SENDLENS_DELIVERY_TOPIC: `demo.delivery.${suffix}` };
    try {
      const result = runCli(['demo', '--days', '1', '--sends', '2000', '--json', '--no-report'], '', { KAFKA_BROKERS: brokers(), SENDLENS_DATA_DIR: dataDir, CLICKHOUSE_URL: '', ...topics });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const { run, summary } = JSON.parse(result.stdout) as { run: { path: string; attempts: number; feedbackEvents: number }; summary: { volumes: { total: number }[]; spans: number; feedback: { total: number }[] } };
      expect(run.path).toBe('kafka');
      expect(summary.volumes.reduce((sum, v) => sum + v.total, 0)).toBe(run.attempts);
      expect(summary.spans).toBe(run.attempts);
      expect(summary.feedback.reduce((sum, f) => sum + f.total, 0)).toBe(run.feedbackEvents);
      // And the topics really carried them.
      const [delivery] = await readTopic(brokers(), topics.SENDLENS_DELIVERY_TOPIC, 1);
      expect(JSON.parse(delivery?.value.toString().split('\n')[0] ?? '{}')).toMatchObject({ schema_version: 1 });
      const [span] = await readTopic(brokers(), topics.SENDLENS_SPANS_TOPIC, 1);
      expect(span?.value.length).toBeGreaterThan(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
