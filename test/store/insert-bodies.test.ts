import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { clickhouseErrorCode, isDataError } from '../../src/ingest/index.js';
import { createStoreClient } from '../../src/store/index.js';
import { FILE_BODY_MIN_BYTES, bodiesThroughFiles } from '../../src/store/insert-bodies.js';
import type { EmbeddedConnection } from '../../src/store/sessions.js';

type ExecParams = Parameters<EmbeddedConnection['exec']>[0];

/** A connection that records each exec: its statement and, for a file, the file's content while the statement ran. */
function recording() {
  const calls: { query: string; inline: string | null; file: string | null }[] = [];
  const connection = {
    ping: async () => ({ success: true }),
    query: async () => {
      throw new Error('not used');
    },
    insert: async () => {
      throw new Error('not used');
    },
    command: async () => {
      throw new Error('not used');
    },
    exec: async (params: ExecParams) => {
      let inline: string | null = null;
      if (params.values) {
        inline = '';
        for await (const chunk of params.values as AsyncIterable<string | Buffer>) inline += chunk.toString();
      }
      const path = /FROM INFILE '((?:[^'\\]|\\.)*)'/.exec(params.query)?.[1]?.replace(/\\(.)/g, '$1');
      calls.push({ query: params.query, inline, file: path ? readFileSync(path, 'utf8') : null });
      return { stream: Readable.from([]), query_id: 'q', response_headers: {}, http_status_code: 200 };
    },
    close: async () => undefined,
  } as unknown as EmbeddedConnection;
  return { calls, connection };
}

describe('bodiesThroughFiles: large insert bodies reach the embedded engine through a file', () => {
  const parent = mkdtempSync(join(tmpdir(), "sendlens-inserts-it's-"));
  afterAll(() => rmSync(parent, { recursive: true, force: true }));
  const big = 'x\t1\n'.repeat(Math.ceil(FILE_BODY_MIN_BYTES / 4) + 1);

  it('runs a plain INSERT … FORMAT with a large body as INSERT … FROM INFILE, the same settings, and deletes the file', async () => {
    const { calls, connection } = recording();
    const wrapped = bodiesThroughFiles(connection, parent);
    const settings = { insert_deduplication_token: 'topic:0:1-2' };
    await wrapped.exec({ query: 'INSERT INTO db.t (a, b) FORMAT TabSeparated', values: Readable.from([big]), clickhouse_settings: settings } as ExecParams);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.query).toMatch(/^INSERT INTO db\.t \(a, b\) FROM INFILE '.+' FORMAT TabSeparated$/);
    expect(calls[0]?.file).toBe(big);
    expect(calls[0]?.inline).toBeNull();
    // The path is quoted as a ClickHouse string (this directory's name has a quote in it).
    expect(calls[0]?.query).toContain("it\\'s");
    const [own] = readdirSync(parent);
    expect(readdirSync(join(parent, own as string))).toEqual([]);
    await wrapped.close();
    expect(readdirSync(parent)).toEqual([]);
  });

  it('keeps a body given as bytes byte for byte, a character split between two chunks included', async () => {
    const { calls, connection } = recording();
    const wrapped = bodiesThroughFiles(connection, parent);
    const text = `${big}é\t2\n`;
    const bytes = Buffer.from(text);
    const cut = bytes.length - 4; // between the two bytes of 'é'
    expect([bytes[cut - 1], bytes[cut]]).toEqual([0xc3, 0xa9]);
    await wrapped.exec({ query: 'INSERT INTO db.t FORMAT TabSeparated', values: Readable.from([bytes.subarray(0, cut), bytes.subarray(cut)]) } as ExecParams);
    const small = Buffer.from('é\t1');
    await wrapped.exec({ query: 'INSERT INTO db.t FORMAT TabSeparated', values: Readable.from([small.subarray(0, 1), small.subarray(1)]) } as ExecParams);
    expect(calls.map((call) => [call.file, call.inline])).toEqual([
      [text, null],
      [null, 'é\t1'],
    ]);
    await wrapped.close();
  });

  it('leaves small bodies, statements it cannot place a file in, and everything but exec as they were', async () => {
    const { calls, connection } = recording();
    const wrapped = bodiesThroughFiles(connection, parent);
    await wrapped.exec({ query: 'INSERT INTO db.t FORMAT JSONEachRow', values: Readable.from(['{"a":1}']) } as ExecParams);
    await wrapped.exec({ query: 'INSERT INTO db.t SETTINGS async_insert = 0 FORMAT TabSeparated', values: Readable.from([big]) } as ExecParams);
    await wrapped.exec({ query: 'INSERT INTO db.t SELECT * FROM db.u' } as ExecParams);
    expect(calls.map((call) => [call.query, call.inline?.length ?? null, call.file])).toEqual([
      ['INSERT INTO db.t FORMAT JSONEachRow', 7, null],
      ['INSERT INTO db.t SETTINGS async_insert = 0 FORMAT TabSeparated', big.length, null],
      ['INSERT INTO db.t SELECT * FROM db.u', null, null],
    ]);
    await wrapped.close();
  });

  it('removes the directory a dead process left, never a live one\'s', async () => {
    const dead = join(parent, '2147483646-deadbeef');
    const live = join(parent, `${process.ppid}-cafecafe`);
    mkdirSync(dead, { recursive: true });
    mkdirSync(live, { recursive: true });
    const wrapped = bodiesThroughFiles(recording().connection, parent);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    await wrapped.close();
    rmSync(live, { recursive: true });
  });
});

describe('a large insert through a file on the embedded engine', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-inserts-engine-'));
  let client: ClickHouseClient;
  afterAll(async () => {
    await client?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const rows = (from: number, count: number) => Array.from({ length: count }, (_, i) => `${from + i}\t${'p'.repeat(200)}`).join('\n');
  const insert = (body: string, token: string) =>
    client.exec({ query: 'INSERT INTO default.bodies (n, pad) FORMAT TabSeparated', values: Readable.from([body]), clickhouse_settings: { insert_deduplication_token: token, insert_deduplicate: 1 } });

  it('lands every row, is dropped as a duplicate of its token, and refuses bad rows with a data error the loader bisects', async () => {
    client = await createStoreClient({ dataDir });
    await client.command({ query: 'CREATE TABLE default.bodies (n UInt32, pad String) ENGINE = MergeTree ORDER BY n SETTINGS non_replicated_deduplication_window = 100' });
    const body = rows(0, 20_000);
    expect(Buffer.byteLength(body)).toBeGreaterThan(FILE_BODY_MIN_BYTES);
    await insert(body, 'batch-1');
    await insert(body, 'batch-1');
    const count = async () => Number(((await (await client.query({ query: 'SELECT count() AS n FROM default.bodies', format: 'JSONEachRow' })).json()) as { n: string }[])[0]?.n);
    expect(await count()).toBe(20_000);
    const error = await insert(`${rows(20_000, 10_000)}\nnot-a-number\tx\n${rows(40_000, 10_000)}`, 'batch-2').then(
      () => null,
      (e: unknown) => e,
    );
    expect(isDataError(error)).toBe(true);
    expect(clickhouseErrorCode(error)).not.toBeNull();
    expect(await count()).toBe(20_000);
    // Nothing left behind in the data directory once the client is closed.
    await client.close();
    expect(readdirSync(join(dataDir, 'inserts'))).toEqual([]);
  });
});
