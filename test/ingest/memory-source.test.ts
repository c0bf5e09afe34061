import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, describe, expect, it } from 'vitest';
import { MemorySource } from '../../src/ingest/index.js';
import type { Decoded, SourceMessage } from '../../src/ingest/index.js';

/** One row per line of a message; a line "bad" is a dead letter. */
function decode(m: SourceMessage): Decoded {
  const lines = (m.value?.toString() ?? '').split('\n');
  const rows = lines.flatMap((text, line) => (text === 'bad' ? [] : [{ text: JSON.stringify([text]), offset: m.offset, line }]));
  const deadLetters = lines.flatMap((text, line) => (text === 'bad' ? [{ reason: 'bad line', topic: m.topic, partition: m.partition, offset: m.offset, line, original: Buffer.from(text) }] : []));
  return { rows: new Map([['t', rows]]), deadLetters, judged: lines.length, invalid: deadLetters.length };
}

/** Just enough of a ClickHouse client: inserts land in `inserted` (with their token) unless `failing` is set. */
function fakeClient() {
  const state = { failing: false, inserted: [] as { token: string; body: string }[], logged: 0 };
  const client = {
    insert: async () => {
      if (state.failing) throw new Error('connect ECONNREFUSED');
      state.logged += 1;
    },
    query: async () => ({ json: async () => [] }),
    exec: async ({ values, clickhouse_settings }: { values: Readable; clickhouse_settings: { insert_deduplication_token: string } }) => {
      if (state.failing) throw new Error('connect ECONNREFUSED');
      let body = '';
      for await (const chunk of values) body += String(chunk);
      state.inserted.push({ token: clickhouse_settings.insert_deduplication_token, body });
      return { stream: { resume: () => undefined } };
    },
  };
  return { state, client: client as unknown as ClickHouseClient };
}

describe('MemorySource: the in-process feed of the steps', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sendlens-memory-source-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves a load once its rows are inserted, dead-letters bad lines to the file, and names each load by its own offsets', async () => {
    const { state, client } = fakeClient();
    const deadLetterFile = join(dir, 'one.jsonl');
    const source = new MemorySource({ client, database: 'db', deadLetterFile, decode });
    await source.load([Buffer.from('a\nbad\nb'), Buffer.from('c')]);
    await source.load([Buffer.from('d')]);
    expect(state.inserted.map((i) => i.body)).toEqual(['["a"]\n["b"]\n["c"]', '["d"]']);
    expect(state.inserted[0]?.token).toMatch(/^in-process-[0-9a-f-]+:0:0-1:t$/);
    expect(state.inserted[1]?.token).toMatch(/:0:2-2:t$/);
    expect(readFileSync(deadLetterFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string; offset: string; line: number })).toMatchObject([{ reason: 'bad line', offset: '0', line: 1 }]);
  });

  it('with retryForMs, a load whose write keeps failing rejects and keeps nothing; the next load writes only its own rows', async () => {
    const { state, client } = fakeClient();
    const source = new MemorySource({ client, database: 'db', deadLetterFile: join(dir, 'two.jsonl'), decode, retryForMs: 0 });
    state.failing = true;
    await expect(source.load([Buffer.from('lost-unless-resent')])).rejects.toThrow('ECONNREFUSED');
    state.failing = false;
    await source.load([Buffer.from('next')]);
    expect(state.inserted.map((i) => i.body)).toEqual(['["next"]']);
    expect(state.inserted[0]?.token).toMatch(/:0:1-1:t$/); // a fresh offset: never a token already used
  });
});
