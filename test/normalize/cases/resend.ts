import type { SeedCase } from './types.js';

const body = (statusCode: number, name: string, message: string) => ({ statusCode, name, message });
const r = (seed: string, status: number, name: string, message: string, expect: SeedCase['expect']): SeedCase => ({
  seed,
  provider: 'resend',
  response: { status, body: body(status, name, message) },
  expect: { providerCode: name, ...expect },
});

/** Seed 004_4c1b346d7a667aa2.txt (Resend), in the seed's order. */
export const resendCases: SeedCase[] = [
  r('invalid_idempotency_key | 400', 400, 'invalid_idempotency_key', 'The key must be between 1-256 chars.', { code: 'idempotency.invalid_key', retry: 'never' }),
  r('validation_error | 400', 400, 'validation_error', 'The `to` field must be a `string`.', { code: 'validation.invalid_fields' }),
  r('missing_api_key | 401', 401, 'missing_api_key', 'Missing API key in the authorization header.', { code: 'auth.missing_credentials' }),
  r('restricted_api_key | 401', 401, 'restricted_api_key', 'This API key is restricted to only send emails.', { code: 'auth.insufficient_scope' }),
  r('invalid_api_key | 403', 403, 'invalid_api_key', 'API key is invalid.', { code: 'auth.invalid_credentials' }),
  r('validation_error | 403 (testing emails only)', 403, 'validation_error', 'You can only send testing emails to your own email address (youremail@domain.com).', { code: 'account.sandbox_restricted', message: 'own email address ([email])' }),
  r('validation_error | 403 (domain not verified)', 403, 'validation_error', 'The example.com domain is not verified. Please, add and verify your domain on https://resend.com/domains', { code: 'sender.domain_not_verified' }),
  r('not_found | 404', 404, 'not_found', 'The requested endpoint does not exist.', { code: 'not_found.resource' }),
  r('method_not_allowed | 405', 405, 'method_not_allowed', 'Method is not allowed for the requested path.', { code: 'validation.method_not_allowed' }),
  r('invalid_idempotent_request | 409', 409, 'invalid_idempotent_request', 'Same idempotency key used with a different request payload.', { code: 'idempotency.payload_mismatch', retry: 'never' }),
  r('concurrent_idempotent_requests | 409', 409, 'concurrent_idempotent_requests', 'Same idempotency key used while original request is still in progress.', { code: 'idempotency.in_progress', retry: 'later' }),
  r('invalid_attachment | 422', 422, 'invalid_attachment', 'Attachment must have either a `content` or `path`.', { code: 'validation.invalid_attachment' }),
  r('invalid_from_address | 422', 422, 'invalid_from_address', 'Invalid `from` field.', { code: 'sender.invalid_from_address' }),
  r('invalid_access | 422', 422, 'invalid_access', 'Access must be "full_access" | "sending_access".', { code: 'validation.invalid_fields' }),
  r('invalid_parameter | 422', 422, 'invalid_parameter', 'The `id` must be a valid UUID.', { code: 'validation.invalid_fields' }),
  r('invalid_region | 422', 422, 'invalid_region', 'Region must be "us-east-1" | "eu-west-1" | "sa-east-1".', { code: 'validation.invalid_fields' }),
  r('missing_required_field | 422', 422, 'missing_required_field', 'The request body is missing one or more required fields.', { code: 'validation.missing_field' }),
  r('daily_quota_exceeded | 429', 429, 'daily_quota_exceeded', 'You have reached your daily email sending quota.', { code: 'quota.daily_exceeded', retry: 'at_reset' }),
  r('monthly_quota_exceeded | 429 (Resend docs, beyond the seed)', 429, 'monthly_quota_exceeded', 'You have reached your monthly email sending quota.', { code: 'quota.monthly_exceeded', retry: 'at_reset' }),
  { seed: 'rate_limit_exceeded | 429 (ratelimit-* and retry-after headers)', provider: 'resend', response: { status: 429, headers: { 'ratelimit-limit': '2', 'ratelimit-remaining': '0', 'ratelimit-reset': '1', 'retry-after': '1' }, body: body(429, 'rate_limit_exceeded', 'Too many requests. Please limit the number of requests per second.') }, expect: { code: 'throttling.rate_limited', retry: 'retry_after', retryAfterMs: 1000 } },
  { seed: 'rate_limit_exceeded | 429 (only ratelimit-reset, in seconds)', provider: 'resend', response: { status: 429, headers: { 'ratelimit-limit': '2', 'ratelimit-remaining': '0', 'ratelimit-reset': '2' }, body: body(429, 'rate_limit_exceeded', 'Too many requests.') }, expect: { code: 'throttling.rate_limited', retryAfterMs: 2000 } },
  r('security_error | 451', 451, 'security_error', 'We may have found a security issue with the request.', { code: 'account.security_hold', retry: 'never' }),
  r('application_error | 500', 500, 'application_error', 'An unexpected error occurred.', { code: 'provider.internal_error', retry: 'backoff' }),
  r('internal_server_error | 500', 500, 'internal_server_error', 'An unexpected error occurred.', { code: 'provider.internal_error' }),
  // The resend SDK returns `{ data: null, error }` rather than throwing; callers may hand us either part.
  { seed: 'resend SDK result { data: null, error: { name, message, statusCode } }', provider: 'resend', response: { status: 422, body: { data: null, error: { name: 'invalid_from_address', message: 'Invalid `from` field.', statusCode: 422 } } }, expect: { code: 'sender.invalid_from_address' } },
  { seed: 'resend SDK: a network failure it caught itself (application_error, no status)', provider: 'resend', response: { status: 0, body: { name: 'application_error', statusCode: null, message: 'Unable to fetch data. The request could not be resolved.' } }, expect: { code: 'network.connection_failed', status: null, retry: 'backoff' } },
  { seed: 'resend SDK error object passed as thrown', provider: 'resend', thrown: { name: 'daily_quota_exceeded', message: 'You have reached your daily email sending quota.', statusCode: 429 }, expect: { code: 'quota.daily_exceeded', status: 429 } },
];
