import { ANY, bounced, complained, deferred, delivered, rejected, suppressed } from '../../feedback/index.js';
import type { EventTypeRow, FeedbackMapping, Pattern } from '../../feedback/index.js';
// ---------------------------------------------------------------------------
// Amazon SES (identity notifications `notificationType` and event publishing `eventType`)
// ---------------------------------------------------------------------------

/** Where an SES type keeps its details and its recipients. */
export interface SesTypeRow extends EventTypeRow {
  /** The object holding the details: bounce, complaint, delivery, deliveryDelay, reject, failure. */
  readonly detail: string | null;
  /** The recipients: a list in the detail object (of objects with emailAddress, or of strings), or mail.destination when null. */
  readonly recipients: string | null;
  /** The detail field that is the event time; mail.timestamp when null. */
  readonly time: string | null;
  /** The detail field kept as provider_reason (a short machine reason), if any. */
  readonly reason: string | null;
  /** The detail field kept as the diagnostic when a recipient has no diagnosticCode of its own, if any. */
  readonly diagnostic: string | null;
}

const sesIgnored = (type: string): SesTypeRow => ({ type, detail: null, recipients: null, time: null, reason: null, diagnostic: null, mapping: null });

export const SES_TYPES: readonly SesTypeRow[] = [
  { type: 'Bounce', detail: 'bounce', recipients: 'bouncedRecipients', time: 'timestamp', reason: null, diagnostic: null, mapping: bounced('undetermined', null, 'Bounce: refined by SES_BOUNCES (bounceType, bounceSubType)') },
  { type: 'Complaint', detail: 'complaint', recipients: 'complainedRecipients', time: 'timestamp', reason: 'complaintFeedbackType', diagnostic: null, mapping: complained('Complaint: the recipient marked the email as spam; refined by SES_COMPLAINTS (complaintSubType)') },
  { type: 'Delivery', detail: 'delivery', recipients: 'recipients', time: 'timestamp', reason: null, diagnostic: 'smtpResponse', mapping: delivered("Delivery: SES successfully delivered the email to the recipient's mail server") },
  { type: 'DeliveryDelay', detail: 'deliveryDelay', recipients: 'delayedRecipients', time: 'timestamp', reason: 'delayType', diagnostic: null, mapping: deferred("DeliveryDelay: the email couldn't be delivered because a temporary issue occurred (delayType)") },
  { type: 'Reject', detail: 'reject', recipients: null, time: null, reason: 'reason', diagnostic: null, mapping: rejected('content.message_rejected', "Reject: SES accepted the email, but determined that it contained a virus and didn't attempt to deliver it") },
  { type: 'Rendering Failure', detail: 'failure', recipients: null, time: null, reason: null, diagnostic: 'errorMessage', mapping: rejected('content.template_render_failed', "Rendering Failure: the email wasn't sent because of a template rendering issue") },
  sesIgnored('Send'),
  sesIgnored('Open'),
  sesIgnored('Click'),
  sesIgnored('Subscription'),
  // Sent once when a topic is set as an identity's notification topic.
  sesIgnored('AmazonSnsSubscriptionSucceeded'),
];

/** A plain-text message AWS posts on a feedback topic about the topic itself, not about any mail. */
export interface NoticeRow {
  readonly message: Pattern;
  readonly doc: string;
}

/** Acknowledged (200) with no event: refusing one would only make SNS post it again. */
export const SES_TOPIC_NOTICES: readonly NoticeRow[] = [
  {
    message: /^Successfully validated SNS topic for Amazon SES event publishing\.?\s*$/,
    doc: 'posted once, as the Message of a signed SNS Notification, when the topic is set as a configuration-set event destination (as in Anymail tests/test_amazon_ses_webhooks.py)',
  },
];

export interface BounceRow {
  readonly bounceType: Pattern;
  readonly bounceSubType: Pattern;
  readonly mapping: FeedbackMapping;
}

/** SES bounce types and subtypes (also Resend's bounce.type / bounce.subType, which use SES's names). */
export const SES_BOUNCES: readonly BounceRow[] = [
  { bounceType: 'Undetermined', bounceSubType: ANY, mapping: bounced('undetermined', null, 'Undetermined/Undetermined: SES was unable to determine a specific bounce reason') },
  { bounceType: 'Permanent', bounceSubType: 'General', mapping: bounced('hard', null, 'Permanent/General: a general hard bounce; remove the address from your list') },
  { bounceType: 'Permanent', bounceSubType: 'NoEmail', mapping: bounced('hard', 'recipient.invalid_address', 'Permanent/NoEmail: the target email address does not exist') },
  { bounceType: 'Permanent', bounceSubType: 'Suppressed', mapping: suppressed("Permanent/Suppressed: the address is on SES's suppression list (recent hard bounces); SES did not try it") },
  { bounceType: 'Permanent', bounceSubType: 'OnAccountSuppressionList', mapping: suppressed("Permanent/OnAccountSuppressionList: the address is on the account-level suppression list; SES did not try it") },
  { bounceType: 'Permanent', bounceSubType: ANY, mapping: bounced('hard', null, 'Permanent/<other>: a hard bounce of a subtype not listed here') },
  { bounceType: 'Transient', bounceSubType: 'General', mapping: bounced('soft', null, 'Transient/General: a general soft bounce; may be delivered later') },
  { bounceType: 'Transient', bounceSubType: 'MailboxFull', mapping: bounced('soft', null, "Transient/MailboxFull: the recipient's inbox was full") },
  { bounceType: 'Transient', bounceSubType: 'MessageTooLarge', mapping: bounced('soft', 'validation.payload_too_large', 'Transient/MessageTooLarge: the message was too large for the receiving server') },
  { bounceType: 'Transient', bounceSubType: 'ContentRejected', mapping: bounced('soft', 'content.message_rejected', 'Transient/ContentRejected: the receiving server does not allow the content') },
  { bounceType: 'Transient', bounceSubType: 'AttachmentRejected', mapping: bounced('soft', 'validation.invalid_attachment', 'Transient/AttachmentRejected: the message had an unacceptable attachment') },
  { bounceType: 'Transient', bounceSubType: ANY, mapping: bounced('soft', null, 'Transient/<other>: a soft bounce of a subtype not listed here') },
  { bounceType: ANY, bounceSubType: ANY, mapping: bounced('undetermined', null, 'a bounce type SES does not document (or none): undetermined') },
];

export interface ComplaintRow {
  readonly complaintSubType: Pattern;
  readonly mapping: FeedbackMapping;
}

/** SES complaint subtypes: null for a real complaint, OnAccountSuppressionList when SES did not send. */
export const SES_COMPLAINTS: readonly ComplaintRow[] = [
  { complaintSubType: 'OnAccountSuppressionList', mapping: suppressed('complaintSubType OnAccountSuppressionList: the address is on the account-level suppression list for complaints; SES did not send') },
  { complaintSubType: ANY, mapping: complained('complaintSubType null: the recipient marked the email as spam') },
];

