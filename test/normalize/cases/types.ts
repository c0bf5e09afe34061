import type { ErrorCode, ProviderId, RetryClass } from '../../../src/normalize/index.js';

/** One documented failure, as the provider answers it, and what it must normalize to. */
export interface SeedCase {
  /** The seed's words for the line this case covers. */
  seed: string;
  provider: ProviderId;
  /** Either an HTTP answer or something thrown (an SDK exception, a network failure). */
  response?: { status: number; headers?: Record<string, string>; body?: unknown };
  thrown?: unknown;
  expect: {
    code: ErrorCode;
    providerCode?: string | null;
    retry?: RetryClass;
    retryAfterMs?: number | null;
    status?: number | null;
    /** A fragment the scrubbed message must contain. */
    message?: string;
  };
}

/** The clock every case runs against, so `Retry-After` dates give fixed waits. */
export const NOW = Date.parse('2026-11-22T12:00:00Z');
