import { PROVIDER_CATALOGS } from '../../providers/catalogs.js';

/** One table per provider, from the providers' registry (src/providers/catalogs.ts). */
export const CATALOGS = PROVIDER_CATALOGS;

export { STATUS_ROWS, STATUS_CLASS_ROWS, NETWORK_FAILURES } from './common.js';
export { PROVIDERS, isProviderId, ANY_CODE } from './types.js';
export type { CatalogRow, FailureFields, ProviderCatalog, ProviderId, RetrySchedule, RetryStep, RowOrigin, ThrownFields } from './types.js';
