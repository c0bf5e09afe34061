import type { BounceType, DeliveryOutcome, ErrorCode } from '../normalize/index.js';

/**
 * How each provider's feedback maps onto delivery outcomes, bounce types and
 * normalized codes: data, one line per provider value, with the provider's own
 * words beside it to check it against. The normalizers only look rows up
 * (first match wins, so a specific row stands before the `*` row it narrows).
 *
 * Decisions a reader should know:
 * - Suppression is its own outcome, not a bounce: SES's Permanent/Suppressed
 *   (global suppression list) and Permanent/OnAccountSuppressionList, SES's
 *   complaintSubType OnAccountSuppressionList, Resend's email.suppressed (and
 *   its older untyped email.bounced "Resend has suppressed sending…") and
 *   SendGrid's dropped "Bounced Address"/"Unsubscribed Address"/"Spam
 *   Reporting Address" all mean the provider never tried this recipient, so
 *   they are `suppressed` with code suppression.recipient_suppressed and no
 *   bounce type. Bounce rates then count only what receivers refused.
 * - `bounce_type` is set exactly when the outcome is `bounced`.
 * - `rejected` and `suppressed` always carry a code (unknown.unmapped when
 *   nothing finer is known); delivered, complained and deferred never do.
 *   Bounces carry one only where the subtype says what went wrong.
 * - Event types that are not delivery feedback (sends, opens, clicks…) map to
 *   `null` and produce no event; an event type no row names produces none
 *   either, so a provider adding a type never makes us answer 400 forever.
 */

/** `*` matches any value, including none. */
export const ANY = '*';

/** A row's pattern: `*`, an exact value, or a RegExp for free-text fields. */
export type Pattern = string | RegExp;

export function matches(pattern: Pattern, value: string | null | undefined): boolean {
  if (pattern === ANY) return true;
  if (value === null || value === undefined) return false;
  return typeof pattern === 'string' ? pattern === value : pattern.test(value);
}

/** What a provider value means. */
export interface FeedbackMapping {
  readonly outcome: DeliveryOutcome;
  readonly bounceType: BounceType | null;
  readonly code: ErrorCode | null;
  /** The provider's documentation for the row (or why we decided as we did). */
  readonly doc: string;
}

/** A row of an event-type table: a null mapping means "not delivery feedback: no event". */
export interface EventTypeRow {
  readonly type: string;
  readonly mapping: FeedbackMapping | null;
}

export const delivered = (doc: string): FeedbackMapping => ({ outcome: 'delivered', bounceType: null, code: null, doc });
export const complained = (doc: string): FeedbackMapping => ({ outcome: 'complained', bounceType: null, code: null, doc });
export const deferred = (doc: string): FeedbackMapping => ({ outcome: 'deferred', bounceType: null, code: null, doc });
export const bounced = (bounceType: BounceType, code: ErrorCode | null, doc: string): FeedbackMapping => ({ outcome: 'bounced', bounceType, code, doc });
export const rejected = (code: ErrorCode, doc: string): FeedbackMapping => ({ outcome: 'rejected', bounceType: null, code, doc });
export const suppressed = (doc: string): FeedbackMapping => ({ outcome: 'suppressed', bounceType: null, code: 'suppression.recipient_suppressed', doc });

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

// ---------------------------------------------------------------------------
// Resend (Svix-signed webhooks; payload per the resend SDK's WebhookEventPayload types)
// ---------------------------------------------------------------------------

