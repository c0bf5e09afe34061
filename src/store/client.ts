import { existsSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { bodiesThroughFiles } from './insert-bodies.js';
import { embeddedStoreHolder, StoreLockedError } from './lock.js';
import { createClient } from '@clickhouse/client';
import type { ClickHouseClient } from '@clickhouse/client';
import { importOptional } from '../optional-dependency.js';
import { ownSettingsOnly, sessionPool } from './sessions.js';
import type { EmbeddedConnection } from './sessions.js';

/**
 * Where the data lives: a ClickHouse server when `url` is set, otherwise the
 * ClickHouse engine embedded in this process (chDB) with its files under
 * `dataDir`. The same SQL runs on both.
 */
export interface StoreConfig {
  url?: string;
  username?: string;
  password?: string;
  database?: string;
  /** Embedded mode only: where the engine keeps its files. */
  dataDir: string;
  /**
   * Embedded mode only: engine sessions the client spreads its statements over (chDB runs one
   * session's statements one at a time). Default: the machine's cores, at least 2, at most 4;
   * SENDLENS_ENGINE_SESSIONS sets it.
   */
  sessions?: number;
  /** Embedded mode only: send insert bodies of 1 MiB or more through a file (insert-bodies.ts). Default true; benchmarks compare both. */
  bodiesThroughFiles?: boolean;
}

/** Sessions when the config names none: enough for two statements at once, no more than cores can run (up to 4). */
export const defaultEngineSessions = (): number => Math.min(4, Math.max(2, availableParallelism()));

export const DEFAULT_DATA_DIR = './.sendlens';

/** The embedded engine is an optional peer: what a user without it is told. */
export const EMBEDDED_ENGINE = { purpose: 'the embedded ClickHouse engine (chdb)', packages: ['chdb'], otherwise: 'or set CLICKHOUSE_URL to use a ClickHouse server' } as const;

export function storeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): StoreConfig {
  const config: StoreConfig = { dataDir: env.SENDLENS_DATA_DIR || DEFAULT_DATA_DIR };
  if (env.CLICKHOUSE_URL) config.url = env.CLICKHOUSE_URL;
  if (env.CLICKHOUSE_USER) config.username = env.CLICKHOUSE_USER;
  if (env.CLICKHOUSE_PASSWORD) config.password = env.CLICKHOUSE_PASSWORD;
  if (env.CLICKHOUSE_DATABASE) config.database = env.CLICKHOUSE_DATABASE;
  if (env.SENDLENS_ENGINE_SESSIONS) {
    const sessions = Number(env.SENDLENS_ENGINE_SESSIONS);
    if (!Number.isInteger(sessions) || sessions < 1 || sessions > 64) throw new Error(`SENDLENS_ENGINE_SESSIONS: expected a whole number from 1 to 64, got ${JSON.stringify(env.SENDLENS_ENGINE_SESSIONS)}`);
    config.sessions = sessions;
  }
  return config;
}

/** A one-line description for logs: never the password, nor credentials embedded in the URL. */
export function describeStore(config: StoreConfig): string {
  if (!config.url) return `embedded ClickHouse (chDB) at ${resolve(config.dataDir, 'clickhouse')}`;
  try {
    const url = new URL(config.url);
    url.username = '';
    url.password = '';
    return `ClickHouse server at ${url.origin}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return 'ClickHouse server (unparseable CLICKHOUSE_URL)';
  }
}

/**
 * The one way every stage gets a ClickHouse client. The embedded engine binds
 * one data directory per process: clients for the same directory share it, a
 * second directory in the same process is refused by chDB.
 */
export async function createStoreClient(config: StoreConfig): Promise<ClickHouseClient> {
  const settings = { date_time_input_format: 'best_effort' as const };
  if (config.url) {
    return createClient({
      url: config.url,
      ...(config.username !== undefined && { username: config.username }),
      ...(config.password !== undefined && { password: config.password }),
      ...(config.database !== undefined && { database: config.database }),
      clickhouse_settings: settings,
    });
  }
  const path = resolve(config.dataDir, 'clickhouse');
  mkdirSync(path, { recursive: true });
  // Asked before chDB opens the directory: a refused open also prints the engine's own lines on stderr.
  const holder = existsSync(path) ? embeddedStoreHolder(path) : undefined;
  if (holder) throw new StoreLockedError(path, holder);
  // Loaded only in embedded mode, so a server deployment never loads (nor installs) the native engine.
  const { createChdbConnection } = await importOptional<typeof import('chdb/connection')>('chdb/connection', EMBEDDED_ENGINE);
  const sessions: EmbeddedConnection[] = [];
  try {
    // chDB implements the connection against @clickhouse/client-common's types, which
    // @clickhouse/client bundles a copy of; the two copies differ only in settings typings.
    for (let i = 0; i < (config.sessions ?? defaultEngineSessions()); i += 1) sessions.push(ownSettingsOnly(createChdbConnection({ path }) as unknown as EmbeddedConnection));
  } catch (error) {
    await Promise.allSettled(sessions.map((s) => s.close()));
    // Another process took the directory between the look and the open.
    const lockedBy = /Cannot lock file/.test(String((error as Error).cause)) ? embeddedStoreHolder(path) : undefined;
    throw lockedBy ? new StoreLockedError(path, lockedBy) : error;
  }
  const connection = sessions.length === 1 ? (sessions[0] as EmbeddedConnection) : sessionPool(sessions);
  return createClient({
    connection: config.bodiesThroughFiles === false ? connection : bodiesThroughFiles(connection, resolve(config.dataDir, 'inserts')),
    ...(config.database !== undefined && { database: config.database }),
    clickhouse_settings: settings,
  });
}
