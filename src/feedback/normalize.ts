import { Type } from '@sinclair/typebox';
import type { Static, TLiteral } from '@sinclair/typebox';
import { canonicalAddress, contractValidator, domainOf } from '../events/index.js';
import type { DeliveryEvent } from '../events/index.js';
import { ALL_CODES, BOUNCE_TYPES, DELIVERY_OUTCOMES, PROVIDERS } from '../normalize/index.js';
import type { ErrorCode } from '../normalize/index.js';
import {
  GENERIC_TYPES,
  RESEND_FAILURES,
  RESEND_TYPES,
  RESEND_UNTYPED_BOUNCES,
  SENDGRID_BOUNCES,
  SENDGRID_BOUNCE_CLASSES,
  SENDGRID_DROPS,
  SENDGRID_EVENTS,
  SES_BOUNCES,
  SES_COMPLAINTS,
  SES_TOPIC_NOTICES,
  SES_TYPES,
  matches,
  typeRow,
} from './mappings.js';
import { Collector, FeedbackError, MAX_EVENTS_PER_PAYLOAD, firstMatch, isoTime, record, requireText, text, unixSecondsTime } from './kit.js';
import type { FeedbackContext, Json, SendgridContext } from './kit.js';

export { FeedbackError, MAX_EVENTS_PER_PAYLOAD };
export type { FeedbackContext, SendgridContext };

/**
 * Provider feedback → delivery events. Pure functions: a verified, parsed
 * body in, events out (none for feedback that is not about delivery, such as
 * opens). A body of the wrong shape is a FeedbackError (status 400) whose
 * message names the field and never quotes a value; nothing else is thrown.
 */

/** Where our own message id and workspace travel in provider payloads. Senders set them at send time. */
export const MESSAGE_ID_TAG = 'sendlens_message_id';
export const WORKSPACE_TAG = 'sendlens_workspace';
export const MESSAGE_ID_HEADER = 'X-Sendlens-Message-Id';
export const WORKSPACE_HEADER = 'X-Sendlens-Workspace';

/** A list of recipients: strings, or objects with an emailAddress. */
interface Recipient {
  address: string;
  status?: string | undefined;
  diagnostic?: string | undefined;
}

function recipients(value: unknown, where: string): Recipient[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new FeedbackError(`${where} is not a list`);
  if (value.length > MAX_EVENTS_PER_PAYLOAD) throw new FeedbackError(`${where} lists more than ${MAX_EVENTS_PER_PAYLOAD} recipients`);
  return value.map((item: unknown, i) => {
    if (typeof item === 'string') return { address: item };
    const entry = record(item, `${where}[${i}]`);
    return { address: requireText(entry, 'emailAddress', `${where}[${i}]`), status: text(entry.status), diagnostic: text(entry.diagnosticCode) };
  });
}

// ---------------------------------------------------------------------------
// Amazon SES
// ---------------------------------------------------------------------------

/** SES event-publishing tags: `{ name: [value] }`; the first string value. */
function sesTag(mail: Json, name: string): string | undefined {
  const tags = mail.tags;
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) return undefined;
  const value = (tags as Json)[name];
  if (typeof value === 'string') return value;
  return Array.isArray(value) ? value.find((item): item is string => typeof item === 'string') : undefined;
}

/** The original message's header, when SES includes headers (event publishing always; identity notifications when asked). */
function sesHeader(mail: Json, name: string): string | undefined {
  const headers = mail.headers;
  if (!Array.isArray(headers)) return undefined;
  const wanted = name.toLowerCase();
  for (const item of headers.slice(0, 500)) {
    if (typeof item !== 'object' || item === null) continue;
    const entry = item as Json;
    if (typeof entry.name === 'string' && entry.name.toLowerCase() === wanted && typeof entry.value === 'string') return entry.value;
  }
  return undefined;
}

