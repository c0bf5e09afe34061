import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { codeBelongsToCategory, oneOf, oneOfOrNull } from './schema-kit.js';
import { ALL_CODES, BOUNCE_TYPES, CATEGORIES, DELIVERY_OUTCOMES, PROVIDERS } from '../normalize/index.js';
import { contractValidator } from './validate.js';
import type { ContractValidator } from './validate.js';

/**
 * The delivery event, contract v1: what a provider told us, after the send,
 * about one recipient of one message (delivered, bounced, complained,
 * deferred, rejected, suppressed). One event per recipient: a bounce that
 * lists three recipients is three events.
 *
 * This TypeBox schema is the one source of both the TypeScript type below and
 * the JSON Schema. Field names are the ClickHouse column names (snake_case,
 * no reserved words), so the JSON the receiver writes is the row a loader
 * inserts as is. Strings that may be absent are empty, not null, so columns
 * can stay non-Nullable; only values that are truly "not applicable" (bounce
 * type, SMTP reply code, normalized code) are nullable.
 *
 * Nothing here carries a raw address: the recipient is kept as its keyed hash
 * and its domain, and every text that came from a provider has passed through
 * `scrubMessage`.
 */
export const DELIVERY_EVENT_SCHEMA_VERSION = 1;

const UUID_V7 = '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$';
const UTC_MILLIS = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$';
const DOMAIN = { maxLength: 253 };
const ID = { maxLength: 256 };
/** An RFC 3463 enhanced status code: class 2, 4 or 5, subject and detail of up to three digits. */
export const SMTP_STATUS_PATTERN = '^([245]\\.\\d{1,3}\\.\\d{1,3})?$';

export const DeliveryEventSchema = Type.Object(
  {
    event_id: Type.String({
      pattern: UUID_V7,
      description:
        'UUIDv7 and the deduplication key. Its time bits are occurred_at; its other bits are a SHA-256 of the event\'s identity (provider, provider_message_id, provider_type, recipient_hash, occurred_at, provider_event_id), so a webhook the provider delivers again gives the same id and is stored once.',
    }),
    schema_version: Type.Literal(DELIVERY_EVENT_SCHEMA_VERSION, { description: 'The contract version; 1.' }),
    occurred_at: Type.String({ pattern: UTC_MILLIS, description: "When the provider says it happened (its event time), UTC, milliseconds: 2026-11-22T12:00:00.123Z." }),
    received_at: Type.String({ pattern: UTC_MILLIS, description: 'When sendlens received the webhook, UTC, milliseconds.' }),
    provider: oneOf(PROVIDERS, { description: `The provider the feedback is about: ${PROVIDERS.join(', ')}.` }),
    provider_type: Type.String({
      minLength: 1,
      maxLength: 64,
      description: "The provider's own event type, as sent: SES Bounce/Complaint/Delivery/DeliveryDelay/Reject/Rendering Failure, Resend email.bounced…, SendGrid-style bounce/dropped…, generic bounced….",
    }),
    workspace: Type.String({ maxLength: 128, description: 'Tenant or account the message belongs to (the endpoint\'s configuration, else the sendlens_workspace tag); empty when unknown.' }),
    sender_domain: Type.String({ ...DOMAIN, description: 'Domain of the From address, lower case; empty when the payload does not carry it (SendGrid-style events never do).' }),
    recipient_domain: Type.String({ ...DOMAIN, description: 'Domain of this event\'s recipient, lower case; empty when the address is unreadable.' }),
    recipient_hash: Type.String({
      pattern: '^([0-9a-f]{64})?$',
      description: 'HMAC-SHA256 of this event\'s recipient address under the configured key (joins with send events); the address itself is never kept. Empty when the address is unreadable.',
    }),
    message_id: Type.String({ ...ID, description: "The sender's own message id when the payload carries it (SES tag or X-Sendlens-Message-Id header, Resend tag, SendGrid custom arg sendlens_message_id); empty otherwise." }),
    provider_message_id: Type.String({ ...ID, description: "The provider's id of the message: SES mail.messageId, Resend email_id, SendGrid sg_message_id (up to its .filter/.recvd suffix)." }),
    provider_event_id: Type.String({
      ...ID,
      description: "The provider's own id of this event, stable across redelivery: SES feedbackId (bounces, complaints), SendGrid sg_event_id, the svix-id of a Resend delivery, the generic event_id; empty when there is none.",
    }),
    outcome: oneOf(DELIVERY_OUTCOMES, {
      description: 'delivered; bounced (see bounce_type); complained; deferred (a temporary delay, delivery is still being tried); rejected (the provider refused to send: virus, template, invalid request); suppressed (not sent because the recipient is on a suppression list).',
    }),
    bounce_type: oneOfOrNull(BOUNCE_TYPES, { description: 'hard, soft or undetermined when outcome is bounced; null otherwise.' }),
    provider_bounce_type: Type.String({ maxLength: 64, description: "The provider's own bounce type (SES Permanent/Transient/Undetermined, SendGrid bounce/blocked); empty when none." }),
    bounce_subtype: Type.String({
      maxLength: 64,
      description: "The provider's subtype of a bounce or suppression (SES bounceSubType or complaintSubType, Resend bounce.subType or suppressed.type); empty when none.",
    }),
    provider_reason: Type.String({
      maxLength: 200,
      description: "The provider's short reason, scrubbed: SES delayType, complaintFeedbackType or reject reason, SendGrid dropped reason, generic reason; empty when none.",
    }),
    smtp_status: Type.String({ pattern: SMTP_STATUS_PATTERN, description: 'The RFC 3463 enhanced status code (5.1.1), from the payload or its diagnostic; empty when none.' }),
    smtp_code: Type.Union([Type.Integer({ minimum: 200, maximum: 599 }), Type.Null()], { description: 'The SMTP reply code (550) the diagnostic starts with; null when none.' }),
    diagnostic: Type.String({ maxLength: 1000, description: 'The receiving server\'s or provider\'s text (SES diagnosticCode/smtpResponse, SendGrid reason/response, Resend bounce.message), scrubbed of addresses and credentials.' }),
    code: oneOfOrNull(ALL_CODES, {
      description: 'The normalized error code where one applies (suppression.recipient_suppressed, content.template_render_failed, recipient.invalid_address…); never null for rejected and suppressed; null for delivered, complained, deferred.',
    }),
    category: oneOfOrNull(Object.keys(CATEGORIES), { description: 'The category of code; null when code is.' }),
  },
  {
    $id: 'https://sendlens.dev/schemas/delivery-event.v1.json',
    title: 'DeliveryEvent',
    description: 'What a provider reported about one recipient of one message after the send (contract v1).',
    additionalProperties: false,
    allOf: codeBelongsToCategory(Object.keys(CATEGORIES)),
  },
);

