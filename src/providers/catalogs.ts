import type { ProviderCatalog } from '../normalize/catalog/types.js';
import type { ProviderId } from './ids.js';
import { mailgunCatalog } from './mailgun/catalog.js';
import { postmarkCatalog } from './postmark/catalog.js';
import { relay } from './relay/catalog.js';
import { resend } from './resend/catalog.js';
import { scaisend } from './scaisend/catalog.js';
import { sendfleet } from './sendfleet/catalog.js';
import { sendgridCatalog } from './sendgrid/catalog.js';
import { ses } from './ses/catalog.js';
import { smtp } from './smtp/catalog.js';

/**
 * The registry of send-path errors: one catalog per provider, from its folder. The normalizer
 * (src/normalize) looks catalogs up here and knows no provider itself.
 */
export const PROVIDER_CATALOGS: Readonly<Record<ProviderId, ProviderCatalog>> = {
  relay,
  sendfleet,
  ses,
  scaisend,
  resend,
  smtp,
  sendgrid: sendgridCatalog,
  mailgun: mailgunCatalog,
  postmark: postmarkCatalog,
};
