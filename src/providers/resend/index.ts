/**
 * Resend: its error catalog, its HTTP API, and its Svix-signed webhooks (normalizer and mapping
 * tables), and the adapter for the resend SDK.
 */
export { resend as resendCatalog } from './catalog.js';
export { resendHttpApi } from './http.js';
export { resendWebhook, RESEND_WEBHOOK_PATH } from './webhook.js';
export type { ResendWebhookConfig } from './webhook.js';
export { fromResendWebhook } from './feedback.js';
export { RESEND_TYPES, RESEND_UNTYPED_BOUNCES, RESEND_FAILURES } from './mappings.js';
export type { BounceMessageRow } from './mappings.js';
export { instrumentResend, resendOutcomeReader, judgeResend } from './sdk.js';
export type { ResendLike, ResendResult } from './sdk.js';
