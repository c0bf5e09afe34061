import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';

/**
 * Schema as ordered SQL files in schemas/clickhouse/ (`0001_name.sql`), with
 * a few tokens so one file serves the embedded engine, a single server and a
 * cluster:
 *   {{db}}                 the database
 *   {{on_cluster}}         `ON CLUSTER 'name'` on a cluster, nothing otherwise
 *   {{engine:Name(args)}}  `Name(args)`, or on a cluster `ReplicatedName('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', args)`
 *   {{ttl_days}}           retention of raw events, in days
 *   {{rollup_ttl_days}}    retention of rollups, in days
 * Statements end with `;` at the end of a line. Every statement must be
 * idempotent (IF NOT EXISTS), so a run cut short can simply run again.
 */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../schemas/clickhouse/', import.meta.url));
export const MIGRATIONS_TABLE = 'sendlens_schema_migrations';

export interface MigrationSettings {
  database: string;
  /** A cluster name: DDL gets ON CLUSTER and Replicated engines. */
  cluster?: string;
  retentionDays: number;
  rollupRetentionDays: number;
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export const DEFAULT_RETENTION_DAYS = 90;
export const DEFAULT_ROLLUP_RETENTION_DAYS = 400;

function days(value: string | undefined, fallback: number, name: string): number {
  const parsed = value ? Number(value) : fallback;
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`${name} must be a whole number of days, at least 1`);
  return parsed;
}

export function migrationSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): MigrationSettings {
  const settings: MigrationSettings = {
    database: env.CLICKHOUSE_DATABASE || 'default',
    retentionDays: days(env.SENDLENS_RETENTION_DAYS, DEFAULT_RETENTION_DAYS, 'SENDLENS_RETENTION_DAYS'),
    rollupRetentionDays: days(env.SENDLENS_ROLLUP_RETENTION_DAYS, DEFAULT_ROLLUP_RETENTION_DAYS, 'SENDLENS_ROLLUP_RETENTION_DAYS'),
  };
  if (env.SENDLENS_CLICKHOUSE_CLUSTER) settings.cluster = env.SENDLENS_CLICKHOUSE_CLUSTER;
  return settings;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const sql = readFileSync(`${dir}/${file}`, 'utf8');
      return { version: Number(file.slice(0, 4)), name: file.replace(/\.sql$/, ''), sql, checksum: createHash('sha256').update(sql).digest('hex').slice(0, 16) };
    });
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations must be numbered 0001, 0002, … without gaps; found ${m.name} at position ${i + 1}`);
  });
  return migrations;
}

function renderEngine(name: string, args: string, cluster: string | undefined): string {
  if (!cluster) return `${name}(${args})`;
  const replication = "'/clickhouse/tables/{shard}/{database}/{table}', '{replica}'";
  return `Replicated${name}(${args.trim() ? `${replication}, ${args}` : replication})`;
}

/** The statements of one migration file, tokens replaced. */
export function renderStatements(sql: string, settings: MigrationSettings): string[] {
  if (!IDENTIFIER.test(settings.database)) throw new Error(`database name ${JSON.stringify(settings.database)} is not a plain identifier`);
  if (settings.cluster !== undefined && !IDENTIFIER.test(settings.cluster)) throw new Error(`cluster name ${JSON.stringify(settings.cluster)} is not a plain identifier`);
  const rendered = sql
    .replace(/\{\{engine:([A-Za-z]+)\((.*?)\)\}\}/g, (_m, name: string, args: string) => renderEngine(name, args, settings.cluster))
    .replace(/\{\{on_cluster\}\}/g, settings.cluster ? `ON CLUSTER '${settings.cluster}'` : '')
    .replace(/\{\{db\}\}/g, settings.database)
    .replace(/\{\{ttl_days\}\}/g, String(settings.retentionDays))
    .replace(/\{\{rollup_ttl_days\}\}/g, String(settings.rollupRetentionDays));
  const leftover = /\{\{[^}]*\}\}/.exec(rendered);
  if (leftover) throw new Error(`unknown migration token ${leftover[0]}`);
  return rendered
    .split(/;[ \t]*$/m)
    .map((statement) => statement.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
}

async function appliedVersions(client: ClickHouseClient, settings: MigrationSettings): Promise<Map<number, string>> {
  const bookkeeping = `CREATE TABLE IF NOT EXISTS ${settings.database}.${MIGRATIONS_TABLE} ${settings.cluster ? `ON CLUSTER '${settings.cluster}'` : ''}
    (version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC'))
    ENGINE = ${renderEngine('ReplacingMergeTree', 'applied_at', settings.cluster)} ORDER BY version`;
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${settings.database} ${settings.cluster ? `ON CLUSTER '${settings.cluster}'` : ''}` });
  await client.command({ query: bookkeeping });
  const result = await client.query({ query: `SELECT version, checksum FROM ${settings.database}.${MIGRATIONS_TABLE} FINAL`, format: 'JSONEachRow' });
  const rows = (await result.json()) as { version: number; checksum: string }[];
  return new Map(rows.map((row) => [Number(row.version), row.checksum]));
}

/**
 * Applies the migrations not applied yet, in order, and records each. A file
 * changed after it was applied is refused: schema history is append-only.
 */
export async function migrate(client: ClickHouseClient, settings: MigrationSettings, migrations: Migration[] = loadMigrations()): Promise<MigrateResult> {
  const done = await appliedVersions(client, settings);
  const result: MigrateResult = { applied: [], alreadyApplied: [] };
  for (const migration of migrations) {
    const recorded = done.get(migration.version);
    if (recorded !== undefined) {
      if (recorded !== migration.checksum) {
        throw new Error(`migration ${migration.name} changed after it was applied (checksum ${recorded} → ${migration.checksum}); add a new migration instead`);
      }
      result.alreadyApplied.push(migration.name);
      continue;
    }
    for (const statement of renderStatements(migration.sql, settings)) await client.command({ query: statement });
    await client.insert({
      table: `${settings.database}.${MIGRATIONS_TABLE}`,
      values: [{ version: migration.version, name: migration.name, checksum: migration.checksum, applied_at: Date.now() }],
      format: 'JSONEachRow',
    });
    result.applied.push(migration.name);
  }
  return result;
}
