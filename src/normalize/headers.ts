/**
 * Rate-limit and retry headers, read the way the providers send them:
 * `Retry-After` as seconds or an HTTP date; `X-RateLimit-*` (ScaiSend sends the
 * reset as a Unix timestamp); the IETF `RateLimit-*` fields (Resend), whose
 * reset is seconds from now.
 */

export type HeaderMap = ReadonlyMap<string, string>;

/** What callers may hand us as headers: a fetch `Headers`, a plain record, or name/value pairs. */
export type HeadersInput =
  | { forEach(callback: (value: string, name: string) => void): void }
  | Readonly<Record<string, unknown>>
  | readonly (readonly [string, string])[];

/** Headers past this count are ignored: a response is not allowed to make us hold unbounded state. */
export const MAX_HEADERS = 200;
/** A wait longer than this is treated as a broken header rather than honoured. */
export const MAX_RETRY_AFTER_MS = 7 * 24 * 3600 * 1000;

export function headerMap(input: unknown): HeaderMap {
  const map = new Map<string, string>();
  const put = (name: unknown, value: unknown): void => {
    if (map.size >= MAX_HEADERS || typeof name !== 'string') return;
    const text = Array.isArray(value) ? value.map(String).join(', ') : value;
    if (typeof text === 'string' || typeof text === 'number') map.set(name.toLowerCase(), String(text).trim());
  };
  try {
    if (input === null || typeof input !== 'object') return map;
    if (Array.isArray(input)) {
      for (const pair of input) if (Array.isArray(pair)) put(pair[0], pair[1]);
    } else if (typeof (input as { forEach?: unknown }).forEach === 'function' && !(input instanceof Map)) {
      (input as { forEach(cb: (value: string, name: string) => void): void }).forEach((value, name) => put(name, value));
    } else if (input instanceof Map) {
      for (const [name, value] of input) put(name, value);
    } else {
      for (const [name, value] of Object.entries(input)) put(name, value);
    }
  } catch {
    // A hostile or broken headers object yields what was read so far.
  }
  return map;
}

export interface RateLimitInfo {
  limit: number | null;
  remaining: number | null;
  /** Milliseconds until the window resets, when the headers say. */
  resetMs: number | null;
}

function finiteNumber(text: string | undefined): number | null {
  if (text === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(text)) return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

function boundedMs(ms: number): number | null {
  if (!Number.isFinite(ms)) return null;
  return Math.min(Math.max(0, Math.round(ms)), MAX_RETRY_AFTER_MS);
}

/** `Retry-After`: delta seconds, or an HTTP date relative to `now`. */
export function retryAfterHeaderMs(headers: HeaderMap, now: number): number | null {
  const value = headers.get('retry-after');
  if (value === undefined || value === '') return null;
  const seconds = finiteNumber(value);
  if (seconds !== null) return boundedMs(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : boundedMs(date - now);
}

/**
 * A reset value is seconds from now, except that values this large can only
 * be Unix timestamps (in seconds, or in milliseconds past 1e12).
 */
function resetToMs(value: number, now: number): number | null {
  if (value >= 1e12) return boundedMs(value - now);
  if (value >= 1e9) return boundedMs(value * 1000 - now);
  return boundedMs(value * 1000);
}

export function rateLimitInfo(headers: HeaderMap, now: number): RateLimitInfo | null {
  const pick = (suffix: string): number | null =>
    finiteNumber(headers.get(`x-ratelimit-${suffix}`)) ?? finiteNumber(headers.get(`ratelimit-${suffix}`));
  const limit = pick('limit');
  const remaining = pick('remaining');
  const reset = pick('reset');
  if (limit === null && remaining === null && reset === null) return null;
  return { limit, remaining, resetMs: reset === null ? null : resetToMs(reset, now) };
}

/** How long to wait before retrying: `Retry-After` first, then the rate-limit reset if the window is spent. */
export function retryAfterMs(headers: HeaderMap, now: number, status: number | null): number | null {
  const explicit = retryAfterHeaderMs(headers, now);
  if (explicit !== null) return explicit;
  const window = rateLimitInfo(headers, now);
  if (window?.resetMs != null && (status === 429 || window.remaining === 0)) return window.resetMs;
  return null;
}
