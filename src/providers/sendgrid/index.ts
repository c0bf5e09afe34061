/**
 * SendGrid: everything sendlens knows about it, in one folder. The error
 * catalog (v3 Mail Send), the `@sendgrid/mail` adapter, and the signed Event
 * Webhook endpoint.
 */
export { sendgridCatalog } from './catalog.js';
export { instrumentSendgrid, sendgridOutcomeReader } from './sdk.js';
export type { SendgridMailLike } from './sdk.js';
export { sendgridWebhookEndpoint, sendgridWebhook, SENDGRID_WEBHOOK_PATH } from './webhook.js';
export type { SendgridWebhookConfig } from './webhook.js';
export { fromSendgridEvents } from './feedback.js';
export { SENDGRID_EVENTS, SENDGRID_BOUNCES, SENDGRID_BOUNCE_CLASSES, SENDGRID_DROPS } from './mappings.js';
export type { SendgridBounceRow } from './mappings.js';
