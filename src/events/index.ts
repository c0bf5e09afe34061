/**
 * events: the contracts between stages (what instrumentation writes, what
 * ingest reads) and the helpers every producer of them shares.
 */
export { SendEventSchema, SEND_EVENT_SCHEMA_VERSION, OPERATIONS, OUTCOMES, MAX_LATENCY_MS } from './send-event.js';
export type { SendEvent, Operation } from './send-event.js';
export { validateSendEvent, contractValidator } from './validate.js';
export { renderSendEventMarkdown, renderDeliveryEventMarkdown } from './describe.js';
export type { Validation, ContractValidator, ContractChecks } from './validate.js';
export { onReceipt, receiptFromEnv, judgeEventTime, MAX_AHEAD_OF_RECEIPT_MS, DEFAULT_EVENT_RETENTION_DAYS } from './receipt.js';
export type { Receipt } from './receipt.js';
export { uuidv7, uuidv7Time } from './uuidv7.js';
export { RecipientHasher, canonicalAddress, domainOf, MIN_KEY_BYTES } from './recipient.js';
export type { RecipientFacts } from './recipient.js';
export { DeliveryEventSchema, DELIVERY_EVENT_SCHEMA_VERSION, SMTP_STATUS_PATTERN, deliveryEventId, validateDeliveryEvent } from './delivery-event.js';
export type { DeliveryEvent } from './delivery-event.js';
export { OTLP_TRACE_REQUEST } from './otlp-trace-request.js';
