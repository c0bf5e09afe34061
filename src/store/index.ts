/** store: the ClickHouse side of sendlens (client factory, the read-only statement check, schema and migrations). */
export { createStoreClient, storeConfigFromEnv, describeStore, defaultEngineSessions, DEFAULT_DATA_DIR } from './client.js';
export type { StoreConfig } from './client.js';
export { StoreLockedError } from './lock.js';
export type { StoreHolder } from './lock.js';
export { checkReadOnlyStatement, statementSettings, StatementRefusedError } from './read-only.js';
export { migrate, loadMigrations, renderStatements, migrationSettingsFromEnv, MIGRATIONS_DIR, MIGRATIONS_TABLE, DEFAULT_RETENTION_DAYS, DEFAULT_ROLLUP_RETENTION_DAYS } from './migrations.js';
export type { Migration, MigrationSettings, MigrateResult } from './migrations.js';