export const RESEND_TYPES: readonly EventTypeRow[] = [
  { type: 'email.delivered', mapping: delivered("email.delivered: Resend successfully delivered the email to the recipient's mail server") },
  { type: 'email.bounced', mapping: bounced('undetermined', null, "email.bounced: the recipient's mail server rejected the email; refined by SES_BOUNCES on data.bounce.type/subType") },
  { type: 'email.complained', mapping: complained('email.complained: the email was delivered, but the recipient marked it as spam') },
  { type: 'email.delivery_delayed', mapping: deferred("email.delivery_delayed: the email couldn't be delivered due to a temporary issue") },
  { type: 'email.failed', mapping: rejected('unknown.unmapped', 'email.failed: the email failed to send due to an error; refined by RESEND_FAILURES on data.failed.reason') },
  { type: 'email.suppressed', mapping: suppressed('email.suppressed: the email was not sent because the recipient is suppressed') },
  { type: 'email.sent', mapping: null },
  { type: 'email.scheduled', mapping: null },
  { type: 'email.opened', mapping: null },
  { type: 'email.clicked', mapping: null },
  { type: 'email.received', mapping: null },
];

export interface BounceMessageRow {
  readonly message: Pattern;
  readonly mapping: FeedbackMapping;
}

/**
 * Older Resend email.bounced events carry no bounce.type, only a message;
 * these rows read the message (wordings from Anymail's Resend webhook and its
 * tests). A suppression is not a bounce: Resend says it "does not count
 * toward your bounce rate metric", so it must not count toward ours.
 */
export const RESEND_UNTYPED_BOUNCES: readonly BounceMessageRow[] = [
  {
    message: /suppressed sending to this address/i,
    mapping: suppressed('"Resend has suppressed sending to this address because it is on the account-level suppression list. This does not count toward your bounce rate metric"'),
  },
  { message: /sent a hard bounce message/i, mapping: bounced('hard', null, '"The recipient\'s email provider sent a hard bounce message, but didn\'t specify the reason for the hard bounce."') },
  { message: /inbox was full/i, mapping: bounced('soft', null, '"The recipient\'s email provider sent a bounce message because the recipient\'s inbox was full."') },
  { message: ANY, mapping: bounced('undetermined', null, 'an untyped bounce whose message is none of the above ("…sent a general bounce message…")') },
];

export interface ReasonRow {
  readonly reason: Pattern;
  readonly mapping: FeedbackMapping;
}

/**
 * Resend's email.failed `reason` is free text its documentation does not
 * enumerate ("invalid recipients, API key problems, domain verification
 * issues, email quota limits, or other sending failures"): these patterns are
 * our reading of those words, not a documented list.
 */
export const RESEND_FAILURES: readonly ReasonRow[] = [
  { reason: /daily.*quota|quota.*daily/i, mapping: rejected('quota.daily_exceeded', 'email.failed: daily quota reached') },
  { reason: /monthly.*quota|quota.*monthly/i, mapping: rejected('quota.monthly_exceeded', 'email.failed: monthly quota reached') },
  { reason: /domain.*(not|un)\s*verified|verify.*domain/i, mapping: rejected('sender.domain_not_verified', 'email.failed: domain verification issue') },
  { reason: /api key/i, mapping: rejected('auth.invalid_credentials', 'email.failed: API key problem') },
  { reason: /invalid.*(recipient|address|to\b)/i, mapping: rejected('recipient.invalid_address', 'email.failed: invalid recipient') },
  { reason: ANY, mapping: rejected('unknown.unmapped', 'email.failed: another sending failure') },
];

// ---------------------------------------------------------------------------
// SendGrid-style event webhook (ScaiSend speaks it)
// ---------------------------------------------------------------------------

export const SENDGRID_EVENTS: readonly EventTypeRow[] = [
  { type: 'delivered', mapping: delivered('delivered: the message has been successfully delivered to the receiving server') },
  { type: 'deferred', mapping: deferred('deferred: the receiving server temporarily rejected the message; it will be retried') },
  { type: 'bounce', mapping: bounced('undetermined', null, 'bounce: the receiving server could not or would not accept the message; refined by SENDGRID_BOUNCES on type') },
  { type: 'dropped', mapping: rejected('unknown.unmapped', 'dropped: the message was not sent; refined by SENDGRID_DROPS on reason') },
  { type: 'spamreport', mapping: complained('spamreport: the recipient marked the message as spam') },
  { type: 'processed', mapping: null },
  { type: 'open', mapping: null },
  { type: 'click', mapping: null },
  { type: 'unsubscribe', mapping: null },
  { type: 'group_unsubscribe', mapping: null },
  { type: 'group_resubscribe', mapping: null },
];

