import { parseBody, prop } from './body.js';
import type { ParsedBody } from './body.js';
import { headerMap, retryAfterMs as headerRetryAfterMs } from './headers.js';
import type { HeaderMap } from './headers.js';
import { scrubMessage } from './scrub.js';
import { categoryOf, defaultRetryFor } from './taxonomy.js';
import type { Category, ErrorCode, RetryClass } from './taxonomy.js';
import { NETWORK_FAILURES, STATUS_CLASS_ROWS, STATUS_ROWS, retryableStatus } from './catalog/common.js';
import { CATALOGS } from './catalog/index.js';
import { ANY_CODE } from './catalog/types.js';
import type { CatalogRow, FailureFields, ProviderCatalog, ProviderId, RetrySchedule } from './catalog/types.js';

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

/** A catalog's codes and spellings, keyed as the catalog compares them, to the code its rows use. */
const ROW_CODES = new WeakMap<ProviderCatalog, ReadonlyMap<string, string>>();

function codeKey(catalog: ProviderCatalog, code: string): string {
  return catalog.codesIgnoreCase ? code.toLowerCase() : code;
}

function rowCodes(catalog: ProviderCatalog): ReadonlyMap<string, string> {
  let codes = ROW_CODES.get(catalog);
  if (!codes) {
    const built = new Map<string, string>();
    for (const row of catalog.rows) {
      if (row.providerCode !== null && row.providerCode !== ANY_CODE) built.set(codeKey(catalog, row.providerCode), row.providerCode);
    }
    for (const [rowCode, others] of Object.entries(catalog.spellings ?? {})) {
      for (const other of others) built.set(codeKey(catalog, other), rowCode);
    }
    ROW_CODES.set(catalog, built);
    codes = built;
  }
  return codes;
}

/** The code the catalog's rows use for `code` (its spelling or case resolved), or null if no row knows it. */
function knownRowCode(catalog: ProviderCatalog, code: string | null): string | null {
  if (code === null) return null;
  return rowCodes(catalog).get(codeKey(catalog, code)) ?? null;
}

function statusMatches(row: CatalogRow, status: number | null): boolean {
  if (row.status !== undefined && row.status !== status) return false;
  if (row.statusRange !== undefined) return status !== null && status >= row.statusRange[0] && status <= row.statusRange[1];
  return true;
}

/**
 * `rowCodes`: the failure's codes as the rows spell them (several where the provider's failures
 * carry several, as SMTP's reply and enhanced codes); [null] when it has none the table knows.
 */
function rowMatches(row: CatalogRow, rowCodes: readonly (string | null)[], failure: Failure): boolean {
  if (row.providerCode !== ANY_CODE && !rowCodes.includes(row.providerCode)) return false;
  if (!statusMatches(row, failure.status)) return false;
  return row.message === undefined || row.message.test(failure.message ?? '');
}

/**
 * The provider's rows for the code first. When none matches (no code, or one
 * the table does not know), the status decides, most specific first: the
 * provider's own code-less rows, the shared status table, then the status
 * class. The raw code is kept either way.
 */
