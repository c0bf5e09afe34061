/**
 * Mailgun: everything sendlens knows about it, in one folder. The error
 * catalog (Messages API), the mailgun.js adapter, and the webhook endpoint.
 */
export { mailgunCatalog } from './catalog.js';
export { instrumentMailgun, mailgunOutcomeReader } from './sdk.js';
export type { MailgunLike } from './sdk.js';
