import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { embeddedStoreHolder, StoreLockedError } from './lock.js';
import { createClient } from '@clickhouse/client';
import type { ClickHouseClient } from '@clickhouse/client';
import { importOptional } from '../optional-dependency.js';

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
}

export const DEFAULT_DATA_DIR = './.sendlens';

/** The embedded engine is an optional peer: what a user without it is told. */
export const EMBEDDED_ENGINE = { purpose: 'the embedded ClickHouse engine (chdb)', packages: ['chdb'], otherwise: 'or set CLICKHOUSE_URL to use a ClickHouse server' } as const;

type EmbeddedConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

export function storeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): StoreConfig {
  const config: StoreConfig = { dataDir: env.SENDLENS_DATA_DIR || DEFAULT_DATA_DIR };
  if (env.CLICKHOUSE_URL) config.url = env.CLICKHOUSE_URL;
  if (env.CLICKHOUSE_USER) config.username = env.CLICKHOUSE_USER;
  if (env.CLICKHOUSE_PASSWORD) config.password = env.CLICKHOUSE_PASSWORD;
  if (env.CLICKHOUSE_DATABASE) config.database = env.CLICKHOUSE_DATABASE;
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
  let connection: ReturnType<typeof createChdbConnection>;
  try {
    connection = createChdbConnection({ path });
  } catch (error) {
    // Another process took the directory between the look and the open.
    const lockedBy = /Cannot lock file/.test(String((error as Error).cause)) ? embeddedStoreHolder(path) : undefined;
    throw lockedBy ? new StoreLockedError(path, lockedBy) : error;
  }
  return createClient({
    // chDB implements the connection against @clickhouse/client-common's types, which
    // @clickhouse/client bundles a copy of; the two copies differ only in settings typings.
    connection: connection as unknown as EmbeddedConnection,
    ...(config.database !== undefined && { database: config.database }),
    clickhouse_settings: settings,
  });
}
