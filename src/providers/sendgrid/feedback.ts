import type { DeliveryEvent } from '../../events/index.js';
import { Collector, FeedbackError, MAX_EVENTS_PER_PAYLOAD, MESSAGE_ID_TAG, WORKSPACE_TAG, firstMatch, matches, record, requireText, text, typeRow, unixSecondsTime } from '../../feedback/index.js';
import type { SendgridContext } from '../../feedback/index.js';
import type { ErrorCode } from '../../normalize/index.js';
import { SENDGRID_BOUNCES, SENDGRID_BOUNCE_CLASSES, SENDGRID_DROPS, SENDGRID_EVENTS } from './mappings.js';

/**
 * SendGrid's Event Webhook format → delivery events (ScaiSend speaks it too).
 */
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
