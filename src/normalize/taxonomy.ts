/**
 * The normalized error taxonomy, contract v1.1: every send-path failure carries
 * exactly one of these codes. Dashboards group by category, alerts and SQL
 * branch on the code, so this list changes only with a new contract version.
 * Minor versions are additive: they add codes (1.1: what SMTP replies tell
 * apart), and a code never changes meaning or category.
 */

export const TAXONOMY_VERSION = '1.1';

/** Each category with its reasons, in the contract's order. */
export const CATEGORIES = {
  auth: [
    'missing_credentials',
    'invalid_credentials',
    'key_revoked',
    'key_expired',
    'token_expired',
    'signature_invalid',
    'request_expired',
    'insufficient_scope',
    'cross_tenant_denied',
  ],
  account: ['not_approved', 'sandbox_restricted', 'sending_suspended', 'suspended', 'security_hold'],
  sender: [
    'domain_not_registered',
    'domain_not_verified',
    'dkim_not_verified',
    'mail_from_not_verified',
    'dns_records_missing',
    'domain_mode_mismatch',
    'invalid_from_address',
    'authentication_failed', // 1.1: the receiver's SPF/DKIM/DMARC checks failed
  ],
  recipient: ['invalid_address', 'mailbox_full', 'mailbox_disabled'], // 1.1: mailbox_full, mailbox_disabled
  suppression: ['recipient_suppressed'],
  validation: [
    'invalid_fields',
    'missing_field',
    'body_required',
    'payload_too_large',
    'invalid_attachment',
    'malformed_request',
    'method_not_allowed',
    'invalid_webhook',
  ],
  content: ['message_rejected', 'template_render_failed', 'spam_rejected'], // 1.1: spam_rejected
  idempotency: ['invalid_key', 'payload_mismatch', 'in_progress'],
  not_found: ['resource', 'gone'],
  conflict: ['already_exists', 'owned_elsewhere'],
  throttling: ['rate_limited', 'greylisted'], // 1.1: greylisted
  quota: ['daily_exceeded', 'monthly_exceeded'],
  provider: ['internal_error', 'unavailable', 'queue_unavailable', 'misconfigured'],
  network: ['timeout', 'connection_failed', 'tls_failed'], // 1.1: tls_failed
  unknown: ['unmapped'],
} as const;

export type Category = keyof typeof CATEGORIES;
export type ErrorCode = {
  [C in Category]: `${C}.${(typeof CATEGORIES)[C][number]}`;
}[Category];

export const ALL_CODES: readonly ErrorCode[] = Object.entries(CATEGORIES).flatMap(([category, reasons]) =>
  reasons.map((reason) => `${category}.${reason}` as ErrorCode),
);

const CODE_SET: ReadonlySet<string> = new Set(ALL_CODES);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && CODE_SET.has(value);
}

export function categoryOf(code: ErrorCode): Category {
  return code.slice(0, code.indexOf('.')) as Category;
}

/**
 * How a caller should retry:
 * - never: fix the request, credentials or configuration first
 * - backoff: exponential backoff, bounded tries
 * - retry_after: wait what Retry-After (or the reset header) says
 * - once: a single delayed retry, then alert
 * - at_reset: wait for the quota window to reset
 * - later: the same request is still in progress, or the receiver asked for it
 *   again later (greylisting); try again later, it is not a rejection
 */
export const RETRY_CLASSES = ['never', 'backoff', 'retry_after', 'once', 'at_reset', 'later'] as const;
export type RetryClass = (typeof RETRY_CLASSES)[number];

/**
 * The retry class a code has unless a provider's catalog row says otherwise
 * (SendFleet's 500 is `once`, for example). Categories that mean "fix it
 * first" are `never`; only transient failures are retried.
 */
const RETRY_BY_CATEGORY: Record<Category, RetryClass> = {
  auth: 'never',
  account: 'never',
  sender: 'never',
  recipient: 'never',
  suppression: 'never',
  validation: 'never',
  content: 'never',
  idempotency: 'never',
  not_found: 'never',
  conflict: 'never',
  throttling: 'retry_after',
  quota: 'at_reset',
  provider: 'backoff',
  network: 'backoff',
  unknown: 'never',
};

const RETRY_BY_CODE: Partial<Record<ErrorCode, RetryClass>> = {
  'idempotency.in_progress': 'later',
  // Greylisting refuses the first try on purpose and accepts a later one.
  'throttling.greylisted': 'later',
  // A certificate, protocol version or STARTTLS requirement that does not match meets the same answer again.
  'network.tls_failed': 'never',
  // The provider says its own configuration is broken: retrying cannot help.
  'provider.misconfigured': 'never',
};

export function defaultRetryFor(code: ErrorCode): RetryClass {
  return RETRY_BY_CODE[code] ?? RETRY_BY_CATEGORY[categoryOf(code)];
}

/** Delivery feedback uses its own outcome field, not an error code. */
export const DELIVERY_OUTCOMES = ['delivered', 'bounced', 'complained', 'deferred', 'rejected', 'suppressed'] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];
export const BOUNCE_TYPES = ['hard', 'soft', 'undetermined'] as const;
export type BounceType = (typeof BOUNCE_TYPES)[number];