function sesSender(mail: Json): string | undefined {
  const common = mail.commonHeaders;
  if (typeof common === 'object' && common !== null) {
    const from = (common as Json).from;
    if (Array.isArray(from) && typeof from[0] === 'string') return from[0];
  }
  return text(mail.source);
}

/** What an SES feedback body holds: an SES notification (and, through SNS, the envelope's time), or a notice about the topic itself. */
type SesBody = { notice: true } | { notice: false; ses: Json; envelopeTimestamp: unknown };

/** Unwraps an SNS HTTP(S) message; anything else is taken as the SES notification itself. */
function sesPayload(json: unknown): SesBody {
  const root = record(json, 'the body');
  if (typeof root.Type !== 'string' || (!('TopicArn' in root) && !('Message' in root))) return { notice: false, ses: root, envelopeTimestamp: undefined };
  if (root.Type !== 'Notification') {
    throw new FeedbackError(`an SNS ${root.Type === 'SubscriptionConfirmation' || root.Type === 'UnsubscribeConfirmation' ? root.Type : 'message of another Type'} is not a notification (confirm subscriptions with confirmSnsSubscription)`);
  }
  if (typeof root.Message !== 'string') throw new FeedbackError('the SNS notification has no Message');
  const message = root.Message;
  if (SES_TOPIC_NOTICES.some((row) => matches(row.message, message))) return { notice: true };
  let inner: unknown;
  try {
    inner = JSON.parse(message);
  } catch {
    throw new FeedbackError('the SNS Message is not JSON, so not an SES notification');
  }
  return { notice: false, ses: record(inner, 'the SNS Message'), envelopeTimestamp: root.Timestamp };
}

/**
 * When an SES event happened: its detail's time (bounce.timestamp…), else
 * when the mail was sent (mail.timestamp), else, when SES left both out, when
 * SNS published the notification (its envelope's signed Timestamp, seconds
 * after the event and the same on every redelivery): a bounce or complaint
 * is kept rather than refused for want of a time.
 */
function sesTime(row: { detail: string | null; time: string | null }, detail: Json, mail: Json, envelopeTimestamp: unknown): number {
  const present = (value: unknown) => value !== undefined && value !== null;
  if (row.time !== null && present(detail[row.time])) return isoTime(detail[row.time], `${row.detail ?? 'mail'}.${row.time}`);
  if (present(mail.timestamp)) return isoTime(mail.timestamp, 'mail.timestamp');
  if (present(envelopeTimestamp)) return isoTime(envelopeTimestamp, 'the SNS Timestamp');
  throw new FeedbackError('mail.timestamp is missing and there is no SNS Timestamp to fall back on');
}

/**
 * Amazon SES feedback: an SNS notification whose Message is an SES
 * notification (identity notifications, `notificationType`) or event
 * (configuration-set event publishing, `eventType`), or that SES object
 * itself. One event per recipient the notification lists. AWS's plain-text
 * notices about the topic (SES_TOPIC_NOTICES) give no event.
 */
