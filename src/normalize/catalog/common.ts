import type { ErrorCode } from '../taxonomy.js';
import type { CatalogRow } from './types.js';

/**
 * What a status means when the body carries no code any provider row knows
 * (a proxy's HTML page, an empty body, a gateway's `{"message"}`), tried after
 * the provider's own rows. Only statuses whose meaning is the same at every
 * provider are here: a bare 403 is a scope problem at one provider and an
 * unapproved account at another, so it stays unmapped.
 */
export const STATUS_ROWS: readonly CatalogRow[] = [
  { providerCode: null, status: 400, code: 'validation.malformed_request', origin: 'status', doc: '400 Bad Request' },
  { providerCode: null, status: 401, code: 'auth.invalid_credentials', origin: 'status', doc: '401 Unauthorized' },
  { providerCode: null, status: 404, code: 'not_found.resource', origin: 'status', doc: '404 Not Found' },
  { providerCode: null, status: 405, code: 'validation.method_not_allowed', origin: 'status', doc: '405 Method Not Allowed' },
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
