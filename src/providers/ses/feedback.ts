import type { DeliveryEvent } from '../../events/index.js';
import { Collector, FeedbackError, MESSAGE_ID_HEADER, MESSAGE_ID_TAG, WORKSPACE_HEADER, WORKSPACE_TAG, firstMatch, isoTime, matches, record, recipients, requireText, text, typeRow } from '../../feedback/index.js';
import type { FeedbackContext, Json } from '../../feedback/index.js';
import { SES_BOUNCES, SES_COMPLAINTS, SES_TOPIC_NOTICES, SES_TYPES } from './mappings.js';

/**
 * Amazon SES feedback (identity notifications and event publishing, through SNS) → delivery events.
 */
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
