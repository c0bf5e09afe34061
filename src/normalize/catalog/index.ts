import { relay } from './relay.js';
import { sendfleet } from './sendfleet.js';
import { ses } from './ses.js';
import { scaisend } from './scaisend.js';
import { resend } from './resend.js';
import { smtp } from '../../providers/smtp/catalog.js';
import { sendgridCatalog } from '../../providers/sendgrid/catalog.js';
import { mailgunCatalog } from '../../providers/mailgun/catalog.js';
import { postmarkCatalog } from '../../providers/postmark/catalog.js';
import type { ProviderCatalog, ProviderId } from './types.js';

/** One table per provider: the five of the seeds in their order, then the send paths added since. */
export const CATALOGS: Readonly<Record<ProviderId, ProviderCatalog>> = { relay, sendfleet, ses, scaisend, resend, smtp, sendgrid: sendgridCatalog, mailgun: mailgunCatalog, postmark: postmarkCatalog };

export { STATUS_ROWS, STATUS_CLASS_ROWS, NETWORK_FAILURES } from './common.js';
export { PROVIDERS, isProviderId, ANY_CODE } from './types.js';
export type { CatalogRow, FailureFields, ProviderCatalog, ProviderId, RetrySchedule, RetryStep, RowOrigin, ThrownFields } from './types.js';
