import { parseBody } from './body.js';
import type { ParsedBody } from './body.js';
import { headerMap, retryAfterMs as headerRetryAfterMs } from './headers.js';
import type { HeaderMap } from './headers.js';
import { scrubMessage } from './scrub.js';
import { categoryOf, defaultRetryFor } from './taxonomy.js';
import type { Category, ErrorCode, RetryClass } from './taxonomy.js';
import { NETWORK_FAILURES, STATUS_ROWS, retryableStatus } from './catalog/common.js';
import { CATALOGS } from './catalog/index.js';
import { ANY_CODE } from './catalog/types.js';
import type { CatalogRow, ProviderCatalog, ProviderId, RetrySchedule } from './catalog/types.js';

/** A provider failure in the one vocabulary every later stage speaks. */
export interface NormalizedError {
  provider: ProviderId;
  code: ErrorCode;
  category: Category;
  retry: RetryClass;
  /** How long the provider asked us to wait (Retry-After, a rate-limit reset, or the body's own words). */
  retryAfterMs: number | null;
  /** The HTTP status; null when there was no HTTP answer (timeouts, refused connections). */
  status: number | null;
  /** The provider's own code, kept beside the normalized one (also when nothing matched). */
  providerCode: string | null;
  /** The provider's message with e-mail addresses and credentials scrubbed. */
  message: string;
  /** The provider's documented waits between retries, where it documents them. */
  retrySchedule: RetrySchedule | null;
}

/** A failed HTTP answer as a fetch-style client sees it. */
export interface ProviderResponse {
  status: number;
  headers?: unknown;
  /** A string, bytes, or an already-parsed JSON value. */
  body?: unknown;
}

export interface NormalizeOptions {
  /** The clock `Retry-After` dates are measured against; tests pin it. */
  now?: number;
}

/** The facts every lookup works from, whatever the failure arrived as. */
interface Failure {
  provider: ProviderCatalog;
  status: number | null;
  providerCode: string | null;
  message: string | null;
  retryAfterMs: number | null;
  /** The codes a row may match, where the provider's failures carry several (SMTP); else just providerCode. */
  matchCodes?: readonly string[];
}

export interface Classification {
  error: NormalizedError;
  /** The catalog row that decided the code; null for network failures and unmapped ones. */
  row: CatalogRow | null;
}

function rowMatches(row: CatalogRow, failure: Failure): boolean {
  const codes: readonly (string | null)[] = failure.matchCodes ?? [failure.providerCode];
  if (row.providerCode !== ANY_CODE && !codes.includes(row.providerCode)) return false;
  if (row.status !== undefined && row.status !== failure.status) return false;
  return row.message === undefined || row.message.test(failure.message ?? '');
}

function findRow(failure: Failure): CatalogRow | null {
  const own = failure.provider.rows.find((row) => rowMatches(row, failure));
  if (own) return own;
  // A code the provider's table does not know stays unmapped (and counted) rather
  // than being guessed from its status, so the catalog can grow.
  if (failure.providerCode !== null) return null;
  return STATUS_ROWS.find((row) => rowMatches(row, failure)) ?? null;
}

function build(failure: Failure, code: ErrorCode, row: CatalogRow | null): NormalizedError {
  const retry: RetryClass =
    row?.retry ?? (code === 'unknown.unmapped' ? (retryableStatus(failure.status) ? 'backoff' : 'never') : defaultRetryFor(code));
  return {
    provider: failure.provider.provider,
    code,
    category: categoryOf(code),
    retry,
    retryAfterMs: failure.retryAfterMs,
    status: failure.status,
    providerCode: failure.providerCode,
    message: scrubMessage(failure.message ?? ''),
    retrySchedule: row?.schedule ?? null,
  };
}

function classifyFailure(failure: Failure): Classification {
  const row = findRow(failure);
  return { error: build(failure, row?.code ?? 'unknown.unmapped', row), row };
}

function validStatus(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599 ? value : null;
}

function catalogFor(provider: ProviderId): ProviderCatalog {
  return CATALOGS[provider];
}

/** The last resort: the normalizer itself must never be why a send path throws. */
function internalFailure(provider: ProviderId, status: number | null, cause: unknown): Classification {
  const failure: Failure = {
    provider: catalogFor(provider),
    status,
    providerCode: null,
    message: `[normalizer error] ${cause instanceof Error ? cause.message : 'unreadable input'}`,
    retryAfterMs: null,
  };
  return { error: build(failure, 'unknown.unmapped', null), row: null };
}

