import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createStoreClient } from '../../src/store/index.js';
import { KafkaEventSink, SharedProducer } from '../../src/transport/index.js';
import type { KafkaSettings } from '../../src/transport/index.js';
import { uuidv7 } from '../../src/events/index.js';
import { sampleEvent } from '../helpers/events.js';
import { spawnCli } from '../helpers/cli.js';
import type { CliProcess } from '../helpers/cli.js';
import { brokers, createTopic, fullyCommitted, testSettings } from '../helpers/kafka.js';


async function produce(kafka: KafkaSettings, from: number, count: number): Promise<void> {
  const producer = new SharedProducer(kafka);
  const sink = new KafkaEventSink({ producer, topic: kafka.eventsTopic, limits: { maxBufferedItems: count + 1 } });
  for (let i = from; i < from + count; i += 1) sink.emit(sampleEvent({ event_id: uuidv7(), workspace: 'crash', message_id: `crash-${i}`, sender_domain: `s${i % 7}.example.com` }));
  if (!(await sink.flush(60_000))) throw new Error('could not produce');
  await producer.disconnect();
}


/** `sendlens ingest` as its own process, as an operator runs it. */
function ingest(kafka: KafkaSettings, dataDir: string, groupId: string, extraEnv: Record<string, string> = {}): CliProcess {
  return spawnCli(['ingest', '--group', groupId, '--batch-rows', '400', '--batch-wait-ms', '300'], { KAFKA_BROKERS: brokers(), SENDLENS_EVENTS_TOPIC: kafka.eventsTopic, SENDLENS_DATA_DIR: dataDir, CLICKHOUSE_URL: '', ...extraEnv });
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const batches = (run: CliProcess) => run.logs.filter((l) => l.msg === 'batch written');

describe('a loader killed with SIGKILL mid-batch', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-crash-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('loses nothing and counts nothing twice after restarts', async () => {
    const kafka = testSettings();
    const groupId = `crash-${kafka.clientId}`;
    await createTopic(brokers(), kafka.eventsTopic, 2);
    await produce(kafka, 0, 5_000);

    // 1. Dies right after its third batch landed in ClickHouse, before that batch was committed.
    const first = ingest(kafka, dataDir, groupId, { SENDLENS_FAULT_KILL_AFTER_WRITES: '3' });
    expect(await first.exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await fullyCommitted(groupId, kafka.eventsTopic)).toBe(false);

    // 2. More arrives meanwhile, so a naive restart would cut its batches differently.
    await produce(kafka, 5_000, 3_000);

    // 3. Killed from outside at whatever moment its second batch is done.
    const second = ingest(kafka, dataDir, groupId);
    await until(() => batches(second).length >= 2, 60_000, 'two batches from the second run');
    second.child.kill('SIGKILL');
    expect((await second.exit).signal).toBe('SIGKILL');

    // 4. Runs to the end and stops cleanly on SIGTERM.
    const third = ingest(kafka, dataDir, groupId);
    await until(() => fullyCommitted(groupId, kafka.eventsTopic), 120_000, 'everything committed');
    third.child.kill('SIGTERM');
    expect(await third.exit).toEqual({ code: 0, signal: null });
    expect(third.logs.some((l) => l.msg === 'ingest stopped')).toBe(true);
    // The first batch after the crash replayed the logged range rather than cutting a new one.
    expect([...batches(second), ...batches(third)].some((l) => l.replay === true)).toBe(true);

    const client = await createStoreClient({ dataDir });
    try {
      const scalar = async (query: string) => Number(((await (await client.query({ query, format: 'JSONEachRow' })).json()) as { n: string }[])[0]?.n);
      expect(await scalar(`SELECT count() AS n FROM email_send_events WHERE workspace = 'crash'`)).toBe(8_000);
      expect(await scalar(`SELECT uniqExact(message_id) AS n FROM email_send_events WHERE workspace = 'crash'`)).toBe(8_000);
      expect(await scalar(`SELECT sum(attempts) AS n FROM email_send_rollup_1m WHERE workspace = 'crash'`)).toBe(8_000);
    } finally {
      await client.close();
    }
  }, 300_000);
});
