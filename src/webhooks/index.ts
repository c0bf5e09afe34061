/**
 * webhooks: the HTTP receiver for provider feedback. `createWebhookServer`
 * is the transport-agnostic server (limits, signatures, status codes);
 * `feedbackEndpoints` mounts one endpoint per configured provider from the
 * providers' registry (src/providers/webhooks.ts), plus sendlens's generic one.
 */
export { createWebhookServer, RequestError, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_HANDOFF_BYTES, DEFAULT_TIMEOUTS, HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS, OVERSIZED_DISCARD_BYTES, REQUEST_TIMEOUT_MS } from './server.js';
export type { WebhookEndpoint, WebhookRequest, WebhookServerOptions, WebhookTimeouts, EventHandoff, DirectAnswer, Verdict } from './server.js';
export { feedbackEndpoints, feedbackConfigFromEnv, webhookSettings, WEBHOOK_PATHS, GENERIC_WEBHOOK_PATH } from './endpoints.js';
export type { FeedbackEndpointsConfig } from './endpoints.js';
