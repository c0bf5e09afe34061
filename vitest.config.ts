import { defineConfig } from 'vitest/config';

/** Tests that need a real Kafka broker: a file name ending in `.kafka.test.ts`, or anything under test/kafka/. */
const KAFKA_TESTS = ['test/**/*.kafka.test.ts', 'test/kafka/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Embedded ClickHouse binds one data directory per process, so test files
    // run in separate forked processes rather than threads sharing one engine.
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: KAFKA_TESTS },
      },
      {
        extends: true,
        // One real broker for the whole run: the one KAFKA_BROKERS names, or a local one started here.
        test: { name: 'kafka', include: KAFKA_TESTS, globalSetup: ['test/global-setup.ts'] },
      },
    ],
  },
});
