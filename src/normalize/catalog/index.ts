import { relay } from './relay.js';
import { sendfleet } from './sendfleet.js';
import { ses } from './ses.js';
import { scaisend } from './scaisend.js';
import { resend } from './resend.js';
import { smtp } from '../../providers/smtp/catalog.js';
import type { ProviderCatalog, ProviderId } from './types.js';

/** One table per provider, in the order of their seed files. */
export const CATALOGS: Readonly<Record<ProviderId, ProviderCatalog>> = { relay, sendfleet, ses, scaisend, resend, smtp };

export { STATUS_ROWS, STATUS_CLASS_ROWS, NETWORK_FAILURES } from './common.js';
export { PROVIDERS, isProviderId, ANY_CODE } from './types.js';
export type { CatalogRow, FailureFields, ProviderCatalog, ProviderId, RetrySchedule, RetryStep, RowOrigin, ThrownFields } from './types.js';
