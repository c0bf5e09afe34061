/**
 * Mailgun: everything sendlens knows about it, in one folder. The error
 * catalog (Messages API), the mailgun.js adapter, and the webhook endpoint.
 */
export { mailgunCatalog } from './catalog.js';
export { instrumentMailgun, mailgunOutcomeReader } from './sdk.js';
export type { MailgunLike } from './sdk.js';
export { fromMailgunWebhook, bareMessageId, MAILGUN_EVENTS, MAILGUN_FAILURES } from './feedback.js';
export type { MailgunFailureRow } from './feedback.js';
export { mailgunWebhookEndpoint, mailgunWebhook, verifyMailgunWebhook, SeenTokens, MAILGUN_WEBHOOK_PATH, MAX_REMEMBERED_TOKENS, MAX_TOKEN_CHARS, MIN_SIGNING_KEY_CHARS } from './webhook.js';
export type { MailgunWebhookConfig, MailgunVerifyOptions } from './webhook.js';
