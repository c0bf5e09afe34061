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

export interface ReasonRow {
  readonly reason: Pattern;
  readonly mapping: FeedbackMapping;
}

export const delivered = (doc: string): FeedbackMapping => ({ outcome: 'delivered', bounceType: null, code: null, doc });
export const complained = (doc: string): FeedbackMapping => ({ outcome: 'complained', bounceType: null, code: null, doc });
export const deferred = (doc: string): FeedbackMapping => ({ outcome: 'deferred', bounceType: null, code: null, doc });
export const bounced = (bounceType: BounceType, code: ErrorCode | null, doc: string): FeedbackMapping => ({ outcome: 'bounced', bounceType, code, doc });
export const rejected = (code: ErrorCode, doc: string): FeedbackMapping => ({ outcome: 'rejected', bounceType: null, code, doc });
export const suppressed = (doc: string): FeedbackMapping => ({ outcome: 'suppressed', bounceType: null, code: 'suppression.recipient_suppressed', doc });

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
