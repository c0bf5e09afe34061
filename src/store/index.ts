/** store: the ClickHouse side of sendlens (client factory; schema and migrations follow). */
export { createStoreClient, storeConfigFromEnv, describeStore, DEFAULT_DATA_DIR } from './client.js';
export type { StoreConfig } from './client.js';
