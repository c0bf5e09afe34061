/**
 * webhooks: the HTTP receiver for provider feedback. `createWebhookServer`
 * is the transport-agnostic server (limits, signatures, status codes);
 * `feedbackEndpoints` wires the feedback stage's verifiers and normalizers
 * into one endpoint per provider.
 */
export { createWebhookServer, RequestError, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_HANDOFF_BYTES, DEFAULT_TIMEOUTS, HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS, OVERSIZED_DISCARD_BYTES, REQUEST_TIMEOUT_MS } from './server.js';
export type { WebhookEndpoint, WebhookRequest, WebhookServerOptions, WebhookTimeouts, EventHandoff, DirectAnswer, Verdict } from './server.js';
export { feedbackEndpoints, feedbackConfigFromEnv, WEBHOOK_PATHS } from './endpoints.js';
export type { FeedbackEndpointsConfig } from './endpoints.js';
