/**
 * vitest globalSetup of the `kafka` project: one real broker for the whole run.
 *
 * With KAFKA_BROKERS set, that broker is used as is. Otherwise a fresh broker starts in a temp dir
 * on free ports (so it never collides with `npm run kafka:start` or another run) and is stopped in
 * teardown. No broker means a thrown error: the kafka tests fail loudly rather than skip.
 *
 * Tests read the address with `inject('kafkaBrokers')`. process.env.KAFKA_BROKERS is set too, for
 * code under test that reads its configuration from the environment: vitest snapshots process.env
 * for the forked workers after every globalSetup has run, so the workers inherit it (the workers of
 * the other projects in the same run included).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startBroker, stopBroker, type BrokerHandle } from '../scripts/kafka/local-broker.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Bootstrap servers of the run's Kafka broker, comma-separated as in KAFKA_BROKERS. */
    kafkaBrokers: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const given = process.env.KAFKA_BROKERS?.trim();
  if (given) {
    project.provide('kafkaBrokers', given);
    return undefined;
  }

  const dir = await mkdtemp(join(tmpdir(), 'sendlens-kafka-'));
  let broker: BrokerHandle;
  try {
    // Bound to this process: if vitest is killed before teardown, the broker goes with it.
    broker = await startBroker({ dir, stopWithProcess: process.pid, log: (line) => console.error(`[kafka] ${line}`) });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // The run dir is worth keeping only when the broker got far enough to write logs into it.
    const kept = existsSync(join(dir, 'logs'));
    if (!kept) await rm(dir, { recursive: true, force: true });
    throw new Error(
      'The kafka tests need a Kafka broker and none could be started. Set KAFKA_BROKERS=host:port to ' +
        'use a running one, or install Java 17+ and Maven (mvn on PATH, Maven Central reachable) so ' +
        `test/global-setup.ts can start one.${kept ? ` Broker logs: ${join(dir, 'logs')}` : ''}\n${reason}`,
      { cause: error },
    );
  }

  process.env.KAFKA_BROKERS = broker.bootstrap;
  project.provide('kafkaBrokers', broker.bootstrap);

  return async () => {
    delete process.env.KAFKA_BROKERS;
    await stopBroker(broker);
    await rm(dir, { recursive: true, force: true });
  };
}
