import { deliveryEventId, uuidv7 } from '../../src/events/index.js';
import type { DeliveryEvent, SendEvent } from '../../src/events/index.js';

/** A valid failed-attempt event; override what a test cares about. */
export function sampleEvent(overrides: Partial<SendEvent> = {}): SendEvent {
  return {
    event_id: uuidv7(Date.parse('2026-11-22T12:00:00.123Z')),
    schema_version: 1,
    occurred_at: '2026-11-22T12:00:00.123Z',
    service: 'checkout',
    environment: 'production',
    provider: 'ses',
    operation: 'send',
    workspace: 'acme',
    sender_domain: 'mail.acme.com',
    recipient_domain: 'example.com',
    recipient_hash: 'f9e11810782789d21352737bf03ac77ad7f1dd29705fbc6e78adf55ba72558b7',
    recipient_count: 1,
    rejected_recipient_count: 0,
    message_id: 'order-1234',
    provider_message_id: '',
    attempt: 1,
    outcome: 'failed',
    status: 400,
    provider_code: 'Throttling',
    code: 'throttling.rate_limited',
    category: 'throttling',
    retry: 'backoff',
    retry_after_ms: null,
    error_message: 'Maximum sending rate exceeded.',
    latency_ms: 41.7,
    trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
    span_id: '00f067aa0ba902b7',
    ...overrides,
  };
}

/** A valid hard bounce (SES), received 1.5 s after it happened; override what a test cares about. */
export function sampleDeliveryEvent(overrides: Partial<DeliveryEvent> = {}, occurredAt = Date.parse('2026-11-20T09:14:05.501Z')): DeliveryEvent {
  return {
    event_id: deliveryEventId(occurredAt, ['ses', 'm-1', 'Bounce', 'f'.repeat(64), String(occurredAt), 'fb-1']),
    schema_version: 1,
    occurred_at: new Date(occurredAt).toISOString(),
    received_at: new Date(occurredAt + 1_499).toISOString(),
    provider: 'ses',
    provider_type: 'Bounce',
    workspace: 'acme',
    sender_domain: 'mail.acme.com',
    recipient_domain: 'example.com',
    recipient_hash: 'f'.repeat(64),
    message_id: 'order-1234',
    provider_message_id: 'm-1',
    provider_event_id: 'fb-1',
    outcome: 'bounced',
    bounce_type: 'hard',
    provider_bounce_type: 'Permanent',
    bounce_subtype: 'NoEmail',
    provider_reason: '',
    smtp_status: '5.1.1',
    smtp_code: 550,
    diagnostic: 'smtp; 550 5.1.1 user unknown',
    code: 'recipient.invalid_address',
    category: 'recipient',
    ...overrides,
  };
}
