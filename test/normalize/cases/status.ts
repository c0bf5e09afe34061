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
  bare(404, '<html><head><title>404 Not Found</title></head></html>', { code: 'not_found.resource', message: '404 Not Found' }),
  bare(405, 'Method Not Allowed', { code: 'validation.method_not_allowed' }),
  bare(410, null, { code: 'not_found.gone' }),
  bare(413, '<html><head><title>413 Request Entity Too Large</title></head><body>nginx</body></html>', { code: 'validation.payload_too_large' }),
  bare(415, { message: 'Unsupported Media Type' }, { code: 'validation.malformed_request' }),
  bare(422, '"Unprocessable Entity"', { code: 'validation.invalid_fields', message: 'Unprocessable Entity' }),
  bare(429, { message: 'Too Many Requests' }, { code: 'throttling.rate_limited', retry: 'retry_after' }),
  bare(500, { message: 'Internal server error' }, { code: 'provider.internal_error', retry: 'backoff' }),
  bare(502, { message: 'Bad Gateway' }, { code: 'provider.unavailable' }),
  bare(503, new TextEncoder().encode('Service Unavailable'), { code: 'provider.unavailable', message: 'Service Unavailable' }),
  bare(504, '<html><body><h1>504 Gateway Time-out</h1></body></html>', { code: 'provider.unavailable', message: '504 Gateway Time-out' }),
  // Statuses with no shared meaning stay unmapped; the retry class still follows the status.
  bare(403, '', { code: 'unknown.unmapped', retry: 'never' }),
  bare(408, '', { code: 'unknown.unmapped', retry: 'backoff' }),
  bare(507, 'Insufficient Storage', { code: 'unknown.unmapped', retry: 'backoff' }),
];
