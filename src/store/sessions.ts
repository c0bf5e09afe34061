import type { createClient } from '@clickhouse/client';

/** The connection contract @clickhouse/client accepts in place of HTTP (chDB's implements it). */
export type EmbeddedConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

/**
 * Several embedded-engine sessions on one data directory behind one connection. chDB runs the
 * statements of one session one after another and those of different sessions at the same time
 * (measured: two 60 M-row scans took twice one scan's wall time on one session, about one scan's
 * on two), so a loader with two inserts in flight, or a dashboard running its panels together,
 * would otherwise wait on itself. Each call goes to the session with the fewest calls in flight;
 * chDB materializes a result before its call settles, so a settled call leaves its session free.
 *
 * Nothing here keeps state between calls on a session (no temporary tables, no USE), and each
 * session is wrapped in `ownSettingsOnly`, so any session can run any statement.
 */
export function sessionPool(sessions: readonly EmbeddedConnection[]): EmbeddedConnection {
  if (sessions.length === 0) throw new Error('sessionPool: at least one session');
  const inFlight = sessions.map(() => 0);
  const run = async <T>(call: (session: EmbeddedConnection) => Promise<T>): Promise<T> => {
    let chosen = 0;
    for (let i = 1; i < sessions.length; i += 1) if ((inFlight[i] as number) < (inFlight[chosen] as number)) chosen = i;
    inFlight[chosen] = (inFlight[chosen] as number) + 1;
    try {
      return await call(sessions[chosen] as EmbeddedConnection);
    } finally {
      inFlight[chosen] = (inFlight[chosen] as number) - 1;
    }
  };
  return {
    ping: (params) => run((s) => s.ping(params)),
    query: (params) => run((s) => s.query(params)),
    insert: (params) => run((s) => s.insert(params)),
    command: (params) => run((s) => s.command(params)),
    exec: (params) => run((s) => s.exec(params)),
    close: async () => {
      const results = await Promise.allSettled(sessions.map((s) => s.close()));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

type CallParams = { query: string; clickhouse_settings?: Record<string, unknown> };

/**
 * A session on which each call runs with exactly the settings it passes. chDB's connection
 * applies a call's settings as `SET` statements on its session, where they stay: a token-less
 * insert after a loader batch ran with that batch's `insert_deduplication_token` and was dropped
 * as its duplicate. Every call now first puts back to their defaults the settings that earlier
 * calls on the session set and this one does not.
 */
export function ownSettingsOnly(session: EmbeddedConnection): EmbeddedConnection {
  const setBefore = new Set<string>();
  const scoped = <P extends CallParams>(params: P): P => {
    const own = Object.entries(params.clickhouse_settings ?? {})
      .filter(([, value]) => value !== undefined)
      .map(([name]) => name);
    const stale = [...setBefore].filter((name) => !own.includes(name));
    for (const name of own) setBefore.add(name);
    for (const name of stale) setBefore.delete(name);
    if (stale.length === 0) return params;
    return { ...params, query: `${stale.map((name) => `SET ${name} = DEFAULT`).join('; ')}; ${params.query}` };
  };
  return {
    ping: (params) => session.ping(params),
    query: (params) => session.query(scoped(params)),
    insert: (params) => session.insert(scoped(params)),
    command: (params) => session.command(scoped(params)),
    exec: (params) => session.exec(scoped(params)),
    close: () => session.close(),
  };
}