export function classifyResponse(provider: ProviderId, response: ProviderResponse, options: NormalizeOptions = {}): Classification {
  const status = validStatus(response?.status);
  try {
    const catalog = catalogFor(provider);
    const headers = headerMap(response.headers);
    const body: ParsedBody = parseBody(response.body);
    const fields = catalog.readBody(body, headers);
    const now = options.now ?? Date.now();
    return classifyFailure({
      provider: catalog,
      status,
      providerCode: fields.providerCode,
      message: fields.message,
      retryAfterMs: headerRetryAfterMs(headers, now, status) ?? catalog.bodyRetryAfterMs?.(body) ?? null,
    });
  } catch (cause) {
    return internalFailure(provider, status, cause);
  }
}

// --- Thrown errors -----------------------------------------------------------

/** Names every JS error has; they say nothing about the provider's failure. */
const GENERIC_NAMES = new Set(['Error', 'TypeError', 'RangeError', 'SyntaxError', 'AggregateError', 'DOMException', 'ServiceException']);
const MAX_CAUSE_DEPTH = 5;

/** Reads a property of a thrown value that may be anything, including an object whose getters throw. */
function prop(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

function networkCodeFor(label: string): ErrorCode | undefined {
  return Object.hasOwn(NETWORK_FAILURES, label) ? NETWORK_FAILURES[label] : undefined;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value.slice(0, 200) : null;
}

/** Every `name` and `code` along the cause chain (fetch hides ECONNREFUSED in `cause`, sometimes in an AggregateError). */
function chainLabels(error: unknown): string[] {
  const labels: string[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): void => {
    if (depth > MAX_CAUSE_DEPTH || typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    for (const key of ['code', 'name', 'errno']) {
      const label = text(prop(value, key));
      if (label) labels.push(label);
    }
    visit(prop(value, 'cause'), depth + 1);
    const inner = prop(value, 'errors');
    if (Array.isArray(inner)) inner.slice(0, 5).forEach((item) => visit(item, depth + 1));
  };
  visit(error, 0);
  return labels;
}

function thrownStatus(error: unknown): number | null {
  return (
    validStatus(prop(prop(error, '$metadata'), 'httpStatusCode')) ??
    validStatus(prop(error, 'statusCode')) ??
    validStatus(prop(error, 'status')) ??
    validStatus(prop(prop(error, 'response'), 'status')) ??
    validStatus(prop(prop(error, '$response'), 'statusCode'))
  );
}

function thrownProviderCode(error: unknown, catalog: ProviderCatalog): string | null {
  const primary = catalog.sdkCodeField === 'name' ? ['name', 'code', 'Code'] : ['code', 'Code', 'name'];
  const candidates = primary.map((key) => text(prop(error, key))).filter((c): c is string => c !== null && !GENERIC_NAMES.has(c));
  // Prefer a candidate the table knows: AWS errors carry `name: ThrottlingException` and `Code: Throttling`.
  return candidates.find((c) => catalog.rows.some((row) => row.providerCode === c)) ?? candidates[0] ?? null;
}

export function classifyThrown(provider: ProviderId, error: unknown, options: NormalizeOptions = {}): Classification {
  let status: number | null = null;
  try {
    const catalog = catalogFor(provider);
    status = thrownStatus(error);
    const message = text(prop(error, 'message')) ?? (typeof error === 'string' ? error.slice(0, 2000) : null);
    const headers: HeaderMap = headerMap(prop(prop(error, '$response'), 'headers') ?? prop(prop(error, 'response'), 'headers') ?? prop(error, 'headers'));
    const retryAfterMs = headerRetryAfterMs(headers, options.now ?? Date.now(), status);

    const own = catalog.readThrown?.(error);
    if (own) return classifyFailure({ provider: catalog, ...own, status: validStatus(own.status), retryAfterMs });
    if (status === null) {
      for (const label of chainLabels(error)) {
        const networkCode = networkCodeFor(label);
        if (networkCode === undefined) continue;
        const failure: Failure = { provider: catalog, status: null, providerCode: label, message: message ?? label, retryAfterMs };
        return { error: build(failure, networkCode, null), row: null };
      }
    }
    return classifyFailure({ provider: catalog, status, providerCode: thrownProviderCode(error, catalog), message, retryAfterMs });
  } catch (cause) {
    return internalFailure(provider, status, cause);
  }
}

/** Normalizes a failed HTTP answer from `provider`. Never throws. */
export function normalizeResponse(provider: ProviderId, response: ProviderResponse, options?: NormalizeOptions): NormalizedError {
  return classifyResponse(provider, response, options).error;
}

/** Normalizes an error thrown by a provider's SDK or by the network. Never throws. */
export function normalizeThrown(provider: ProviderId, error: unknown, options?: NormalizeOptions): NormalizedError {
  return classifyThrown(provider, error, options).error;
}