export function fromSesNotification(json: unknown, ctx: FeedbackContext): DeliveryEvent[] {
  const body = sesPayload(json);
  if (body.notice) return [];
  const { ses } = body;
  const type = text(ses.eventType) ?? text(ses.notificationType);
  if (type === undefined) throw new FeedbackError('neither eventType nor notificationType is a string: not an SES notification');
  const row = typeRow(SES_TYPES, type);
  if (row === undefined || row.mapping === null) return [];
  const mail = record(ses.mail, 'mail');
  const providerMessageId = requireText(mail, 'messageId', 'mail');
  const detail = row.detail === null ? {} : record(ses[row.detail], row.detail);
  const occurredAt = sesTime(row, detail, mail, body.envelopeTimestamp);

  let mapping = row.mapping;
  let providerBounceType: string | undefined;
  let bounceSubtype: string | undefined;
  if (type === 'Bounce') {
    providerBounceType = text(detail.bounceType);
    bounceSubtype = text(detail.bounceSubType);
    mapping = firstMatch(SES_BOUNCES, (r) => matches(r.bounceType, providerBounceType) && matches(r.bounceSubType, bounceSubtype), 'SES_BOUNCES').mapping;
  } else if (type === 'Complaint') {
    bounceSubtype = text(detail.complaintSubType);
    mapping = firstMatch(SES_COMPLAINTS, (r) => matches(r.complaintSubType, bounceSubtype), 'SES_COMPLAINTS').mapping;
  }

  const list = row.recipients === null ? recipients(mail.destination, 'mail.destination') : recipients(detail[row.recipients], `${row.detail ?? 'mail'}.${row.recipients}`);
  const collector = new Collector(ctx);
  const common = {
    provider: 'ses' as const,
    providerType: row.type,
    occurredAt,
    mapping,
    workspace: sesTag(mail, WORKSPACE_TAG) ?? sesHeader(mail, WORKSPACE_HEADER),
    sender: sesSender(mail),
    messageId: sesTag(mail, MESSAGE_ID_TAG) ?? sesHeader(mail, MESSAGE_ID_HEADER),
    providerMessageId,
    providerEventId: text(detail.feedbackId),
    providerBounceType,
    bounceSubtype,
    providerReason: row.reason === null ? undefined : text(detail[row.reason]),
  };
  const fallbackDiagnostic = row.diagnostic === null ? undefined : text(detail[row.diagnostic]);
  list.forEach((recipient, index) => {
    collector.add({ ...common, recipient: recipient.address, index, smtpStatus: recipient.status, diagnostic: recipient.diagnostic ?? fallbackDiagnostic });
  });
  return collector.events;
}

// ---------------------------------------------------------------------------
// Resend
// ---------------------------------------------------------------------------

/** Resend tags: `{ name: value }` in webhooks; `[{ name, value }]` as sent, accepted too. */
function resendTag(data: Json, name: string): string | undefined {
  const tags = data.tags;
  if (Array.isArray(tags)) {
    for (const item of tags.slice(0, 100)) {
      if (typeof item === 'object' && item !== null && (item as Json).name === name) return text((item as Json).value);
    }
    return undefined;
  }
  if (typeof tags !== 'object' || tags === null) return undefined;
  return text((tags as Json)[name]);
}

function optionalRecord(value: unknown, where: string): Json {
  return value === undefined || value === null ? {} : record(value, where);
}

