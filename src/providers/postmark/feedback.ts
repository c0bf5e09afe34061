import type { DeliveryEvent } from '../../events/index.js';
import { FeedbackError, MESSAGE_ID_TAG, WORKSPACE_TAG } from '../../feedback/index.js';
import type { FeedbackContext, FeedbackMapping } from '../../feedback/index.js';
import { Collector, bounced, complained, delivered, deferred, isoTime, record, rejected, suppressed, text } from '../../feedback/index.js';
import { objectField } from '../request-fields.js';

/**
 * Postmark's webhooks, one JSON object per request, told apart by
 * `RecordType` (https://postmarkapp.com/developer/webhooks/webhooks-overview).
 * Sample payloads: https://postmarkapp.com/developer/webhooks/{delivery,bounce,spam-complaint,open-tracking,click,subscription-change}-webhook,
 * and Anymail's tests (anymail/django-anymail tests/test_postmark_webhooks.py).
 */

/** Where a record type keeps its recipient and its time, and what it means. */
export interface PostmarkRecordRow {
  readonly recordType: string;
  /** null: not delivery feedback, acknowledged and dropped. */
  readonly mapping: FeedbackMapping | null;
  readonly recipient: 'Recipient' | 'Email';
  readonly time: 'DeliveredAt' | 'BouncedAt' | 'ReceivedAt' | 'ChangedAt';
}

export const POSTMARK_RECORDS: readonly PostmarkRecordRow[] = [
  { recordType: 'Delivery', recipient: 'Recipient', time: 'DeliveredAt', mapping: delivered("Delivery: the message was accepted by the recipient's mail server") },
  { recordType: 'Bounce', recipient: 'Email', time: 'BouncedAt', mapping: bounced('undetermined', null, 'Bounce: refined by POSTMARK_BOUNCE_TYPES on Type') },
  { recordType: 'SpamComplaint', recipient: 'Email', time: 'BouncedAt', mapping: complained('SpamComplaint: the recipient marked the message as spam (Postmark deactivates the address)') },
  { recordType: 'Open', recipient: 'Recipient', time: 'ReceivedAt', mapping: null },
  { recordType: 'Click', recipient: 'Recipient', time: 'ReceivedAt', mapping: null },
  // A change of Postmark's suppression list, not news about a message: the bounce or complaint
  // that caused it arrives as its own record, and counting both would count it twice.
  { recordType: 'SubscriptionChange', recipient: 'Recipient', time: 'ChangedAt', mapping: null },
];

/**
 * The bounce `Type` table (https://postmarkapp.com/developer/api/bounce-api#bounce-types),
 * every documented type; a type not listed is an undetermined bounce.
 */
export const POSTMARK_BOUNCE_TYPES: Readonly<Record<string, FeedbackMapping | null>> = {
  HardBounce: bounced('hard', null, 'HardBounce (1): the server was unable to deliver your message (ex: unknown user, mailbox not found)'),
  Transient: bounced('soft', null, 'Transient (2): the server could not temporarily deliver your message (ex: message is delayed due to network troubles)'),
  Unsubscribe: null, // 16: an unsubscribe or remove request by reply, not a delivery failure
  Subscribe: null, // 32: a subscribe request by reply
  AutoResponder: null, // 64: an automatic reply (vacation): the message was delivered
  AddressChange: null, // 128: the recipient asked for an address change: the message was delivered
  DnsError: bounced('soft', null, 'DnsError (256): a temporary DNS error'),
  SpamNotification: bounced('soft', 'content.message_rejected', 'SpamNotification (512): the message was blocked by the user, or classified as spam, bulk mail, or had rejected content'),
  OpenRelayTest: null, // 1024: an open relay test, not about the message
  Unknown: bounced('undetermined', null, 'Unknown (2048): unable to classify the bounce'),
  SoftBounce: bounced('soft', null, 'SoftBounce (4096): unable to temporarily deliver message (mailbox full, account disabled, exceeds quota, out of disk space)'),
  VirusNotification: bounced('soft', 'content.message_rejected', 'VirusNotification (8192): the bounce is a virus notification warning about a virus/code infected message'),
  ChallengeVerification: deferred('ChallengeVerification (16384): a challenge asking to verify you actually sent the email; held until answered'),
  BadEmailAddress: rejected('recipient.invalid_address', 'BadEmailAddress (100000): the address is not a valid email address; Postmark did not send'),
  SpamComplaint: complained('SpamComplaint (100001): the subscriber explicitly marked this message as spam'),
  ManuallyDeactivated: suppressed('ManuallyDeactivated (100002): the email was manually deactivated; Postmark did not send'),
  Unconfirmed: rejected('unknown.unmapped', 'Unconfirmed (100003): registration not confirmed, the subscriber has not clicked the confirmation link'),
  Blocked: bounced('soft', null, 'Blocked (100006): ISP block, the email was blocked by the ISP'),
  SMTPApiError: suppressed('SMTPApiError (100007): a message sent through SMTP to a recipient already suppressed (bounce, complaint, unsubscribe or manual)'),
  InboundError: null, // 100008: processing of an inbound message failed
  DMARCPolicy: bounced('hard', 'sender.dns_records_missing', "DMARCPolicy (100009): email rejected due to the sender domain's DMARC policy"),
  TemplateRenderingFailed: rejected('content.template_render_failed', 'TemplateRenderingFailed (100010): an error occurred while rendering the template'),
};

const UNDOCUMENTED_BOUNCE = bounced('undetermined', null, 'a bounce Type Postmark does not document (or none): undetermined');

/** Metadata is `{ key: string }`; our tags travel there. */
function tag(metadata: unknown, key: string): string | undefined {
  return text((objectField(metadata) ?? {})[key]);
}

/** A Postmark webhook body → at most one delivery event (each record is about one recipient). */
export function fromPostmarkWebhook(json: unknown, ctx: FeedbackContext): DeliveryEvent[] {
  const root = record(json, 'the body');
  const recordType = text(root.RecordType);
  if (recordType === undefined) throw new FeedbackError('RecordType is missing or not a string: not a Postmark webhook');
  const row = POSTMARK_RECORDS.find((r) => r.recordType === recordType);
  if (row === undefined || row.mapping === null) return [];
  const type = text(root.Type);
  let mapping: FeedbackMapping | null = row.mapping;
  if (recordType === 'Bounce') mapping = type !== undefined && Object.hasOwn(POSTMARK_BOUNCE_TYPES, type) ? (POSTMARK_BOUNCE_TYPES[type] ?? null) : UNDOCUMENTED_BOUNCE;
  if (mapping === null) return [];
  const recipient = text(root[row.recipient]);
  if (recipient === undefined || recipient === '') throw new FeedbackError(`${row.recipient} is missing or not a string`);
  const events = new Collector(ctx);
  events.add({
    provider: 'postmark',
    providerType: recordType === 'Bounce' && type !== undefined ? `Bounce/${type}` : recordType,
    occurredAt: isoTime(root[row.time], row.time),
    mapping,
    recipient,
    index: 0,
    workspace: tag(root.Metadata, WORKSPACE_TAG),
    sender: text(root.From),
    messageId: tag(root.Metadata, MESSAGE_ID_TAG),
    providerMessageId: text(root.MessageID) ?? '',
    // Bounce and SpamComplaint records have their own ID; a delivery is one per message and recipient.
    providerEventId: typeof root.ID === 'number' || typeof root.ID === 'string' ? String(root.ID) : undefined,
    providerBounceType: recordType === 'Bounce' ? type : undefined,
    providerReason: text(root.Description),
    diagnostic: text(root.Details),
  });
  return events.events;
}
