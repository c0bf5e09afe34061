import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { UINT32_MAX, codeBelongsToCategory, oneOf, oneOfOrNull } from './schema-kit.js';
import { ALL_CODES, CATEGORIES, PROVIDERS, RETRY_CLASSES } from '../normalize/index.js';

/**
 * The send-attempt event, contract v1: one per attempt at a provider call.
 * This TypeBox schema is the one source of both the TypeScript type below and
 * schemas/send-event.v1.json. Field names are the ClickHouse column names, so
 * the JSON a producer writes is the row the loader inserts as is.
 */
export const SEND_EVENT_SCHEMA_VERSION = 1;

/** The operations sendlens tells apart; dashboards group by them, so the list is closed. */
export const OPERATIONS = ['send', 'send_batch', 'domain_verify', 'domain_manage', 'webhook_manage', 'template_manage', 'suppression_manage', 'other'] as const;
export type Operation = (typeof OPERATIONS)[number];

export const OUTCOMES = ['sent', 'failed'] as const;

const UUID_V7 = '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$';
const UTC_MILLIS = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$';
const DOMAIN = { maxLength: 253 };
/**
 * The longest provider call the contract believes: a day. latency_ms is a
 * Float32 column; far below its range (a 1e300 stored as inf, which poisoned
 * the minute's rollup sum), and anything longer is a broken clock, not a call.
 */
export const MAX_LATENCY_MS = 86_400_000;

export const SendEventSchema = Type.Object(
  {
    event_id: Type.String({ pattern: UUID_V7, description: 'UUIDv7: unique per attempt, time-ordered; the deduplication key.' }),
    schema_version: Type.Literal(SEND_EVENT_SCHEMA_VERSION, { description: 'The contract version; 1.' }),
    occurred_at: Type.String({ pattern: UTC_MILLIS, description: 'When the attempt started, UTC, milliseconds: 2026-11-22T12:00:00.123Z.' }),
    service: Type.String({ minLength: 1, maxLength: 128, description: 'The sending service (OTel service.name).' }),
    environment: Type.String({ maxLength: 64, description: 'Deployment environment (production, staging); empty when unset.' }),
    provider: oneOf(PROVIDERS, { description: `The provider called: ${PROVIDERS.join(', ')}.` }),
    operation: oneOf(OPERATIONS, { description: 'What the call did: send, send_batch, domain_verify, domain_manage, webhook_manage, template_manage, suppression_manage, other.' }),
    workspace: Type.String({ maxLength: 128, description: 'Tenant or account the send belongs to; empty when unknown.' }),
    sender_domain: Type.String({ ...DOMAIN, description: 'Domain of the From address, lower case.' }),
    recipient_domain: Type.String({ ...DOMAIN, description: 'Domain of the first recipient, lower case.' }),
    recipient_hash: Type.String({ pattern: '^([0-9a-f]{64})?$', description: 'HMAC-SHA256 of the first recipient address under the configured key; the address itself is never kept.' }),
    recipient_count: Type.Integer({ minimum: 0, maximum: 100_000, description: 'How many recipients the call addressed.' }),
    rejected_recipient_count: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 100_000, description: 'Of those, how many the provider refused in a call it accepted (an SMTP partial success); absent (events of earlier producers) is 0.' }),
    ),
    message_id: Type.String({ maxLength: 256, description: "The caller's own message id, if any." }),
    provider_message_id: Type.String({ maxLength: 256, description: "The provider's id for an accepted message." }),
    attempt: Type.Integer({ minimum: 1, maximum: 1000, description: '1 for the first try; each retry is its own event.' }),
    outcome: oneOf(OUTCOMES, { description: 'sent: the provider accepted the call; failed: it did not (see code).' }),
    status: Type.Union([Type.Integer({ minimum: 100, maximum: 599 }), Type.Null()], { description: 'HTTP status; null when there was no HTTP answer.' }),
    provider_code: Type.Union([Type.String({ maxLength: 200 }), Type.Null()], { description: "The provider's own error code, kept beside the normalized one." }),
    code: oneOfOrNull(ALL_CODES, { description: 'The normalized error code (category.reason); null when sent.' }),
    category: oneOfOrNull(Object.keys(CATEGORIES), { description: 'The category of code; null when sent.' }),
    retry: oneOfOrNull(RETRY_CLASSES, { description: 'The retry class of code: never, backoff, retry_after, once, at_reset, later.' }),
    retry_after_ms: Type.Union([Type.Integer({ minimum: 0, maximum: UINT32_MAX }), Type.Null()], { description: 'How long the provider asked to wait, when it said (at most 2^32 − 1, the UInt32 column).' }),
    error_message: Type.Union([Type.String({ maxLength: 1000 }), Type.Null()], { description: 'The provider message, scrubbed of addresses and credentials.' }),
    latency_ms: Type.Number({ minimum: 0, maximum: MAX_LATENCY_MS, description: 'How long the provider call took, in milliseconds (at most a day).' }),
    trace_id: Type.String({ pattern: '^([0-9a-f]{32})?$', description: "The attempt span's trace id (hex); empty when not traced." }),
    span_id: Type.String({ pattern: '^([0-9a-f]{16})?$', description: "The attempt span's id (hex); empty when not traced." }),
  },
  {
    $id: 'https://sendlens.dev/schemas/send-event.v1.json',
    title: 'SendEvent',
    description: 'One attempt at a provider call, tagged with its normalized error (contract v1).',
    additionalProperties: false,
    allOf: codeBelongsToCategory(Object.keys(CATEGORIES)),
  },
);

export type SendEvent = Static<typeof SendEventSchema>;
