/**
 * Postmark: everything sendlens knows about it, in one folder. The error
 * catalog (numbered ErrorCodes), the postmark ServerClient adapter, and the
 * webhook endpoint.
 */
export { postmarkCatalog } from './catalog.js';
export { instrumentPostmark, postmarkOutcomeReader, postmarkErrorResponse } from './sdk.js';
export type { PostmarkLike } from './sdk.js';
export { fromPostmarkWebhook, POSTMARK_RECORDS, POSTMARK_BOUNCE_TYPES } from './feedback.js';
export type { PostmarkRecordRow } from './feedback.js';
export { postmarkWebhookEndpoint, postmarkWebhook, verifyPostmarkBasicAuth, POSTMARK_WEBHOOK_PATH, MIN_POSTMARK_PASSWORD_CHARS } from './webhook.js';
export type { PostmarkWebhookConfig } from './webhook.js';
