import { relay } from './relay.js';
import { sendfleet } from './sendfleet.js';
import { ses } from './ses.js';
import { scaisend } from './scaisend.js';
import { resend } from './resend.js';
import { sendgridCatalog } from '../../providers/sendgrid/catalog.js';
import { mailgunCatalog } from '../../providers/mailgun/catalog.js';
import { postmarkCatalog } from '../../providers/postmark/catalog.js';
import type { ProviderCatalog, ProviderId } from './types.js';

/** One table per provider, in the order of their seed files. */
export const CATALOGS: Readonly<Record<ProviderId, ProviderCatalog>> = { relay, sendfleet, ses, scaisend, resend, sendgrid: sendgridCatalog, mailgun: mailgunCatalog, postmark: postmarkCatalog };

export { STATUS_ROWS, NETWORK_FAILURES } from './common.js';
export { PROVIDERS, isProviderId, ANY_CODE } from './types.js';
export type { CatalogRow, ProviderCatalog, ProviderId, RetrySchedule, RetryStep, RowOrigin } from './types.js';
