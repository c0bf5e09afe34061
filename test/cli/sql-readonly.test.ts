import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreClient, migrate } from '../../src/store/index.js';
import { runCli, runCliAsync } from '../helpers/cli.js';

/**
 * The escapes a security probe found in `sendlens sql` without --write, each
 * run as a user would: one line on stderr, exit 1, nothing read, written or
 * requested outside the store.
 */
describe('sendlens sql is read-only by construction', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-sql-ro-'));
  const outDir = mkdtempSync(join(tmpdir(), 'sendlens-sql-ro-out-'));
  const SECRET = `sql-probe-secret-${process.pid}-${Date.now()}`;
  const env = { SENDLENS_DATA_DIR: dataDir, CLICKHOUSE_URL: '', KAFKA_BROKERS: '', SENDLENS_PROBE_SECRET: SECRET };
  const sql = (args: string[]) => runCli(['sql', ...args], '', env);

  beforeAll(async () => {
    const client = await createStoreClient({ dataDir });
    await migrate(client, { database: 'default', retentionDays: 3650, rollupRetentionDays: 3650 });
    await client.close();
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  });

  function expectRefused(result: { status: number | null; stdout: string; stderr: string }, label: string, reason: RegExp): void {
    expect({ label, status: result.status, stdout: result.stdout }).toEqual({ label, status: 1, stdout: '' });
    expect({ label, lines: result.stderr.trimEnd().split('\n').length }).toEqual({ label, lines: 1 });
    expect(result.stderr, label).toMatch(reason);
    expect(result.stderr, label).not.toContain(SECRET);
  }

  it('reads no file: file() as a table, as a function, nested in a subquery, JOIN, CTE, IN, UNION, view() or behind comments', () => {
    const environ = `'/proc/self/environ', 'RawBLOB'`;
    const reads: [string, string][] = [
      ['table function', `SELECT * FROM file(${environ})`],
      ['ordinary function', `SELECT file('/proc/self/environ') AS e`],
      ['subquery', `SELECT * FROM (SELECT * FROM file(${environ}))`],
      ['join', `SELECT * FROM numbers(1) AS n JOIN file(${environ}) AS f ON 1 = 1`],
      ['cte', `WITH leak AS (SELECT * FROM file(${environ})) SELECT * FROM leak`],
      ['in subquery', `SELECT 1 WHERE 'x' IN (SELECT * FROM file(${environ}))`],
      ['in table function', `SELECT 'x' IN file(${environ})`],
      ['scalar subquery', `SELECT (SELECT * FROM file(${environ})) AS e`],
      ['union', `SELECT 'x' UNION ALL SELECT * FROM file(${environ})`],
      ['view()', `SELECT * FROM view(SELECT * FROM file(${environ}))`],
      ['comment before the parenthesis', `SELECT * FROM file/* */(${environ})`],
      ['upper case', `SELECT * FROM FILE(${environ})`],
      ['quoted name', `SELECT * FROM \`file\`(${environ})`],
      ['describe', `DESCRIBE file(${environ})`],
      ['explain', `EXPLAIN SELECT * FROM file(${environ})`],
      ['statement after a comment', `SELECT 1 -- harmless\n; SELECT * FROM file(${environ})`],
    ];
    for (const [label, query] of reads) expectRefused(sql(['--format', 'csv', query]), label, /^sendlens: refused in readonly mode .*(file\(\)|one statement)/i);
  }, 180_000);

  it('writes no file: INSERT INTO FUNCTION, INTO OUTFILE, a multi-statement, a table planted in the metadata folder', () => {
    const inserted = join(outDir, 'inserted.csv');
    const outfile = join(outDir, 'outfile.csv');
    const chained = join(outDir, 'chained.csv');
    const planted = join(dataDir, 'clickhouse', 'metadata', 'default', 'planted.sql');
    const writes: [string, string][] = [
      ['insert into function', `INSERT INTO FUNCTION file('${inserted}', 'CSV') SELECT 1`],
      ['into outfile', `SELECT 1 INTO OUTFILE '${outfile}'`],
      ['into outfile with format', `SELECT 1 INTO OUTFILE '${outfile}' FORMAT CSV`],
      ['multi-statement', `SELECT 1; INSERT INTO FUNCTION file('${chained}', 'CSV') SELECT 1`],
      ['metadata', `INSERT INTO FUNCTION file('${planted}', 'RawBLOB') SELECT 'ATTACH TABLE planted (x UInt8) ENGINE = Memory'`],
    ];
    for (const [label, query] of writes) expectRefused(sql([query]), label, /^sendlens: refused in readonly mode/);
    expect(readdirSync(outDir)).toEqual([]);
    expect(existsSync(planted)).toBe(false);
  }, 120_000);

  it('refuses every statement that is not a read, with the statement kind in the message', () => {
    const statements = [
      ['INSERT', 'INSERT INTO email_send_events SELECT * FROM email_send_events'],
      ['ALTER', 'ALTER TABLE email_send_events DELETE WHERE 1'],
      ['DROP', 'DROP TABLE email_send_events'],
      ['SYSTEM', 'SYSTEM FLUSH LOGS'],
      ['ATTACH', 'ATTACH TABLE planted (x UInt8) ENGINE = Memory'],
      ['DETACH', 'DETACH TABLE email_send_events'],
      ['KILL', "KILL QUERY WHERE query_id = 'x'"],
      ['OPTIMIZE', 'OPTIMIZE TABLE email_send_events'],
      ['GRANT', 'GRANT SELECT ON *.* TO default'],
      ['SET', 'SET max_result_rows = 0'],
      ['TRUNCATE', 'TRUNCATE TABLE email_send_events'],
    ];
    for (const [keyword, query] of statements) expectRefused(sql([query ?? '']), keyword ?? '', new RegExp(`^sendlens: refused in readonly mode .*${keyword} is not a read`));
    // Nothing above ran: the table is still there.
    expect(sql(['--format', 'json', 'SELECT count() AS n FROM email_send_events']).stdout).toBe('[{"n":0}]\n');
  }, 120_000);

  it('keeps its row bound: no SETTINGS at any depth, no FORMAT', () => {
    for (const [label, query] of [
      ['settings', 'SELECT number FROM numbers(100000) SETTINGS max_result_rows = 0'],
      ['nested settings', 'SELECT * FROM (SELECT number FROM numbers(100000) SETTINGS max_result_rows = 0)'],
      ['readonly', 'SELECT 1 SETTINGS readonly = 0'],
      ['format', 'SELECT 1 FORMAT CSV'],
    ] as const) {
      expectRefused(sql(['--max-rows', '3', '--format', 'json', query]), label, /^sendlens: refused in readonly mode .*(SETTINGS|FORMAT)/);
    }
    const capped = sql(['--max-rows', '3', '--format', 'json', 'SELECT number FROM numbers(100000)']);
    expect(JSON.parse(capped.stdout)).toHaveLength(3);
  }, 60_000);

  it('reaches no network: url() and remote() to servers of its own never see a connection', async () => {
    let requests = 0;
    const http = createServer((_request, response) => {
      requests += 1;
      response.end('1\n');
    });
    let connections = 0;
    const tcp = createTcpServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    try {
      const httpPort = (http.address() as AddressInfo).port;
      const tcpPort = (tcp.address() as AddressInfo).port;
      const reaches: [string, string][] = [
        ['url', `SELECT * FROM url('http://127.0.0.1:${httpPort}/x', 'CSV', 'x String')`],
        ['url in a join', `SELECT * FROM numbers(1) AS n LEFT JOIN url('http://127.0.0.1:${httpPort}/x', 'CSV', 'x String') AS u ON 1 = 1`],
        ['remote', `SELECT * FROM remote('127.0.0.1:${tcpPort}', system.one)`],
        ['remoteSecure', `SELECT * FROM remoteSecure('127.0.0.1:${tcpPort}', system.one)`],
        ['clusterAllReplicas', `SELECT * FROM clusterAllReplicas('default', system.one)`],
        ['hasColumnInTable', `SELECT hasColumnInTable('127.0.0.1:${tcpPort}', 'default', 'system', 'one', 'dummy')`],
        ['merge', `SELECT * FROM merge(system, '^processes$')`],
      ];
      for (const [label, query] of reaches) {
        // Asynchronously, so this process's servers answer while the CLI runs.
        expectRefused(await runCliAsync(['sql', query], env), label, /^sendlens: refused in readonly mode/);
      }
      expect({ requests, connections }).toEqual({ requests: 0, connections: 0 });
    } finally {
      await new Promise((resolve) => http.close(resolve));
      await new Promise((resolve) => tcp.close(resolve));
    }
  }, 120_000);

  it('keeps other queries and credentials in system tables out of reach, and the catalogue in reach', () => {
    expectRefused(sql(['SELECT query FROM system.processes']), 'processes', /system\.processes/);
    expectRefused(sql(['SELECT 1 WHERE 1 IN system.query_log']), 'query_log via IN', /system\.query_log/);
    expectRefused(sql(['SHOW PROCESSLIST']), 'show processlist', /SHOW PROCESSLIST is not a read/);
    const tables = sql(['--format', 'json', "SELECT name FROM system.tables WHERE database = currentDatabase() AND name = 'email_send_events'"]);
    expect(tables.stdout).toBe('[{"name":"email_send_events"}]\n');
  }, 60_000);

  it('still answers reads: SHOW, DESCRIBE, EXPLAIN, WITH, UNION, numbers()', () => {
    const reads = [
      'SHOW TABLES',
      'DESCRIBE TABLE email_send_events',
      'EXPLAIN SELECT count() FROM email_send_events',
      'WITH 2 AS two SELECT number * two AS n FROM numbers(3) UNION ALL SELECT 10',
      "SELECT name FROM system.columns WHERE table = 'email_send_events' LIMIT 1",
    ];
    for (const query of reads) {
      const result = sql(['--format', 'json', query]);
      expect({ query, stderr: result.stderr, status: result.status }).toEqual({ query, stderr: '', status: 0 });
      expect((JSON.parse(result.stdout) as unknown[]).length).toBeGreaterThan(0);
    }
  }, 120_000);
});