export type DeliveryEvent = Static<typeof DeliveryEventSchema>;

/**
 * The event id of a delivery event: a UUIDv7 whose 48 time bits are the
 * provider's event time and whose remaining 74 bits are the first bytes of a
 * SHA-256 over the event's identity. Providers deliver webhooks at least once
 * (SNS, Svix and SendGrid all retry on a timeout even when the first request
 * was stored), so a random id would count a retried bounce twice; this one
 * gives the same id every time the same event arrives, and ClickHouse's
 * deduplication on event_id keeps one row. The identity holds the keyed
 * recipient hash, never the address, so the id cannot be used to test a
 * guessed address. RFC 9562 asks only that these bits be unguessable and
 * unique, which a cryptographic hash of distinct inputs is.
 */
export function deliveryEventId(occurredAtMs: number, identity: readonly string[]): string {
  const digest = createHash('sha256').update(JSON.stringify(['sendlens.delivery.v1', ...identity])).digest();
  const b = Buffer.alloc(16);
  const ms = Math.max(0, Math.min(Math.floor(occurredAtMs), 2 ** 48 - 1));
  b.writeUIntBE(ms, 0, 6);
  digest.copy(b, 6, 0, 10);
  b[6] = 0x70 | ((b[6] ?? 0) & 0x0f);
  b[8] = 0x80 | ((b[8] ?? 0) & 0x3f);
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Checks a value against the delivery-event contract; the reason names the first offending field. */
export const validateDeliveryEvent: ContractValidator<DeliveryEvent> = contractValidator<DeliveryEvent>(DeliveryEventSchema, {
  timeFields: ['occurred_at', 'received_at'],
  codeOfCategory: { code: 'code', category: 'category' },
});
