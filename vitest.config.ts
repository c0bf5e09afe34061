import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One real Kafka broker for the whole run (or the one KAFKA_BROKERS names).
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Embedded ClickHouse binds one data directory per process, so test files
    // run in separate forked processes rather than threads sharing one engine.
    pool: 'forks',
  },
});
