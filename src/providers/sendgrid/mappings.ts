import { ANY, bounced, complained, deferred, delivered, rejected, suppressed } from '../../feedback/index.js';
import type { EventTypeRow, FeedbackMapping, Pattern, ReasonRow } from '../../feedback/index.js';
import type { ErrorCode } from '../../normalize/index.js';
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