export interface SendgridBounceRow {
  readonly type: Pattern;
  readonly mapping: FeedbackMapping;
}

/** The bounce event's `type`. */
export const SENDGRID_BOUNCES: readonly SendgridBounceRow[] = [
  { type: 'bounce', mapping: bounced('hard', null, 'type bounce: the receiving server denied the message permanently (hard bounce)') },
  { type: 'blocked', mapping: bounced('soft', null, 'type blocked: the receiving server temporarily denied the message (block)') },
  { type: 'expired', mapping: bounced('soft', null, 'type expired: the message could not be delivered before retries ran out') },
  { type: ANY, mapping: bounced('undetermined', null, 'a bounce without a type SendGrid documents') },
];

/** The bounce event's `bounce_classification`, where it names the cause; other classes keep the type's code. */
export const SENDGRID_BOUNCE_CLASSES: readonly { readonly classification: Pattern; readonly code: ErrorCode; readonly doc: string }[] = [
  { classification: 'Invalid Address', code: 'recipient.invalid_address', doc: 'bounce_classification Invalid Address: the address does not exist or is malformed' },
  { classification: 'Content', code: 'content.message_rejected', doc: 'bounce_classification Content: the receiving server refused the content' },
];

/** The dropped event's `reason` (SendGrid's documented reasons, and ScaiSend's template_render_error). */
export const SENDGRID_DROPS: readonly ReasonRow[] = [
  { reason: 'template_render_error', mapping: rejected('content.template_render_failed', 'ScaiSend: template rendering failure; a dropped event is emitted with reason template_render_error') },
  { reason: /^bounced address/i, mapping: suppressed('Bounced Address: the address is on the bounce suppression list') },
  { reason: /^unsubscribed address/i, mapping: suppressed('Unsubscribed Address: the address is on an unsubscribe list') },
  { reason: /^spam reporting address/i, mapping: suppressed('Spam Reporting Address: the address is on the spam report list') },
  { reason: /^invalid smtpapi header/i, mapping: rejected('validation.invalid_fields', 'Invalid SMTPAPI header: the X-SMTPAPI header was invalid') },
  { reason: /^spam content/i, mapping: rejected('content.message_rejected', 'Spam Content (if Spam Checker app is enabled): the content was flagged as spam') },
  { reason: /^recipient list over package quota/i, mapping: rejected('quota.monthly_exceeded', 'Recipient List over Package Quota: the plan\'s quota was exceeded') },
  { reason: /^invalid( address)?$/i, mapping: rejected('recipient.invalid_address', 'Invalid: the address is not valid') },
  { reason: ANY, mapping: rejected('unknown.unmapped', 'a dropped reason not listed here') },
];

// ---------------------------------------------------------------------------
// Generic (ours): the type is the outcome
// ---------------------------------------------------------------------------

export const GENERIC_TYPES: readonly EventTypeRow[] = [
  { type: 'delivered', mapping: delivered('delivered') },
  { type: 'bounced', mapping: bounced('undetermined', null, 'bounced; bounce_type in the event, undetermined when absent') },
  { type: 'complained', mapping: complained('complained') },
  { type: 'deferred', mapping: deferred('deferred') },
  { type: 'rejected', mapping: rejected('unknown.unmapped', 'rejected; code in the event, unknown.unmapped when absent') },
  { type: 'suppressed', mapping: suppressed('suppressed; code in the event may narrow it') },
];

export function typeRow<R extends EventTypeRow>(rows: readonly R[], type: string): R | undefined {
  return rows.find((row) => row.type === type);
}
