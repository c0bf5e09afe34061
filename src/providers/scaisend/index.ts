/** ScaiSend: its error catalog (two body shapes), its HTTP API (SendGrid's v3 shape) and its webhook (SendGrid's format). */
export { scaisend as scaisendCatalog } from './catalog.js';
export { scaisendHttpApi } from './http.js';
export { scaisendWebhook, SCAISEND_WEBHOOK_PATH } from './webhook.js';
export type { ScaisendWebhookConfig } from './webhook.js';