function findRow(failure: Failure): CatalogRow | null {
  const { rows } = failure.provider;
  const rowCodes = (failure.matchCodes ?? [failure.providerCode]).map((code) => knownRowCode(failure.provider, code)).filter((code) => code !== null);
  if (rowCodes.length > 0) {
    const byCode = rows.find((row) => rowMatches(row, rowCodes, failure));
    if (byCode) return byCode;
  }
  const codeless = [null];
  return (
    rows.find((row) => rowMatches(row, codeless, failure)) ??
    STATUS_ROWS.find((row) => rowMatches(row, codeless, failure)) ??
    STATUS_CLASS_ROWS.find((row) => rowMatches(row, codeless, failure)) ??
    null
  );
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

/**
 * Names that say nothing about the provider's failure: every JS error's, the
 * wrapper names HTTP clients give any failed answer (axios's `AxiosError` with
 * `ERR_BAD_REQUEST`/`ERR_BAD_RESPONSE`, @sendgrid/client's `ResponseError`,
 * got's and ky's `HTTPError`, postmark's `HttpError`/`UnknownError`, mailgun.js's
 * `MailgunAPIError` type), and what AWS SDK v3 names an error it has no model
 * for: smithy's `throwDefaultError` takes the body's code, else the status as a
 * string, else `UnknownError`; the schema-based protocols of @aws-sdk/core 3.9xx
 * (`AwsRestJsonProtocol.handleError`, `AwsQueryProtocol`) say `Unknown`, and a
 * body that is no JSON (a proxy's HTML page) surfaces as a `SyntaxError` that
 * still carries `$metadata.httpStatusCode`. The code then comes from the body
 * or the status.
 */
const GENERIC_NAMES = new Set([
  'Error', 'TypeError', 'RangeError', 'SyntaxError', 'AggregateError', 'DOMException', 'ServiceException',
  'AxiosError', 'ERR_BAD_REQUEST', 'ERR_BAD_RESPONSE', 'ResponseError', 'HTTPError', 'HttpError', 'FetchError',
  'PostmarkError', 'MailgunAPIError', 'UnknownError', 'Unknown',
]);
const STATUS_AS_NAME = /^[1-5]\d\d$/;

function isGenericName(name: string): boolean {
  return GENERIC_NAMES.has(name) || STATUS_AS_NAME.test(name);
}
const MAX_CAUSE_DEPTH = 5;


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

/**
 * Where each library keeps the HTTP status on what it throws, tried in order:
 * AWS SDK v3, postmark (`statusCode`; its `code` is Postmark's own ErrorCode),
 * mailgun.js/ky/got (`status`), axios (`response.status`), superagent-style
 * clients (`response.statusCode`), the AWS SDK's raw response.
 */
const STATUS_PATHS: readonly (readonly string[])[] = [
  ['$metadata', 'httpStatusCode'],
  ['statusCode'],
  ['status'],
  ['response', 'status'],
  ['response', 'statusCode'],
  ['$response', 'statusCode'],
];

/** Where HTTP clients keep the answer's body: `response.body` (@sendgrid/client, superagent, got), `response.data` (axios). */
const BODY_PATHS: readonly (readonly string[])[] = [
  ['response', 'body'],
  ['response', 'data'],
];

const at = (value: unknown, path: readonly string[]): unknown => path.reduce((inner, key) => prop(inner, key), value);

function thrownStatus(error: unknown): number | null {
  for (const path of STATUS_PATHS) {
    const status = validStatus(at(error, path));
    if (status !== null) return status;
  }
  // @sendgrid/client's ResponseError puts the status in `code`; only a number, and only
  // where there is no `statusCode`, since postmark's `code` is not a status.
  return prop(error, 'statusCode') === undefined && typeof prop(error, 'code') === 'number' ? validStatus(prop(error, 'code')) : null;
}

function thrownBody(error: unknown): ParsedBody {
  for (const path of BODY_PATHS) {
    const body = at(error, path);
    if (body !== undefined && body !== null) return parseBody(body);
  }
  return parseBody(undefined);
}

function thrownProviderCode(error: unknown, catalog: ProviderCatalog): string | null {
  const primary = catalog.sdkCodeField === 'name' ? ['name', 'code', 'Code'] : ['code', 'Code', 'name'];
  const candidates = primary.map((key) => text(prop(error, key))).filter((c): c is string => c !== null && !isGenericName(c));
  // Prefer a candidate the table knows: AWS errors carry `name: ThrottlingException` and `Code: Throttling`.
  return candidates.find((c) => knownRowCode(catalog, c) !== null) ?? candidates[0] ?? null;
}

export function classifyThrown(provider: ProviderId, error: unknown, options: NormalizeOptions = {}): Classification {
  let status: number | null = null;
  try {
    const catalog = catalogFor(provider);
    status = thrownStatus(error);
    const headers: HeaderMap = headerMap(prop(prop(error, '$response'), 'headers') ?? prop(prop(error, 'response'), 'headers') ?? prop(error, 'headers'));
    const now = options.now ?? Date.now();
    const body = thrownBody(error);
    // The provider's own words in the body outrank the client's wrapper around them.
    const fromBody: FailureFields = body.kind === 'empty' ? { providerCode: null, message: null } : catalog.readBody(body, headers);
    const message =
      fromBody.message ?? text(prop(error, 'details')) ?? text(prop(error, 'message')) ?? (typeof error === 'string' ? error.slice(0, 2000) : null);
    const retryAfterMs = headerRetryAfterMs(headers, now, status) ?? (body.kind === 'empty' ? null : (catalog.bodyRetryAfterMs?.(body) ?? null));

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
    const providerCode = fromBody.providerCode ?? thrownProviderCode(error, catalog);
    return classifyFailure({ provider: catalog, status, providerCode, message, retryAfterMs });
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
