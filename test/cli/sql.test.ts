import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreClient, migrate } from '../../src/store/index.js';
import { generateData, insertGeneratedData } from '../helpers/generated-data.js';
import { runCli } from '../helpers/cli.js';

/** Every ```sql block of docs/queries.md, with the heading above it. */
function documentedQueries(): { title: string; sql: string }[] {
  const text = readFileSync(new URL('../../docs/queries.md', import.meta.url), 'utf8');
  const found: { title: string; sql: string }[] = [];
  const pattern = /^### (.+)\n+```sql\n([\s\S]*?)```/gm;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) found.push({ title: match[1] ?? '', sql: match[2] ?? '' });
  return found;
}

describe('sendlens sql', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-sql-'));
  const env = { SENDLENS_DATA_DIR: dataDir, CLICKHOUSE_URL: '', KAFKA_BROKERS: '' };
  const sql = (args: string[], input = '') => runCli(['sql', ...args], input, env);

  beforeAll(async () => {
    // Loaded here, then closed: the CLI processes open the same store after us (one process per data dir).
    const client = await createStoreClient({ dataDir });
    await migrate(client, { database: 'default', retentionDays: 3650, rollupRetentionDays: 3650 });
    await insertGeneratedData(client, generateData({ minutes: 180, spans: true }));
    await client.close();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('docs/queries.md holds a dozen queries, and each answers with rows on generated data', () => {
    const queries = documentedQueries();
    expect(queries.length).toBeGreaterThanOrEqual(12);
    for (const query of queries) {
      const result = sql(['--format', 'json', query.sql]);
      expect({ title: query.title, stderr: result.stderr, status: result.status }).toEqual({ title: query.title, stderr: '', status: 0 });
      const rows = JSON.parse(result.stdout) as Record<string, unknown>[];
      expect({ title: query.title, rows: rows.length > 0 }).toEqual({ title: query.title, rows: true });
      // The columns are the ones the query names last in its SELECT list (its aliases), on every row.
      const columns = Object.keys(rows[0] ?? {});
      expect(rows.every((row) => Object.keys(row).join() === columns.join())).toBe(true);
    }
  }, 180_000);

  it('prints an aligned table by default, csv and json on request, from an argument, a file or stdin', () => {
    const query = "SELECT provider, count() AS attempts FROM email_send_events GROUP BY provider ORDER BY provider";
    const table = sql([query]);
    expect(table.status).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(/^provider\s+attempts$/);
    expect(lines[1]).toMatch(/^-+\s+-+$/);
    expect(lines.find((line) => line.startsWith('('))).toMatch(/^\(5 rows; embedded ClickHouse/);
    const file = join(dataDir, 'q.sql');
    writeFileSync(file, `${query};\n`);
    const fromFile = sql(['-f', file, '--format', 'csv']);
    expect(fromFile.stdout.split('\r\n')[0]).toBe('provider,attempts');
    expect(fromFile.stdout.split('\r\n')).toHaveLength(5 + 2);
    expect(sql(['-f', '-', '--format', 'csv'], query).stdout).toBe(fromFile.stdout);
    expect(sql(['--format', 'csv', `SELECT 'a,"b"' AS x`]).stdout).toBe('x\r\n"a,""b"""\r\n');
  });

  it('explains bad SQL in one line on stderr and exits non-zero', () => {
    const bad = sql(['SELECT nope FROM email_send_events']);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^sendlens: .*nope.*UNKNOWN_IDENTIFIER/);
    expect(sql([]).stderr).toMatch(/^sendlens: no SQL/);
    expect(sql(['SELECT 1', '-f', 'x.sql']).stderr).toMatch(/not both/);
    expect(sql(['--format', 'xml', 'SELECT 1']).stderr).toMatch(/--format must be one of table, json, csv/);
  });

  it('is read-only unless --write, and bounds the rows it reads', () => {
    const refused = sql(['CREATE TABLE scratch (x UInt8) ENGINE = Memory']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/readonly/i);
    expect(sql(['--write', 'CREATE TABLE scratch (x UInt8) ENGINE = MergeTree ORDER BY x']).status).toBe(0);
    expect(sql(['--format', 'json', 'SELECT count() AS n FROM scratch']).stdout).toBe('[{"n":0}]\n');
    const capped = sql(['--max-rows', '3', '--format', 'json', 'SELECT number FROM numbers(100000)']);
    expect(JSON.parse(capped.stdout)).toHaveLength(3);
    expect(capped.stderr).toBe('sendlens: output cut at 3 rows (--max-rows)\n');
  });
});
