import { ANY, bounced, complained, deferred, delivered, rejected, suppressed } from '../../feedback/index.js';
import type { EventTypeRow, FeedbackMapping, Pattern, ReasonRow } from '../../feedback/index.js';
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