/** Address-shaped tokens in a provider's text, to match against the listed recipients. */
const ADDRESS_IN_TEXT = /[^\s<>()[\]{},;:"'`]+@[^\s<>()[\]{},;:"'`]+/g;
/** As much of that text as is kept (the diagnostic's length): the token search stays cheap on a hostile body. */
const MAX_TEXT_SCANNED = 1000;

/**
 * Which address a Resend email event is about. Resend posts one event per
 * recipient; since November 2024 its data.to holds just that recipient
 * (resend.com/changelog/webhook-event-visibility), while older events listed
 * every address of the send and did not say which one the event was for
 * (Anymail's Resend webhook notes the same). With several addresses, the one
 * the event's own text names is taken; otherwise the recipient is unknown:
 * the outcome is stored once with no recipient rather than once for every
 * address, which would write N rows per webhook (N² per send) and credit each
 * recipient with the others' bounces.
 */
function resendRecipient(to: readonly string[], texts: readonly (string | undefined)[]): { address?: string; domain: string } {
  if (to.length === 1) return { address: to[0] as string, domain: '' };
  const addresses = to.map((entry) => canonicalAddress(entry)).filter((address): address is string => address !== null);
  const said = new Set<string>();
  for (const t of texts) for (const token of (t ?? '').slice(0, MAX_TEXT_SCANNED).match(ADDRESS_IN_TEXT) ?? []) said.add(token.toLowerCase().replace(/\.+$/, ''));
  const named = [...new Set(addresses.filter((address) => said.has(address)))];
  if (named.length === 1) return { address: named[0] as string, domain: '' };
  // The recipient is unknown, but its domain is not when every address shares one.
  const domains = new Set(addresses.map((address) => domainOf(address)));
  return { domain: domains.size === 1 ? ([...domains][0] as string) : '' };
}

/**
 * A Resend webhook: `{ type, created_at, data: { email_id, from, to: [...],
 * tags?, bounce?: { type, subType, message }, failed?: { reason },
 * suppressed?: { type, message } } }`. One event per webhook, for the
 * recipient resendRecipient finds.
 */
export function fromResendWebhook(json: unknown, ctx: FeedbackContext): DeliveryEvent[] {
  const root = record(json, 'the body');
  const type = text(root.type);
  if (type === undefined) throw new FeedbackError('type is missing or not a string: not a Resend webhook');
  const row = typeRow(RESEND_TYPES, type);
  if (row === undefined || row.mapping === null) return [];
  const data = record(root.data, 'data');
  const providerMessageId = requireText(data, 'email_id', 'data');
  const occurredAt = isoTime(root.created_at ?? data.created_at, 'created_at');
  const to: unknown = typeof data.to === 'string' ? [data.to] : data.to;
  if (!Array.isArray(to)) throw new FeedbackError('data.to is not a list of addresses');
  if (to.length > MAX_EVENTS_PER_PAYLOAD) throw new FeedbackError(`data.to lists more than ${MAX_EVENTS_PER_PAYLOAD} recipients`);
  to.forEach((address: unknown, index) => {
    if (typeof address !== 'string') throw new FeedbackError(`data.to[${index}] is not a string`);
  });

  let mapping = row.mapping;
  let providerBounceType: string | undefined;
  let bounceSubtype: string | undefined;
  let providerReason: string | undefined;
  let diagnostic: string | undefined;
  if (type === 'email.bounced') {
    const bounce = optionalRecord(data.bounce, 'data.bounce');
    providerBounceType = text(bounce.type);
    bounceSubtype = text(bounce.subType);
    diagnostic = text(bounce.message);
    const message = diagnostic;
    mapping =
      providerBounceType === undefined
        ? firstMatch(RESEND_UNTYPED_BOUNCES, (r) => matches(r.message, message), 'RESEND_UNTYPED_BOUNCES').mapping
        : firstMatch(SES_BOUNCES, (r) => matches(r.bounceType, providerBounceType) && matches(r.bounceSubType, bounceSubtype), 'SES_BOUNCES').mapping;
  } else if (type === 'email.failed') {
    const failed = optionalRecord(data.failed, 'data.failed');
    providerReason = text(failed.reason);
    diagnostic = providerReason;
    mapping = firstMatch(RESEND_FAILURES, (r) => matches(r.reason, providerReason), 'RESEND_FAILURES').mapping;
  } else if (type === 'email.suppressed') {
    const suppressed = optionalRecord(data.suppressed, 'data.suppressed');
    bounceSubtype = text(suppressed.type);
    diagnostic = text(suppressed.message);
  }

  const recipient = resendRecipient(to as string[], [diagnostic]);
  const collector = new Collector(ctx);
  collector.add({
    provider: 'resend',
    providerType: row.type,
    occurredAt,
    mapping,
    recipient: recipient.address,
    recipientDomain: recipient.domain,
    index: 0,
    workspace: resendTag(data, WORKSPACE_TAG),
    sender: text(data.from),
    messageId: resendTag(data, MESSAGE_ID_TAG),
    providerMessageId,
    providerEventId: ctx.deliveryId,
    providerBounceType,
    bounceSubtype,
    providerReason,
    diagnostic,
  });
  return collector.events;
}

// ---------------------------------------------------------------------------
// SendGrid-style event webhook (ScaiSend)
// ---------------------------------------------------------------------------

/** SendGrid's sg_message_id is the X-Message-Id the send returned, then `.filter…`/`.recvd…`; the send's id is the part before. */
function sendgridMessageId(value: string | undefined): string {
  if (value === undefined) return '';
  return value.replace(/\.(?:filter|recvd)[^.]*\..*$/s, '');
}

/**
 * A SendGrid-style event webhook body: a JSON array of events, each
 * `{ email, timestamp (Unix s), event, sg_event_id, sg_message_id, … }` plus
 * the custom args the send set (sendlens_message_id, sendlens_workspace).
 */
export function fromSendgridEvents(json: unknown, ctx: SendgridContext): DeliveryEvent[] {
  if (!Array.isArray(json)) throw new FeedbackError('the body is not a JSON array of events');
  if (json.length > MAX_EVENTS_PER_PAYLOAD) throw new FeedbackError(`more than ${MAX_EVENTS_PER_PAYLOAD} events in one request`);
  const provider = ctx.provider ?? 'scaisend';
  const collector = new Collector(ctx);
  json.forEach((item: unknown, index) => {
    const where = `event ${index}`;
    const event = record(item, where);
    const type = requireText(event, 'event', where);
    const row = typeRow(SENDGRID_EVENTS, type);
    if (row === undefined || row.mapping === null) return;
    const address = requireText(event, 'email', where);
    const occurredAt = unixSecondsTime(event.timestamp, `${where}.timestamp`);
    let mapping = row.mapping;
    let code: ErrorCode | null | undefined;
    let providerBounceType: string | undefined;
    let providerReason: string | undefined;
    let diagnostic = text(event.response);
    if (type === 'bounce') {
      providerBounceType = text(event.type);
      providerReason = text(event.bounce_classification);
      diagnostic = text(event.reason) ?? diagnostic;
      mapping = firstMatch(SENDGRID_BOUNCES, (r) => matches(r.type, providerBounceType), 'SENDGRID_BOUNCES').mapping;
      code = SENDGRID_BOUNCE_CLASSES.find((r) => matches(r.classification, providerReason))?.code;
    } else if (type === 'dropped') {
      providerReason = text(event.reason);
      mapping = firstMatch(SENDGRID_DROPS, (r) => matches(r.reason, providerReason), 'SENDGRID_DROPS').mapping;
    }
    collector.add({
      provider,
      providerType: row.type,
      occurredAt,
      mapping,
      ...(code !== undefined && { code }),
      recipient: address,
      index,
      workspace: text(event[WORKSPACE_TAG]),
      sender: undefined,
      messageId: text(event[MESSAGE_ID_TAG]),
      providerMessageId: sendgridMessageId(text(event.sg_message_id)),
      providerEventId: text(event.sg_event_id),
      providerBounceType,
      providerReason,
      smtpStatus: text(event.status),
      diagnostic,
    });
  });
  return collector.events;
}

// ---------------------------------------------------------------------------
// Generic (ours)
// ---------------------------------------------------------------------------

const literals = <T extends string>(values: readonly T[]): TLiteral<T>[] => values.map((value) => Type.Literal(value));

/**
 * The generic feedback event, v1: what a bridge for a provider without a
 * webhook format (relay, sendfleet) posts, one object or an array of them,
 * signed with X-Sendlens-Signature (see verifyGeneric). Unknown fields are
 * refused, so a misspelt field is an error rather than silently lost.
 */
export const GenericFeedbackEventSchema = Type.Object(
  {
    provider: Type.Union(literals(PROVIDERS), { description: 'The provider that sent the message.' }),
    type: Type.Union(literals(DELIVERY_OUTCOMES), { description: 'What happened: delivered, bounced, complained, deferred, rejected, suppressed.' }),
    timestamp: Type.String({ maxLength: 40, description: 'When it happened: ISO 8601, 2026-11-22T12:00:00.123Z; a time without a zone is UTC.' }),
    recipient: Type.String({ minLength: 1, maxLength: 512, description: 'The recipient address (hashed on arrival, never stored).' }),
    event_id: Type.Optional(Type.String({ maxLength: 256, description: 'Your id for this event, the same on every retry; strongly advised.' })),
    from: Type.Optional(Type.String({ maxLength: 512, description: 'The From address (only its domain is kept).' })),
    message_id: Type.Optional(Type.String({ maxLength: 256, description: "The sender's own message id." })),
    provider_message_id: Type.Optional(Type.String({ maxLength: 256, description: "The provider's message id." })),
    workspace: Type.Optional(Type.String({ maxLength: 128, description: "Tenant; the endpoint's configured workspace wins." })),
    bounce_type: Type.Optional(Type.Union(literals(BOUNCE_TYPES), { description: 'Only with type bounced; undetermined when absent.' })),
    bounce_subtype: Type.Optional(Type.String({ maxLength: 64 })),
    smtp_status: Type.Optional(Type.String({ pattern: '^[245]\\.\\d{1,3}\\.\\d{1,3}$', description: 'Enhanced status code, 5.1.1.' })),
    smtp_code: Type.Optional(Type.Integer({ minimum: 200, maximum: 599, description: 'SMTP reply code, 550.' })),
    diagnostic: Type.Optional(Type.String({ maxLength: 4000, description: 'The server text (scrubbed on arrival).' })),
    reason: Type.Optional(Type.String({ maxLength: 200, description: 'A short reason, kept as provider_reason.' })),
    code: Type.Optional(Type.Union(literals(ALL_CODES), { description: 'A normalized code; not allowed with delivered, complained, deferred.' })),
  },
  { $id: 'https://sendlens.dev/schemas/generic-feedback-event.v1.json', title: 'GenericFeedbackEvent', additionalProperties: false },
);
export type GenericFeedbackEvent = Static<typeof GenericFeedbackEventSchema>;

const validateGeneric = contractValidator<GenericFeedbackEvent>(GenericFeedbackEventSchema);

const CODELESS: ReadonlySet<string> = new Set(['delivered', 'complained', 'deferred']);

/** The generic endpoint's body: one GenericFeedbackEvent or an array of them. */
export function fromGenericEvents(json: unknown, ctx: FeedbackContext): DeliveryEvent[] {
  const list = Array.isArray(json) ? json : [json];
  if (list.length > MAX_EVENTS_PER_PAYLOAD) throw new FeedbackError(`more than ${MAX_EVENTS_PER_PAYLOAD} events in one request`);
  const collector = new Collector(ctx);
  list.forEach((item: unknown, index) => {
    const where = Array.isArray(json) ? `event ${index}` : 'the event';
    const checked = validateGeneric(item);
    if (!checked.ok) throw new FeedbackError(`${where}: ${checked.reason}`);
    const event = checked.value;
    if (event.bounce_type !== undefined && event.type !== 'bounced') throw new FeedbackError(`${where}: bounce_type is only for type bounced`);
    if (event.code !== undefined && CODELESS.has(event.type)) throw new FeedbackError(`${where}: code is not allowed with type ${event.type}`);
    const row = typeRow(GENERIC_TYPES, event.type);
    if (row === undefined || row.mapping === null) return;
    collector.add({
      provider: event.provider,
      providerType: row.type,
      occurredAt: isoTime(event.timestamp, `${where}.timestamp`),
      mapping: row.mapping,
      ...(event.code !== undefined && { code: event.code }),
      ...(event.bounce_type !== undefined && { bounceType: event.bounce_type }),
      recipient: event.recipient,
      index,
      workspace: event.workspace,
      sender: event.from,
      messageId: event.message_id,
      providerMessageId: event.provider_message_id ?? '',
      providerEventId: event.event_id,
      bounceSubtype: event.bounce_subtype,
      providerReason: event.reason,
      smtpStatus: event.smtp_status,
      smtpCode: event.smtp_code,
      diagnostic: event.diagnostic,
    });
  });
  return collector.events;
}
