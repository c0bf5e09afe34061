import type { DeliveryEvent } from '../../events/index.js';
import { FeedbackError, MESSAGE_ID_TAG, WORKSPACE_TAG } from '../../feedback/index.js';
import type { FeedbackContext, FeedbackMapping } from '../../feedback/index.js';
import { ANY, Collector, bounced, complained, delivered, deferred, matches, record, rejected, suppressed, text, unixSecondsTime } from '../../feedback/index.js';
import { objectField } from '../request-fields.js';

/**
 * Mailgun's webhooks: `{"signature": {…}, "event-data": {event, timestamp,
 * id, recipient, severity?, reason?, delivery-status?, message: {headers},
 * envelope?, user-variables?}}`
 * (https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/webhooks,
 * https://documentation.mailgun.com/docs/mailgun/user-manual/events/events).
 * Sample payloads: Anymail's tests (anymail/django-anymail tests/test_mailgun_webhooks.py).
 */

/** The `event` values; null: not delivery feedback, acknowledged and dropped. */
export const MAILGUN_EVENTS: Readonly<Record<string, FeedbackMapping | null>> = {
  accepted: null, // Mailgun accepted the API request and queued the message: a send, not feedback
  delivered: delivered("delivered: Mailgun sent the email and it was accepted by the recipient's email server"),
  failed: bounced('undetermined', null, 'failed: refined by MAILGUN_FAILURES on severity and reason'),
  rejected: rejected('unknown.unmapped', 'rejected: Mailgun rejected the request to send the email (reject.reason says why)'),
  complained: complained('complained: the recipient reported the email as spam'),
  opened: null,
  clicked: null,
  unsubscribed: null, // the recipient left a mailing list: a list change, not delivery feedback
  stored: null, // an inbound message was stored
};

export interface MailgunFailureRow {
  readonly severity: string | RegExp;
  readonly reason: string | RegExp;
  readonly mapping: FeedbackMapping;
}

/**
 * `failed` events: `severity` permanent (Mailgun gave up, or never tried) or
 * temporary (it will retry), and `reason`.
 */
export const MAILGUN_FAILURES: readonly MailgunFailureRow[] = [
  { severity: 'permanent', reason: 'suppress-bounce', mapping: suppressed('permanent/suppress-bounce: the address is on the bounce list; Mailgun did not try it') },
  { severity: 'permanent', reason: 'suppress-complaint', mapping: suppressed('permanent/suppress-complaint: the address is on the complaint list; Mailgun did not try it') },
  { severity: 'permanent', reason: 'suppress-unsubscribe', mapping: suppressed('permanent/suppress-unsubscribe: the address is on the unsubscribe list; Mailgun did not try it') },
  { severity: 'permanent', reason: 'old', mapping: bounced('soft', null, 'permanent/old: Mailgun stopped retrying after temporary failures (the message grew too old)') },
  { severity: 'permanent', reason: 'espblock', mapping: bounced('soft', null, "permanent/espblock: the recipient's provider blocked the message (a block, not a bad address)") },
  { severity: 'permanent', reason: 'bounce', mapping: bounced('hard', null, 'permanent/bounce: the receiving server refused the address (hard bounce)') },
  { severity: 'permanent', reason: ANY, mapping: bounced('hard', null, 'permanent/generic (or another reason): a permanent failure') },
  { severity: 'temporary', reason: ANY, mapping: deferred('temporary/*: a temporary failure; Mailgun will retry') },
  { severity: ANY, reason: ANY, mapping: bounced('undetermined', null, 'a failure without a documented severity: undetermined') },
];

/** The first address of a header value such as `Jane <jane@example.com>, bob@example.org`. */
function firstAddress(value: string | undefined): string | undefined {
  const first = value?.split(',')[0]?.trim();
  if (!first) return undefined;
  return /<([^>]+)>/.exec(first)?.[1] ?? first;
}

/** Mailgun's message id as both sides keep it: no angle brackets, and no domain (see below). */
export function bareMessageId(value: string | undefined): string {
  const bare = (value ?? '').trim().replace(/^<(.*)>$/s, '$1');
  // An RFC 5322 Message-ID is address-shaped (`20180812211713.1.DF5966851B4BAB4B@mg.example.org`),
  // and no address may reach an event; its left part, a timestamp and a random id, is unique alone.
  const at = bare.lastIndexOf('@');
  return at > 0 ? bare.slice(0, at) : bare;
}

/** A verified Mailgun webhook body → at most one delivery event. */
export function fromMailgunWebhook(json: unknown, ctx: FeedbackContext): DeliveryEvent[] {
  const root = record(json, 'the body');
  const data = record(root['event-data'], 'event-data');
  const type = text(data.event);
  if (type === undefined) throw new FeedbackError('event-data.event is missing or not a string: not a Mailgun webhook');
  if (!Object.hasOwn(MAILGUN_EVENTS, type)) return [];
  let mapping = MAILGUN_EVENTS[type] ?? null;
  if (mapping === null) return [];
  const severity = text(data.severity);
  const reason = text(data.reason);
  if (type === 'failed') mapping = MAILGUN_FAILURES.find((row) => matches(row.severity, severity) && matches(row.reason, reason))?.mapping ?? mapping;

  const message = objectField(data.message) ?? {};
  const headers = objectField(message.headers) ?? {};
  // A `rejected` event has no recipient field: the message's To is who it was for.
  const recipient = text(data.recipient) ?? firstAddress(text(headers.to));
  if (recipient === undefined || recipient === '') throw new FeedbackError('event-data.recipient is missing or not a string');
  const status = objectField(data['delivery-status']) ?? {};
  const rejectInfo = objectField(data.reject) ?? {};
  const variables = objectField(data['user-variables']) ?? {};
  const events = new Collector(ctx);
  events.add({
    provider: 'mailgun',
    providerType: severity === undefined ? type : `${type}/${severity}`,
    occurredAt: unixSecondsTime(data.timestamp, 'event-data.timestamp'),
    mapping,
    recipient,
    index: 0,
    workspace: text(variables[WORKSPACE_TAG]),
    sender: text((objectField(data.envelope) ?? {}).sender) ?? firstAddress(text(headers.from)),
    messageId: text(variables[MESSAGE_ID_TAG]),
    providerMessageId: bareMessageId(text(headers['message-id'])),
    providerEventId: text(data.id),
    providerBounceType: severity,
    providerReason: reason ?? text(rejectInfo.reason),
    smtpCode: typeof status.code === 'number' ? status.code : undefined,
    diagnostic: text(status.message) || text(status.description) || text(rejectInfo.reason),
  });
  return events.events;
}
