import type { SeedCase } from './types.js';

/**
 * Bodies with no code at all (an API gateway, a proxy, an empty body): the
 * status alone decides. Resend has no status rows of its own, so it shows the
 * shared table.
 */
const bare = (status: number, body: unknown, expect: SeedCase['expect']): SeedCase => ({
  seed: `${status} with no code in the body`,
  provider: 'resend',
  response: { status, body },
  expect: { providerCode: null, ...expect },
});

export const statusCases: SeedCase[] = [
  bare(400, { message: 'Bad Request' }, { code: 'validation.malformed_request', retry: 'never' }),
  bare(401, '', { code: 'auth.invalid_credentials' }),
  bare(403, '', { code: 'auth.insufficient_scope', retry: 'never' }),
  bare(404, '<html><head><title>404 Not Found</title></head></html>', { code: 'not_found.resource', message: '404 Not Found' }),
  bare(405, 'Method Not Allowed', { code: 'validation.method_not_allowed' }),
  bare(408, '', { code: 'network.timeout', retry: 'backoff' }),
  bare(409, { message: 'Conflict' }, { code: 'conflict.already_exists', retry: 'never' }),
  bare(410, null, { code: 'not_found.gone' }),
  bare(413, '<html><head><title>413 Request Entity Too Large</title></head><body>nginx</body></html>', { code: 'validation.payload_too_large' }),
  bare(415, { message: 'Unsupported Media Type' }, { code: 'validation.malformed_request' }),
  bare(422, '"Unprocessable Entity"', { code: 'validation.invalid_fields', message: 'Unprocessable Entity' }),
  bare(429, { message: 'Too Many Requests' }, { code: 'throttling.rate_limited', retry: 'retry_after' }),
  bare(500, { message: 'Internal server error' }, { code: 'provider.internal_error', retry: 'backoff' }),
  bare(502, { message: 'Bad Gateway' }, { code: 'provider.unavailable' }),
  bare(503, new TextEncoder().encode('Service Unavailable'), { code: 'provider.unavailable', message: 'Service Unavailable' }),
  bare(504, '<html><body><h1>504 Gateway Time-out</h1></body></html>', { code: 'provider.unavailable', message: '504 Gateway Time-out' }),
  // Statuses no table lists: what their class means (catalog docs, "the status class"), the raw code kept.
  // Cloudflare's own pages for an origin it cannot reach (https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/).
  bare(520, '<!DOCTYPE html><html><head><title>api.resend.com | 520: Web server is returning an unknown error</title></head><body></body></html>', { code: 'provider.unavailable', retry: 'backoff', message: '520: Web server is returning an unknown error' }),
  bare(522, '<!DOCTYPE html><html><head><title>api.resend.com | 522: Connection timed out</title></head></html>', { code: 'provider.unavailable', retry: 'backoff' }),
  bare(529, 'Site is overloaded', { code: 'provider.unavailable', retry: 'backoff' }),
  bare(507, 'Insufficient Storage', { code: 'provider.internal_error', retry: 'backoff' }),
  bare(501, '', { code: 'provider.internal_error', retry: 'backoff' }),
  bare(418, "I'm a teapot", { code: 'validation.malformed_request', retry: 'never' }),
  bare(451, '', { code: 'validation.malformed_request', retry: 'never' }),
  // A code Resend has not documented (yet) on a 429 is still a rate limit, and its Retry-After is honoured.
  { seed: '429 with a code no table knows, and Retry-After', provider: 'resend', response: { status: 429, headers: { 'retry-after': '7' }, body: { statusCode: 429, name: 'concurrent_limit_exceeded', message: 'Too many concurrent requests.' } }, expect: { code: 'throttling.rate_limited', providerCode: 'concurrent_limit_exceeded', retry: 'retry_after', retryAfterMs: 7000 } },
  // What no rule can read stays unmapped: no status at all, and no network failure either.
  { seed: 'no status and no network failure: unmapped', provider: 'resend', thrown: Object.assign(new Error('Something odd happened'), { name: 'WeirdSdkError' }), expect: { code: 'unknown.unmapped', providerCode: 'WeirdSdkError', status: null } },
];
