import type { SeedCase } from './types.js';

/** SendGrid's error body: `{"errors": [{"message", "field", "help"}]}`. */
const errors = (...items: { message: string; field?: string | null }[]) => ({ errors: items.map((e) => ({ message: e.message, field: e.field ?? null, help: null })) });
const sg = (seed: string, status: number, body: unknown, expect: SeedCase['expect'], headers?: Record<string, string>): SeedCase => ({
  seed,
  provider: 'sendgrid',
  response: { status, body, ...(headers && { headers }) },
  expect: { providerCode: null, ...expect },
});

/**
 * SendGrid v3 Mail Send, one case per row of src/providers/sendgrid/catalog.ts,
 * in its order. Sources: [mail-send] twilio.com/docs/sendgrid/api-reference/mail-send/mail-send,
 * [4xx] support.sendgrid.com/hc/en-us/articles/18322114821403, [api-errors]
 * twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/errors,
 * [sender-identity] twilio.com/docs/api/errors/60222, [rate-limits] the v3 rate-limits page.
 */
export const sendgridCases: SeedCase[] = [
  sg('[mail-send] 400 from.email: not a valid address', 400, errors({ message: 'The from email does not contain a valid address.', field: 'from.email' }), { code: 'sender.invalid_from_address' }),
  sg('[mail-send] 400 personalizations.0.to.0.email: Does not contain a valid address.', 400, errors({ message: 'Does not contain a valid address.', field: 'personalizations.0.to.0.email' }), { code: 'recipient.invalid_address', message: 'personalizations.0.to.0.email: Does not contain a valid address.' }),
  sg('[mail-send] 400 personalizations field is required', 400, errors({ message: 'The personalizations field is required and must have at least one personalization.', field: 'personalizations' }), { code: 'validation.missing_field' }),
  sg('[4xx] 400 Bad Request (malformed JSON)', 400, errors({ message: 'Bad Request' }), { code: 'validation.malformed_request' }),
  sg('[4xx] 400 Validation error (an unknown parameter)', 400, errors({ message: 'Invalid type. Expected: object, given: string.', field: 'tracking_settings' }), { code: 'validation.invalid_fields', retry: 'never' }),
  sg('[4xx] 401 Maximum credits exceeded', 401, errors({ message: 'Maximum credits exceeded' }), { code: 'quota.daily_exceeded', retry: 'at_reset' }),
  sg('[4xx] 401 Authenticated user is not authorized to send mail', 401, errors({ message: 'authorization required: Authenticated user is not authorized to send mail' }), { code: 'auth.insufficient_scope' }),
  sg('[4xx] 401 The provided authorization grant is invalid, expired, or revoked', 401, errors({ message: 'The provided authorization grant is invalid, expired, or revoked' }), { code: 'auth.invalid_credentials', retry: 'never' }),
  sg('[sender-identity] 403 from address does not match a verified Sender Identity', 403, errors({ message: 'The from address does not match a verified Sender Identity. Mail cannot be sent until this error is resolved. Visit https://sendgrid.com/docs/for-developers/sending-email/sender-identity/ to see the Sender Identity requirements', field: 'from' }), { code: 'sender.domain_not_verified' }),
  sg('[api-errors] 403 Too many bad requests. Temporary block', 403, errors({ message: 'Too many bad requests. Temporary block' }), { code: 'throttling.rate_limited', retry: 'backoff' }),
  sg('[mail-send] 403 access forbidden', 403, errors({ message: 'access forbidden' }), { code: 'auth.insufficient_scope' }),
  sg('[api-errors] 406 Missing Accept header', 406, errors({ message: 'Not Acceptable' }), { code: 'validation.malformed_request' }),
  sg('[mail-send] 413 payload too large', 413, errors({ message: 'The JSON payload you have included in your request is too large.' }), { code: 'validation.payload_too_large' }),
  // X-RateLimit-Reset is a Unix timestamp: 30 s after NOW (2026-11-22T12:00:00Z = 1795348800).
  sg('[rate-limits] 429 with X-RateLimit-* headers', 429, errors({ message: 'too many requests' }), { code: 'throttling.rate_limited', retry: 'retry_after', retryAfterMs: 30_000 }, { 'X-RateLimit-Limit': '600', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '1795348830' }),
  sg('[api-errors] 500 SERVER ERROR', 500, errors({ message: 'Internal server error' }), { code: 'provider.internal_error', retry: 'backoff' }),
  sg('[api-errors] 503 The SendGrid v3 Web API is not available.', 503, '', { code: 'provider.unavailable' }),
];
