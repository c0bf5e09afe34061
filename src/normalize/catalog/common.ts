import type { ErrorCode } from '../taxonomy.js';
import { ANY_CODE } from './types.js';
import type { CatalogRow } from './types.js';

/**
 * What a status means when no row of the provider's table matched (a proxy's
 * HTML page, an empty body, a gateway's `{"message"}`, or a code the table does
 * not know yet, which is kept as `providerCode`), tried after the provider's own
 * code-less rows. Statuses whose meaning RFC 9110 fixes; a provider that means
 * something else by one (a 403 for an unapproved account) says so in its table.
 */
export const STATUS_ROWS: readonly CatalogRow[] = [
  { providerCode: null, status: 400, code: 'validation.malformed_request', origin: 'status', doc: '400 Bad Request' },
  { providerCode: null, status: 401, code: 'auth.invalid_credentials', origin: 'status', doc: '401 Unauthorized' },
  // RFC 9110 §15.5.4: the server understood the request and refuses to authorize it.
  { providerCode: null, status: 403, code: 'auth.insufficient_scope', origin: 'status', doc: '403 Forbidden (RFC 9110 §15.5.4: the credentials are valid but not allowed this request)' },
  { providerCode: null, status: 404, code: 'not_found.resource', origin: 'status', doc: '404 Not Found' },
  { providerCode: null, status: 405, code: 'validation.method_not_allowed', origin: 'status', doc: '405 Method Not Allowed' },
  // RFC 9110 §15.5.9: the server gave up waiting for the request; the same request may be repeated.
  { providerCode: null, status: 408, code: 'network.timeout', origin: 'status', doc: '408 Request Timeout (RFC 9110 §15.5.9: the client may repeat the request)' },
  { providerCode: null, status: 409, code: 'conflict.already_exists', origin: 'status', doc: '409 Conflict (RFC 9110 §15.5.10: conflicts with the current state of the resource)' },
  { providerCode: null, status: 410, code: 'not_found.gone', origin: 'status', doc: '410 Gone' },
  { providerCode: null, status: 413, code: 'validation.payload_too_large', origin: 'status', doc: '413 Content Too Large' },
  { providerCode: null, status: 415, code: 'validation.malformed_request', origin: 'status', doc: '415 Unsupported Media Type' },
  { providerCode: null, status: 422, code: 'validation.invalid_fields', origin: 'status', doc: '422 Unprocessable Content' },
  { providerCode: null, status: 429, code: 'throttling.rate_limited', origin: 'status', doc: '429 Too Many Requests' },
  { providerCode: null, status: 500, code: 'provider.internal_error', origin: 'status', doc: '500 Internal Server Error' },
  { providerCode: null, status: 502, code: 'provider.unavailable', origin: 'status', doc: '502 Bad Gateway' },
  { providerCode: null, status: 503, code: 'provider.unavailable', origin: 'status', doc: '503 Service Unavailable' },
  { providerCode: null, status: 504, code: 'provider.unavailable', origin: 'status', doc: '504 Gateway Timeout' },
];

/**
 * The last rule before `unknown.unmapped`: what the status class means when
 * neither the provider's table nor the exact status says more (Cloudflare's
 * 520–526 and 530, a 529 "overloaded", a 507, a 418, or a code the table does
 * not know). The raw code stays in `providerCode`. A 5xx is the provider failing
 * (retried with backoff); a 4xx is the provider refusing the request as sent
 * (never retried blindly); 429 is in the exact table above and keeps
 * Retry-After. `unknown.unmapped` is left for answers no rule can read: no
 * status (a thrown error that is no network failure) or one outside 400–599.
 */
export const STATUS_CLASS_ROWS: readonly CatalogRow[] = [
  // Cloudflare answers these when the origin (the provider) cannot be reached
  // (https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/).
  { providerCode: ANY_CODE, statusRange: [520, 530], code: 'provider.unavailable', origin: 'status', doc: '520–530: a CDN or gateway in front of the provider could not get an answer from it (Cloudflare 520 unknown error, 521 web server down, 522 connection timed out, 523 origin unreachable, 524 timeout, 525/526 TLS, 530; 529 "site is overloaded", non-standard but sent by some APIs)' },
  { providerCode: ANY_CODE, statusRange: [500, 599], code: 'provider.internal_error', origin: 'status', doc: '5xx not listed: the provider failed to answer the request; retried with backoff' },
  { providerCode: ANY_CODE, statusRange: [400, 499], code: 'validation.malformed_request', origin: 'status', doc: '4xx not listed: the provider refused the request as sent; fix it before sending again' },
];

/** Statuses after which a request that matched no row is still worth retrying. */
export function retryableStatus(status: number | null): boolean {
  return status === null || status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * Failures with no HTTP answer at all, by the code Node (`err.code`, also on
 * `err.cause` for fetch), undici or the AWS SDK (`err.name`) gives them.
 */
export const NETWORK_FAILURES: Readonly<Record<string, ErrorCode>> = {
  // Timeouts
  ETIMEDOUT: 'network.timeout',
  ESOCKETTIMEDOUT: 'network.timeout',
  UND_ERR_CONNECT_TIMEOUT: 'network.timeout',
  UND_ERR_HEADERS_TIMEOUT: 'network.timeout',
  UND_ERR_BODY_TIMEOUT: 'network.timeout',
  TimeoutError: 'network.timeout', // AbortSignal.timeout(), and the AWS SDK's own
  AbortError: 'network.timeout', // a caller's deadline fired through an AbortController
  RequestTimeout: 'network.timeout',
  RequestTimeoutException: 'network.timeout',
  // No connection, or one that broke
  ECONNREFUSED: 'network.connection_failed',
  ECONNRESET: 'network.connection_failed',
  ECONNABORTED: 'network.connection_failed',
  EPIPE: 'network.connection_failed',
  EHOSTUNREACH: 'network.connection_failed',
  ENETUNREACH: 'network.connection_failed',
  ENETDOWN: 'network.connection_failed',
  EADDRNOTAVAIL: 'network.connection_failed',
  ENOTFOUND: 'network.connection_failed', // DNS: no such host
  EAI_AGAIN: 'network.connection_failed', // DNS: temporary failure
  EAI_FAIL: 'network.connection_failed',
  EPROTO: 'network.connection_failed',
  UND_ERR_SOCKET: 'network.connection_failed',
  UND_ERR_CLOSED: 'network.connection_failed',
  ERR_TLS_CERT_ALTNAME_INVALID: 'network.connection_failed',
  CERT_HAS_EXPIRED: 'network.connection_failed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'network.connection_failed',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'network.connection_failed',
  SELF_SIGNED_CERT_IN_CHAIN: 'network.connection_failed',
  NetworkingError: 'network.connection_failed',
};
