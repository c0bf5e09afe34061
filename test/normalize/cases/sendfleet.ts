import type { SeedCase } from './types.js';

const error = (code: string, detail: string) => ({ success: false, error: code, detail });

/** Seed 001_019e61392b6d1042.txt (SendFleet), in the seed's order. */
export const sendfleetCases: SeedCase[] = [
  // The documented error body shape.
  { seed: 'Error response shape (domain_not_verified example)', provider: 'sendfleet', response: { status: 403, body: '{\n  "success": false,\n  "error":   "domain_not_verified",\n  "detail":  "Domain \'acme.com\' is not yet verified by SES. Add the TXT record and click Verify in the dashboard."\n}' }, expect: { code: 'sender.domain_not_verified', providerCode: 'domain_not_verified', message: "Domain 'acme.com' is not yet verified" } },
  // 400: DRF field errors, no code.
  { seed: 'HTTP 400 - Validation errors {"to": [...], "message": [...]}', provider: 'sendfleet', response: { status: 400, body: { to: ['Enter a valid email address.'], message: ['This field may not be blank.'] } }, expect: { code: 'validation.invalid_fields', providerCode: null, retry: 'never', message: 'to: Enter a valid email address.; message: This field may not be blank.' } },
  // 401: DRF detail, causes told apart by the text.
  { seed: 'HTTP 401 - No credentials {"detail": "Authentication credentials were not provided."}', provider: 'sendfleet', response: { status: 401, body: { detail: 'Authentication credentials were not provided.' } }, expect: { code: 'auth.missing_credentials', providerCode: null } },
  { seed: 'HTTP 401 - Key revoked', provider: 'sendfleet', response: { status: 401, body: { detail: 'API key has been revoked.' } }, expect: { code: 'auth.key_revoked' } },
  { seed: 'HTTP 401 - Key expired', provider: 'sendfleet', response: { status: 401, body: { detail: 'API key has expired.' } }, expect: { code: 'auth.key_expired' } },
  { seed: 'HTTP 401 - Key not found', provider: 'sendfleet', response: { status: 401, body: { detail: 'Invalid API key.' } }, expect: { code: 'auth.invalid_credentials' } },
  { seed: 'HTTP 401 with the unauthorized code (a bad key, not an account problem)', provider: 'sendfleet', response: { status: 401, body: error('unauthorized', 'Invalid API key.') }, expect: { code: 'auth.invalid_credentials', providerCode: 'unauthorized' } },
  // 403
  { seed: 'HTTP 403 unauthorized | account not approved for Shared SES', provider: 'sendfleet', response: { status: 403, body: error('unauthorized', 'Account not approved for Shared SES.') }, expect: { code: 'account.not_approved', providerCode: 'unauthorized', retry: 'never' } },
  { seed: 'HTTP 403 domain_not_registered', provider: 'sendfleet', response: { status: 403, body: error('domain_not_registered', "Domain 'acme.com' has not been added to your account.") }, expect: { code: 'sender.domain_not_registered' } },
  { seed: 'HTTP 403 domain_not_verified', provider: 'sendfleet', response: { status: 403, body: error('domain_not_verified', 'TXT record missing.') }, expect: { code: 'sender.domain_not_verified' } },
  { seed: 'HTTP 403 dkim_not_verified', provider: 'sendfleet', response: { status: 403, body: error('dkim_not_verified', 'DKIM CNAME records are not confirmed.') }, expect: { code: 'sender.dkim_not_verified' } },
  { seed: 'HTTP 403 domain_mode_mismatch', provider: 'sendfleet', response: { status: 403, body: error('domain_mode_mismatch', 'BYOC domain on a Shared plan.') }, expect: { code: 'sender.domain_mode_mismatch' } },
  { seed: 'HTTP 403 sending_suspended', provider: 'sendfleet', response: { status: 403, body: error('sending_suspended', 'Sending suspended due to high bounce rate.') }, expect: { code: 'account.sending_suspended', retry: 'never' } },
  // 422
  { seed: 'HTTP 422 recipient_suppressed', provider: 'sendfleet', response: { status: 422, body: error('recipient_suppressed', 'bob@example.org is on your suppression list.') }, expect: { code: 'suppression.recipient_suppressed', retry: 'never', message: '[email] is on your suppression list' } },
  // 429: the quota has a code, the throttle has none.
  { seed: 'HTTP 429 usage_limit_exceeded | Monthly email quota exhausted', provider: 'sendfleet', response: { status: 429, body: error('usage_limit_exceeded', 'Monthly quota of 25000 emails exhausted.') }, expect: { code: 'quota.monthly_exceeded', retry: 'at_reset' } },
  { seed: 'HTTP 429 (none - DRF throttle) | Retry-After header', provider: 'sendfleet', response: { status: 429, headers: { 'Retry-After': '12' }, body: { detail: 'Request was throttled. Expected available in 12 seconds.' } }, expect: { code: 'throttling.rate_limited', providerCode: null, retry: 'retry_after', retryAfterMs: 12_000 } },
  { seed: 'HTTP 429 (none - DRF throttle) | wait named only in the body', provider: 'sendfleet', response: { status: 429, body: { detail: 'Request was throttled. Expected available in 3 seconds.' } }, expect: { code: 'throttling.rate_limited', retryAfterMs: 3_000 } },
  // 5xx
  { seed: 'HTTP 502 queue_error', provider: 'sendfleet', response: { status: 502, body: error('queue_error', 'AWS SQS was temporarily unavailable.') }, expect: { code: 'provider.queue_unavailable', retry: 'backoff' } },
  { seed: 'HTTP 503 byoc_not_configured', provider: 'sendfleet', response: { status: 503, body: error('byoc_not_configured', 'BYOC relay credentials are not configured.') }, expect: { code: 'provider.misconfigured', retry: 'never' } },
  { seed: 'HTTP 500 - Retry once (Django HTML error page)', provider: 'sendfleet', response: { status: 500, body: '<!doctype html>\n<html lang="en">\n<head>\n  <title>Server Error (500)</title>\n</head>\n<body>\n  <h1>Server Error (500)</h1><p></p>\n</body>\n</html>\n' }, expect: { code: 'provider.internal_error', retry: 'once', message: 'Server Error (500)' } },
];
