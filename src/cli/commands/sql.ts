import { readFileSync } from 'node:fs';
import { checkReadOnlyStatement, createStoreClient, describeStore, statementSettings, StatementRefusedError, storeConfigFromEnv } from '../../store/index.js';
import { UsageError } from '../errors.js';
import { renderTable } from '../table.js';

export interface SqlCommandOptions {
  file?: string;
  format: string;
  maxRows: string;
  write?: boolean;
}

const FORMATS = ['table', 'json', 'csv'] as const;
/** Statement text read from a file or stdin, at most (a query, not a data load). */
const MAX_SQL_BYTES = 1024 * 1024;

/** RFC 4180: quote a field when it holds a comma, a quote or a line break; double the quotes. */
function csvField(value: unknown): string {
  const text = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function readStatement(query: string | undefined, file: string | undefined): string {
  if (query !== undefined && file !== undefined) throw new UsageError('give the SQL as an argument or with -f, not both');
  let text: string;
  if (file !== undefined) {
    try {
      text = readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${file === '-' ? 'stdin' : file}: ${(error as Error).message}`);
    }
  } else if (query !== undefined) text = query;
  else throw new UsageError('no SQL: sendlens sql "SELECT ..." or sendlens sql -f file.sql');
  if (Buffer.byteLength(text) > MAX_SQL_BYTES) throw new UsageError(`the SQL is over ${MAX_SQL_BYTES} bytes`);
  const statement = text.trim().replace(/;\s*$/, '');
  if (statement === '') throw new UsageError('the SQL is empty');
  return statement;
}

/** The first line of a ClickHouse error, with its code name: what a person needs to fix the query. */
function clickhouseMessage(error: unknown): string {
  const { message, type } = error as { message?: string; type?: string };
  // The embedded engine nests the prefix ("Code: 47. DB::Exception: Code: 47. DB::Exception: …").
  const first = (message ?? String(error)).split('\n')[0]?.replace(/^(Code: \d+\. DB::Exception: )+/, '') ?? '';
  return type && !first.includes(type) ? `${first} (${type})` : first;
}

/**
 * `sendlens sql`: one statement over the error history. Read-only unless
 * --write, by construction: the statement must pass the check on
 * ClickHouse's own parse of it (src/store/read-only.ts), and then runs as
 * that parse's reprint under the engine's readonly setting. At most
 * --max-rows rows are read either way, so a careless SELECT * cannot
 * exhaust memory.
 */
export async function runSql(query: string | undefined, options: SqlCommandOptions, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Promise<number> {
  if (!(FORMATS as readonly string[]).includes(options.format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
  const maxRows = Number(options.maxRows);
  if (!Number.isInteger(maxRows) || maxRows < 1 || maxRows > 10_000_000) throw new UsageError('--max-rows must be an integer from 1 to 10000000');
  const statement = readStatement(query, options.file);
  const store = storeConfigFromEnv();
  const client = await createStoreClient(store);
  try {
    let rows: Record<string, unknown>[];
    let columns: string[];
    try {
      const toRun = options.write ? statement : await checkReadOnlyStatement(client, statement);
      const settings = statementSettings(store, { maxRows, readOnly: !options.write });
      const result = await client.query({ query: toRun, format: 'JSONCompactEachRowWithNamesAndTypes', clickhouse_settings: settings });
      const lines = (await result.json()) as unknown[][];
      columns = (lines[0] ?? []) as string[];
      rows = lines.slice(2).map((line) => Object.fromEntries(columns.map((column, i) => [column, line[i]])));
    } catch (error) {
      stderr.write(`sendlens: ${error instanceof StatementRefusedError ? error.message : clickhouseMessage(error)}\n`);
      return 1;
    }
    const truncated = rows.length > maxRows;
    if (truncated) rows = rows.slice(0, maxRows);
    if (options.format === 'json') stdout.write(`${JSON.stringify(rows)}\n`);
    else if (options.format === 'csv') stdout.write([columns.map(csvField).join(','), ...rows.map((row) => columns.map((c) => csvField(row[c])).join(','))].join('\r\n') + '\r\n');
    else stdout.write(`${renderTable(columns, rows.map((row) => columns.map((c) => row[c])), 80)}\n(${rows.length} row${rows.length === 1 ? '' : 's'}; ${describeStore(store)})\n`);
    if (truncated) stderr.write(`sendlens: output cut at ${maxRows} rows (--max-rows)\n`);
    return 0;
  } finally {
    await client.close();
  }
}
