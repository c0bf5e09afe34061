import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('sendlens migrate', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-cli-migrate-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = { SENDLENS_DATA_DIR: dataDir, CLICKHOUSE_URL: '' };

  it('applies the schema to the embedded engine, then finds nothing left to do', () => {
    const first = runCli(['migrate', '--json'], '', env);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const applied = JSON.parse(first.stdout) as { applied: string[]; alreadyApplied: string[] };
    expect(applied.applied).toContain('0001_email_send_events');
    expect(applied.alreadyApplied).toEqual([]);
    const again = JSON.parse(runCli(['migrate', '--json'], '', env).stdout) as { applied: string[]; alreadyApplied: string[] };
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toEqual(applied.applied);
  });

  it('prints ON CLUSTER DDL with Replicated engines for a cluster, without touching any store', () => {
    const run = runCli(['migrate', '--print', '--cluster', 'analytics'], '', { SENDLENS_RETENTION_DAYS: '30' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("CREATE TABLE IF NOT EXISTS default.email_send_events ON CLUSTER 'analytics'");
    expect(run.stdout).toContain("ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', ingested_at)");
    expect(run.stdout).toContain('INTERVAL 30 DAY');
    expect(run.stdout).not.toMatch(/\{\{/);
  });

  it('refuses a bad retention setting in one line', () => {
    const run = runCli(['migrate', '--print'], '', { SENDLENS_RETENTION_DAYS: 'forever' });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe('sendlens: SENDLENS_RETENTION_DAYS must be a whole number of days, at least 1');
  });
});

describe('sendlens ingest without Kafka', () => {
  it('says what it needs instead of starting', () => {
    const run = runCli(['ingest'], '', { KAFKA_BROKERS: '' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^sendlens: sendlens ingest reads from Kafka: set KAFKA_BROKERS/);
  });
});
