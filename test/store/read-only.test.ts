import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkReadOnlyStatement, createStoreClient, statementSettings, StatementRefusedError } from '../../src/store/index.js';

describe('the read-only statement check', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-readonly-'));
  let client: ClickHouseClient;
  beforeAll(async () => {
    client = await createStoreClient({ dataDir });
  });
  afterAll(async () => {
    await client.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const refusal = async (statement: string): Promise<string> => {
    try {
      await checkReadOnlyStatement(client, statement);
    } catch (error) {
      if (error instanceof StatementRefusedError) return error.message;
      throw error;
    }
    return 'accepted';
  };

  it('returns the engine\'s own reprint of the statement: comments gone, one statement', async () => {
    expect(await checkReadOnlyStatement(client, 'SELECT 1 AS one -- a comment; DROP TABLE x')).toBe('SELECT 1 AS one');
    expect(await checkReadOnlyStatement(client, 'select /* ; */ number from numbers(2)')).toBe('SELECT number\nFROM numbers(2)');
  });

  it('refuses an alias or name with a line break, which would forge lines of the parse', async () => {
    // The alias's second line reads like a table function node: the children counts no longer add up.
    expect(await refusal('SELECT 1 AS `a\n      Function file (children 1)`')).toMatch(/could not be read unambiguously/);
    expect(await refusal('SELECT 1 AS `a\nb`')).toMatch(/could not be read unambiguously/);
    expect(await refusal('SELECT 1 AS `a b (children 2)`')).toBe('accepted');
  });

  it('allows only the table functions that generate rows, wherever a table is read', async () => {
    for (const allowed of ['SELECT * FROM numbers(3)', 'SELECT * FROM zeros(2)', 'SELECT * FROM generateSeries(1, 3)', "SELECT * FROM values('x UInt8', 1, 2)", 'SELECT * FROM view(SELECT 1)', 'SELECT 1 IN numbers(3)']) {
      expect({ allowed, verdict: await refusal(allowed) }).toEqual({ allowed, verdict: 'accepted' });
    }
    for (const fn of ['s3', 'hdfs', 'mysql', 'postgresql', 'jdbc', 'odbc', 'executable', 'input', 'azureBlobStorage', 'iceberg', 'deltaLake', 'hudi', 'gcs', 'mongodb', 'redis', 'sqlite', 'dictionary', 'cluster', 'loop', 'fileCluster', 'urlCluster', 'generateRandom']) {
      expect({ fn, verdict: await refusal(`SELECT * FROM ${fn}('x', 'y')`) }).toEqual({ fn, verdict: expect.stringMatching(new RegExp(`table function ${fn}\\(\\)`)) as unknown });
    }
    expect(await refusal("SELECT number FROM numbers(3) WHERE number GLOBAL NOT IN url('http://127.0.0.1:1/', 'CSV')")).toMatch(/table function url\(\)/);
    expect(await refusal("SELECT dictGetString('d', 'a', toUInt64(1))")).toMatch(/function dictGetString\(\)/);
  });

  it('refuses SETTINGS anywhere but EXPLAIN\'s own options', async () => {
    expect(await refusal('EXPLAIN indexes = 1 SELECT 1')).toBe('accepted');
    expect(await refusal('EXPLAIN SELECT 1 SETTINGS max_result_rows = 0')).toMatch(/SETTINGS/);
    expect(await refusal('DESCRIBE TABLE numbers(1) SETTINGS describe_compact_output = 1')).toMatch(/SETTINGS/);
    expect(await refusal("SELECT * FROM view(SELECT 1 SETTINGS max_result_rows = 0)")).toMatch(/SETTINGS/);
    expect(await refusal("EXPLAIN SELECT 1 INTO OUTFILE '/tmp/x'")).toMatch(/FORMAT, INTO OUTFILE/);
  });

  it('asks a server for readonly = 2 (the row bound can still be sent) and the embedded engine for readonly = 1, set last', () => {
    expect(statementSettings({ dataDir, url: 'http://clickhouse:8123' }, { maxRows: 10, readOnly: true })).toEqual({ max_result_rows: '11', result_overflow_mode: 'break', readonly: '2' });
    expect(Object.entries(statementSettings({ dataDir }, { maxRows: 10, readOnly: true })).at(-1)).toEqual(['readonly', '1']);
    expect(statementSettings({ dataDir }, { maxRows: 10, readOnly: false })).toEqual({ max_result_rows: '11', result_overflow_mode: 'break' });
  });

  // Last: readonly = 1 stays on the embedded session once set.
  it('has the embedded engine refuse, on its own, what the check refuses first: file(), a lifted bound', async () => {
    const settings = statementSettings({ dataDir }, { maxRows: 3, readOnly: true });
    await expect(client.query({ query: "SELECT * FROM file('/proc/self/environ', 'RawBLOB')", format: 'JSONEachRow', clickhouse_settings: settings })).rejects.toThrow(/readonly/i);
    await expect(client.query({ query: 'SELECT number FROM numbers(100) SETTINGS max_result_rows = 0', format: 'JSONEachRow', clickhouse_settings: settings })).rejects.toThrow(/readonly/i);
    await expect(client.query({ query: "SELECT * FROM url('http://127.0.0.1:1/', 'CSV', 'x String')", format: 'JSONEachRow', clickhouse_settings: settings })).rejects.toThrow(/readonly/i);
  });
});
