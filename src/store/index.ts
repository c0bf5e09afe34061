/** store: the ClickHouse side of sendlens (client factory; schema and migrations follow). */
export { createStoreClient, storeConfigFromEnv, describeStore, DEFAULT_DATA_DIR } from './client.js';
export type { StoreConfig } from './client.js';
export { migrate, loadMigrations, renderStatements, migrationSettingsFromEnv, MIGRATIONS_DIR, MIGRATIONS_TABLE, DEFAULT_RETENTION_DAYS, DEFAULT_ROLLUP_RETENTION_DAYS } from './migrations.js';
export type { Migration, MigrationSettings, MigrateResult } from './migrations.js';
