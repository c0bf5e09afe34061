import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreClient } from '../../src/store/index.js';
import { KafkaEventSink, SharedProducer } from '../../src/transport/index.js';
import type { KafkaSettings } from '../../src/transport/index.js';
import { uuidv7 } from '../../src/events/index.js';
import { sampleEvent } from '../helpers/events.js';
import { spawnCli } from '../helpers/cli.js';
import type { CliProcess } from '../helpers/cli.js';
import { PrivateBroker, createTopic, fullyCommitted, testSettings } from '../helpers/kafka.js';

/**
 * `sendlens ingest` (the built CLI, as an operator runs it) against a broker
 * of this file's own, which the tests stop and start again on the same ports
 * and data: the loader must reconnect, rejoin, resume every partition, lose
 * and double-count nothing, and stop on one SIGTERM whatever state it is in.
 */


function ingest(broker: PrivateBroker, kafka: KafkaSettings, dataDir: string, groupId: string): CliProcess {
  return spawnCli(['ingest', '--group', groupId, '--batch-rows', '200', '--batch-wait-ms', '200'], { KAFKA_BROKERS: broker.bootstrap, SENDLENS_EVENTS_TOPIC: kafka.eventsTopic, SENDLENS_DATA_DIR: dataDir, CLICKHOUSE_URL: '' });
}

async function produce(kafka: KafkaSettings, tag: string, from: number, count: number): Promise<void> {
  const producer = new SharedProducer(kafka);
  const sink = new KafkaEventSink({ producer, topic: kafka.eventsTopic, limits: { maxBufferedItems: count + 1 }, maxMessageBytes: 4 * 1024 });
  for (let i = from; i < from + count; i += 1) sink.emit(sampleEvent({ event_id: uuidv7(), workspace: tag, message_id: `${tag}-${i}`, sender_domain: `s${i % 11}.example.com` }));
  if (!(await sink.flush(60_000))) throw new Error('could not produce');
  await producer.disconnect();
}

/** Waits for `check` (errors count as not yet: the broker may be down), failing at once if the loader exited meanwhile. */
async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, run?: CliProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await Promise.resolve().then(check).catch(() => false))) {
    if (run && (run.child.exitCode !== null || run.child.signalCode !== null)) {
      const last = run.logs.slice(-5).map((l) => JSON.stringify(l)).join('\n');
      throw new Error(`the loader exited (code ${run.child.exitCode}, signal ${run.child.signalCode}) while waiting for ${what}; last logs:\n${last}`);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Exits within the deadline, or is killed and reported as hanging. */
async function exitOf(run: CliProcess, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), timeoutMs);
  });
  const outcome = await Promise.race([run.exit, hung]);
  clearTimeout(timer);
  if (outcome === 'hung') {
    run.child.kill('SIGKILL');
    await run.exit;
  }
  return outcome;
}

const batches = (run: CliProcess) => run.logs.filter((l) => l.msg === 'batch written').length;

describe('the loader rides out broker restarts', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-broker-restart-'));
  let broker: PrivateBroker;

  beforeAll(async () => {
    broker = await PrivateBroker.start();
  }, 180_000);
  afterAll(async () => {
    await broker?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function counts(tag: string): Promise<{ rows: number; distinct: number; rollup: number }> {
    const client = await createStoreClient({ dataDir });
    try {
      const scalar = async (query: string) => Number(((await (await client.query({ query, format: 'JSONEachRow' })).json()) as { n: string }[])[0]?.n);
      return {
        rows: await scalar(`SELECT count() AS n FROM email_send_events WHERE workspace = '${tag}'`),
        distinct: await scalar(`SELECT uniqExact(message_id) AS n FROM email_send_events WHERE workspace = '${tag}'`),
        rollup: await scalar(`SELECT sum(attempts) AS n FROM email_send_rollup_1m WHERE workspace = '${tag}'`),
      };
    } finally {
      await client.close();
    }
  }

  for (const outageSeconds of [5, 15, 60]) {
    it(`a ${outageSeconds} s outage mid-ingest: everything lands exactly once and every offset commits`, async () => {
      const tag = `outage${outageSeconds}`;
      const kafka = testSettings({ brokers: [broker.bootstrap] });
      const groupId = `g-${tag}-${kafka.clientId}`;
      await createTopic(broker.bootstrap, kafka.eventsTopic, 3);
      await produce(kafka, tag, 0, 4_000);

      const run = ingest(broker, kafka, dataDir, groupId);
      let exit: Awaited<ReturnType<typeof exitOf>>;
      try {
        await until(() => batches(run) >= 2, 120_000, 'the first batches', run);
        await broker.stop();
        await new Promise((resolve) => setTimeout(resolve, outageSeconds * 1000));
        await broker.startAgain();
        // More arrives after the restart, so the loader must be consuming again, not only finishing.
        await produce(kafka, tag, 4_000, 2_000);
        await until(() => fullyCommitted(groupId, kafka.eventsTopic, broker.bootstrap), 240_000, 'every offset committed after the restart', run);
      } finally {
        await broker.startAgain();
        run.child.kill('SIGTERM');
        exit = await exitOf(run, 60_000);
      }
      // One SIGTERM, a clean exit: the embedded engine closed after its last write.
      expect(exit).toEqual({ code: 0, signal: null });
      expect(run.logs.some((l) => l.msg === 'ingest stopped')).toBe(true);
      expect(await counts(tag)).toEqual({ rows: 6_000, distinct: 6_000, rollup: 6_000 });
    }, 420_000);
  }

  it('one SIGTERM stops it while it is trying to rejoin a broker that is down', async () => {
    const tag = 'sigterm';
    const kafka = testSettings({ brokers: [broker.bootstrap] });
    const groupId = `g-${tag}-${kafka.clientId}`;
    await createTopic(broker.bootstrap, kafka.eventsTopic, 2);
    await produce(kafka, tag, 0, 1_000);
    const run = ingest(broker, kafka, dataDir, groupId);
    let exit: Awaited<ReturnType<typeof exitOf>>;
    try {
      await until(() => fullyCommitted(groupId, kafka.eventsTopic, broker.bootstrap), 120_000, 'everything committed', run);
      const logsBefore = run.logs.length;
      await broker.stop();
      // Kafka errors in its log: the consumer is failing (and being replaced, or rejoining).
      await until(() => run.logs.slice(logsBefore).some((l) => l.level === 'error' || l.level === 'warn'), 120_000, 'the loader noticing the outage', run);
    } finally {
      run.child.kill('SIGTERM');
      exit = await exitOf(run, 90_000);
      await broker.startAgain();
    }
    expect(exit).toEqual({ code: 0, signal: null });
    expect(await counts(tag)).toEqual({ rows: 1_000, distinct: 1_000, rollup: 1_000 });
  }, 300_000);
});
