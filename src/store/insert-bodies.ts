import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { isAlive } from './lock.js';
import type { EmbeddedConnection } from './sessions.js';

/**
 * Large insert bodies reach the embedded engine through a file. chDB's
 * connection puts an insert's body into the statement's text, and the engine
 * spends more on that than on reading the same bytes from a file: 48,000 send
 * events as TabSeparated into the send table and its views cost 20.7 µs of
 * CPU per event inline against 14.3–15.4 from a file, 930 against 573 ms of
 * wall time (interleaved; `npm run bench -- format` times both). So an `exec`
 * with a body of at least FILE_BODY_MIN_BYTES whose statement is a plain
 * `INSERT INTO … FORMAT x` runs as `INSERT INTO … FROM INFILE '<file>' FORMAT x`,
 * with the same settings; the file is deleted once the statement is done.
 * Smaller bodies, and any other statement, go as before.
 */
export const FILE_BODY_MIN_BYTES = 1024 * 1024;

/** `INSERT INTO <table> [(columns)] FORMAT <name>`, nothing else: no SETTINGS, SELECT, VALUES or INFILE to place the file around. */
const PLAIN_INSERT = /^(\s*INSERT\s+INTO\s+[^;]*?)\s+(FORMAT\s+[A-Za-z][A-Za-z0-9_]*)\s*$/i;
const NOT_PLAIN = /\b(SETTINGS|SELECT|VALUES|INFILE|WITH)\b/i;

/** A ClickHouse string literal. */
export function stringLiteral(text: string): string {
  return `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/**
 * The body as it came: one string if every chunk was a string (the loader's
 * bodies), else its bytes, never decoded (a character split between two
 * chunks stays whole) nor encoded twice.
 */
async function bodyOf(values: NodeJS.ReadableStream): Promise<string | Buffer> {
  const chunks: (string | Uint8Array)[] = [];
  for await (const chunk of values) chunks.push(chunk as string | Uint8Array);
  if (chunks.every((chunk) => typeof chunk === 'string')) return chunks.join('');
  return Buffer.concat(chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk)));
}

/**
 * `connection` with large insert bodies sent through files in a directory of
 * its own under `parent` (removed on close). Directories left by a process
 * that died mid-insert are removed when the next client starts; each file is
 * at most one insert's body (the loader's batches: 32 MiB).
 */
export function bodiesThroughFiles(connection: EmbeddedConnection, parent: string): EmbeddedConnection {
  mkdirSync(parent, { recursive: true });
  for (const entry of readdirSync(parent)) {
    const pid = Number(entry.split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isAlive(pid)) rmSync(join(parent, entry), { recursive: true, force: true });
  }
  const dir = join(parent, `${process.pid}-${randomUUID().slice(0, 8)}`);
  mkdirSync(dir, { recursive: true });
  let files = 0;
  return {
    ping: (params) => connection.ping(params),
    query: (params) => connection.query(params),
    insert: (params) => connection.insert(params),
    command: (params) => connection.command(params),
    exec: async (params) => {
      const plain = params.values !== undefined ? PLAIN_INSERT.exec(params.query) : null;
      if (!plain || NOT_PLAIN.test(plain[1] as string) || params.values === undefined) return connection.exec(params);
      const body = await bodyOf(params.values);
      if (Buffer.byteLength(body) < FILE_BODY_MIN_BYTES) return connection.exec({ ...params, values: Readable.from([body]) });
      files += 1;
      const file = join(dir, `insert-${files}`);
      await writeFile(file, body);
      try {
        return await connection.exec({ ...params, query: `${plain[1]} FROM INFILE ${stringLiteral(file)} ${plain[2]}`, values: undefined });
      } finally {
        await rm(file, { force: true });
      }
    },
    close: async () => {
      try {
        await connection.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
