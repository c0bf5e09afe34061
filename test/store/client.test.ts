import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createStoreClient, describeStore, storeConfigFromEnv } from '../../src/store/index.js';

describe('the ClickHouse client factory', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-store-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('runs the real embedded engine: create, insert, query', async () => {
    const client = await createStoreClient({ dataDir });
    try {
      await client.command({
        query: `CREATE TABLE smoke (id UInt32, at DateTime64(3, 'UTC'), provider LowCardinality(String)) ENGINE = MergeTree ORDER BY id`,
      });
      await client.insert({
        table: 'smoke',
        values: [
          { id: 1, at: '2026-11-22 12:00:00.123', provider: 'ses' },
          { id: 2, at: '2026-11-22 12:00:01.456', provider: 'resend' },
        ],
        format: 'JSONEachRow',
      });
      const result = await client.query({ query: 'SELECT id, toString(at) AS at, provider FROM smoke ORDER BY id', format: 'JSONEachRow' });
      expect(await result.json()).toEqual([
        { id: 1, at: '2026-11-22 12:00:00.123', provider: 'ses' },
        { id: 2, at: '2026-11-22 12:00:01.456', provider: 'resend' },
      ]);
      const engine = await client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' });
      const rows = (await engine.json()) as { v: string }[];
      expect(rows[0]?.v).toMatch(/^\d+\.\d+/);
    } finally {
      await client.close();
    }
  });

  it('keeps its data on disk under SENDLENS_DATA_DIR across clients', async () => {
    const client = await createStoreClient({ dataDir });
    try {
      const result = await client.query({ query: 'SELECT count() AS n FROM smoke', format: 'JSONEachRow' });
      expect(await result.json()).toEqual([{ n: 2 }]);
    } finally {
      await client.close();
    }
  });

  it('switches to a server when CLICKHOUSE_URL is set, and never shows its credentials', () => {
    const config = storeConfigFromEnv({ CLICKHOUSE_URL: 'http://admin:s3cret@clickhouse:8123', SENDLENS_DATA_DIR: '/data' });
    expect(config).toMatchObject({ url: 'http://admin:s3cret@clickhouse:8123', dataDir: '/data' });
    expect(describeStore(config)).toBe('ClickHouse server at http://clickhouse:8123');
    expect(describeStore(storeConfigFromEnv({}))).toMatch(/^embedded ClickHouse \(chDB\) at .*\.sendlens\/clickhouse$/);
  });

  it('talks HTTP to the server it is pointed at', async () => {
    // A loopback port with nothing behind it: the client must try HTTP there (and fail), not fall back to chDB.
    const client = await createStoreClient({ url: 'http://127.0.0.1:1', dataDir });
    try {
      const ping = await client.ping();
      expect(ping.success).toBe(false);
    } finally {
      await client.close();
    }
  });
});
