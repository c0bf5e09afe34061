import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sessionPool } from '../../src/store/sessions.js';
import type { EmbeddedConnection } from '../../src/store/sessions.js';
import { createStoreClient, defaultEngineSessions, storeConfigFromEnv } from '../../src/store/index.js';

/** A session whose calls stay pending until the test settles them, recording which session ran what. */
function fakeSession(name: string, log: string[], pending: Map<string, { resolve: () => void; reject: (error: Error) => void }>): EmbeddedConnection {
  const call = (kind: string) => (params: { query?: string }) =>
    new Promise<never>((resolve, reject) => {
      const id = `${name}:${kind}:${params.query ?? ''}`;
      log.push(id);
      pending.set(params.query ?? kind, { resolve: () => resolve({ query_id: id } as never), reject });
    });
  return {
    ping: call('ping'),
    query: call('query'),
    insert: call('insert'),
    command: call('command'),
    exec: call('exec'),
    close: async () => {
      log.push(`${name}:close`);
    },
  } as unknown as EmbeddedConnection;
}

const params = (query: string) => ({ query }) as never;

describe('sessionPool', () => {
  it('starts a call on an idle session while another session is busy, and reuses a session once its call settles', async () => {
    const log: string[] = [];
    const pending = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
    const pool = sessionPool([fakeSession('a', log, pending), fakeSession('b', log, pending)]);
    const first = pool.insert(params('first'));
    const second = pool.query(params('second'));
    // Both started before either finished: the second did not queue behind the first.
    expect(log).toEqual(['a:insert:first', 'b:query:second']);
    pending.get('first')?.resolve();
    await first;
    const third = pool.exec(params('third'));
    expect(log.at(-1)).toBe('a:exec:third');
    pending.get('second')?.resolve();
    pending.get('third')?.resolve();
    await Promise.all([second, third]);
  });

  it('frees a session whose call failed, and passes the failure on', async () => {
    const log: string[] = [];
    const pending = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
    const pool = sessionPool([fakeSession('a', log, pending), fakeSession('b', log, pending)]);
    const failing = pool.command(params('bad'));
    pending.get('bad')?.reject(new Error('refused'));
    await expect(failing).rejects.toThrow('refused');
    const next = pool.query(params('next'));
    expect(log.at(-1)).toBe('a:query:next');
    pending.get('next')?.resolve();
    await next;
  });

  it('closes every session', async () => {
    const log: string[] = [];
    const pool = sessionPool(['a', 'b', 'c'].map((name) => fakeSession(name, log, new Map())));
    await pool.close();
    expect(log).toEqual(['a:close', 'b:close', 'c:close']);
  });

  it('needs a session', () => {
    expect(() => sessionPool([])).toThrow(/at least one/);
  });
});

describe('engine sessions setting', () => {
  it('defaults to the cores, from 2 to 4, and SENDLENS_ENGINE_SESSIONS sets it within bounds', () => {
    expect(defaultEngineSessions()).toBeGreaterThanOrEqual(2);
    expect(defaultEngineSessions()).toBeLessThanOrEqual(4);
    expect(storeConfigFromEnv({}).sessions).toBeUndefined();
    expect(storeConfigFromEnv({ SENDLENS_ENGINE_SESSIONS: '3' }).sessions).toBe(3);
    for (const bad of ['0', '1.5', 'two', '65']) expect(() => storeConfigFromEnv({ SENDLENS_ENGINE_SESSIONS: bad }), bad).toThrow(/SENDLENS_ENGINE_SESSIONS/);
  });
});

describe('embedded store sessions', () => {
  it('run each call with exactly its own settings: one given to an earlier call does not stay on the session', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-sessions-'));
    // One session, so every call below meets what the calls before it left on it.
    const client = await createStoreClient({ dataDir, sessions: 1 });
    try {
      const token = async (settings: Record<string, unknown> = {}) => {
        const result = await client.query({ query: "SELECT getSetting('insert_deduplication_token') AS token", format: 'JSONEachRow', clickhouse_settings: settings as never });
        return ((await result.json()) as { token: string }[])[0]?.token;
      };
      expect(await token({ insert_deduplication_token: 'batch-1' })).toBe('batch-1');
      expect(await token()).toBe('');
      // And the consequence that was seen: a token-less insert after a loader batch was dropped as that batch's duplicate.
      await client.command({ query: 'CREATE TABLE t (n UInt32) ENGINE = MergeTree ORDER BY n SETTINGS non_replicated_deduplication_window = 100' });
      await client.insert({ table: 't', values: [{ n: 1 }], format: 'JSONEachRow', clickhouse_settings: { insert_deduplication_token: 'batch-1' } });
      await client.insert({ table: 't', values: [{ n: 2 }], format: 'JSONEachRow' });
      const rows = await client.query({ query: 'SELECT groupArray(n) AS ns FROM (SELECT n FROM t ORDER BY n)', format: 'JSONEachRow' });
      expect(((await rows.json()) as { ns: number[] }[])[0]?.ns).toEqual([1, 2]);
    } finally {
      await client.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
