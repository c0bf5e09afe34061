/**
 * Amazon SES: its error catalog (Query API codes, SDK v3 exceptions of SESv2 and v1, AWS common
 * errors), its HTTP API, and its feedback through SNS (the webhook, the notification normalizer
 * and its mapping tables), and the adapter for the AWS SDK v3 SES clients (v2 and v1).
 */
export { ses as sesCatalog } from './catalog.js';
export { sesHttpApi } from './http.js';
export { sesWebhook, SES_WEBHOOK_PATH } from './webhook.js';
export type { SesWebhookConfig } from './webhook.js';
export { fromSesNotification } from './feedback.js';
export { SES_TYPES, SES_TOPIC_NOTICES, SES_BOUNCES, SES_COMPLAINTS } from './mappings.js';
export type { SesTypeRow, NoticeRow, BounceRow, ComplaintRow } from './mappings.js';
export { instrumentSesClient, operationForCommand, sesOutcomeReader, SES_MIDDLEWARE_NAME } from './sdk.js';
export type { SesClientLike } from './sdk.js';
