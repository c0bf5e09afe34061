import { normalizeResponse, normalizeThrown } from '../normalize/index.js';
import type { ProviderId } from '../normalize/index.js';
import type { Operation } from '../events/index.js';
import { PROVIDER_HTTP_APIS } from '../providers/http-apis.js';
import type { AttemptContext, AttemptResult, OutcomeReader, SendInstrumentation } from './instrumentation.js';
import { remember } from './bounded-cache.js';

/** Bodies are read from a clone up to this many bytes, for the error or the provider's message id. */
export const MAX_RESPONSE_BYTES = 64 * 1024;
/** Request bodies larger than this are not parsed for From/To (attachments make them large). */
export const MAX_REQUEST_PARSE_BYTES = 256 * 1024;

/** What a path says about the operation, after the provider's own paths; first match wins. */
const OPERATION_BY_PATH: readonly [RegExp, Operation][] = [
  [/batch/i, 'send_batch'],
  [/\/(emails?|mail\/send|send)\/?$/i, 'send'],
  [/domains?\/[^/]+\/verify/i, 'domain_verify'],
  [/domains?/i, 'domain_manage'],
  [/webhooks?/i, 'webhook_manage'],
  [/templates?/i, 'template_manage'],
  [/suppression/i, 'suppression_manage'],
];

export function operationFromPath(pathname: string, provider?: ProviderId): Operation {
  const matching = ([pattern]: readonly [RegExp, Operation]) => pattern.test(pathname);
  // Two lookups rather than one concatenated list: this runs on every send attempt.
  const own = provider ? PROVIDER_HTTP_APIS[provider]?.operations?.find(matching) : undefined;
  return (own ?? OPERATION_BY_PATH.find(matching))?.[1] ?? 'other';
}

type FetchInput = Parameters<typeof fetch>[0];
type Json = Record<string, unknown>;
const obj = (value: unknown): Json | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Where the provider's send request keeps From and To (its folder says); none for a provider without an HTTP API. */
function addressesOf(provider: ProviderId, body: Json): { from?: string | undefined; to: string[] } {
  return PROVIDER_HTTP_APIS[provider]?.addresses(body) ?? { to: [] };
}

/** A form body as the fields the address readers look at; a field sent more than once is a list. */
function formFields(body: URLSearchParams | FormData): Json {
  const fields: Json = {};
  for (const key of ['from', 'to', 'From', 'To']) {
    const values = body.getAll(key).filter((v): v is string => typeof v === 'string').slice(0, 1000);
    if (values.length > 0) fields[key] = values.length === 1 ? values[0] : values;
  }
  return fields;
}

/**
 * Operations by provider and URL: a service calls a handful of endpoints, and
 * parsing the URL and matching the path patterns costs ~1.4 µs on the send
 * path. Cleared when full.
 */
const operationsByUrl = new Map<string, Operation>();
const MAX_CACHED_OPERATIONS = 256;

/** The operation of a `provider url` key (provider ids have no spaces). */
function operationOfKey(key: string): Operation {
  const space = key.indexOf(' ');
  try {
    return operationFromPath(new URL(key.slice(space + 1)).pathname, key.slice(0, space) as ProviderId);
  } catch {
    return 'other';
  }
}

function operationOf(provider: ProviderId, url: string): Operation {
  return remember(operationsByUrl, MAX_CACHED_OPERATIONS, `${provider} ${url}`, operationOfKey);
}

/** From and To of a JSON request body; none when it is not JSON after all. */
function addressesOfJson(provider: ProviderId, body: string): { from?: string | undefined; to: readonly string[] } {
  try {
    const parsed = obj(JSON.parse(body));
    return parsed ? addressesOf(provider, parsed) : { to: [] };
  } catch {
    // Not JSON after all: the event just lacks the addresses.
    return { to: [] };
  }
}

function contextFromRequest(provider: ProviderId, input: FetchInput, init: RequestInit | undefined): AttemptContext {
  const url = typeof input === 'string' || input instanceof URL ? String(input) : input.url;
  const method = init?.method ?? (typeof input === 'object' && 'method' in input ? input.method : 'GET');
  const context: AttemptContext = { provider, method, url, operation: operationOf(provider, url) };
  const body = init?.body;
  if (body instanceof URLSearchParams || body instanceof FormData) {
    // Read now: the caller may change a form after the call.
    const { from, to } = addressesOf(provider, formFields(body));
    if (from !== undefined) context.from = from;
    if (to.length > 0) context.to = to;
  } else if (typeof body === 'string' && body.length <= MAX_REQUEST_PARSE_BYTES && body.trimStart().startsWith('{')) {
    // A string cannot change: parsed when the attempt completes, off the send path (~2.6 µs for 2 KB).
    context.readAddresses = () => addressesOfJson(provider, body);
  }
  return context;
}

async function readBounded(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    // Leaves the caller's copy of the body alone; only our clone's stream is cancelled.
    reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

function messageIdFrom(response: Response, text: string): string | undefined {
  const header = response.headers.get('x-message-id') ?? response.headers.get('x-amzn-requestid');
  if (text) {
    try {
      const body = obj(JSON.parse(text));
      const id = str(body?.id) ?? str(body?.message_id) ?? str(body?.messageId) ?? str(body?.MessageId) ?? str(obj(body?.data)?.id);
      if (id) return id;
    } catch {
      // Not JSON: fall back to the header.
    }
  }
  return header ?? undefined;
}

export interface FetchReadOptions {
  /**
   * Read a successful response's body (from a clone) for the provider's
   * message id. Off by default: cloning a Response costs tens of
   * microseconds in Node (see `npm run bench`); failures are always read,
   * because normalizing them needs the body.
   */
  readSuccessBody?: boolean;
}

export function fetchOutcomeReader(provider: ProviderId, options: FetchReadOptions = {}): OutcomeReader<Response> {
  return {
    fromResult(response): AttemptResult | Promise<AttemptResult> {
      if (response.ok && !options.readSuccessBody) {
        const providerMessageId = messageIdFrom(response, '');
        return { outcome: 'sent', status: response.status, ...(providerMessageId !== undefined && { providerMessageId }) };
      }
      // A clone, taken now before the caller can consume the body, read later.
      const copy = response.clone();
      return readBounded(copy, MAX_RESPONSE_BYTES)
        .catch(() => '')
        .then((text): AttemptResult => {
          if (response.ok) {
            const providerMessageId = messageIdFrom(response, text);
            return { outcome: 'sent', status: response.status, ...(providerMessageId !== undefined && { providerMessageId }) };
          }
          return { outcome: 'failed', error: normalizeResponse(provider, { status: response.status, headers: response.headers, body: text }) };
        });
    },
    fromError: (error) => ({ outcome: 'failed', error: normalizeThrown(provider, error) }),
  };
}

export interface InstrumentFetchOptions extends FetchReadOptions {
  provider: ProviderId;
  /** The fetch to wrap; the global one by default. */
  fetch?: typeof fetch;
}

/** Per-call facts the request itself does not carry (workspace, message id, attempt). */
export type SendlensRequestInit = RequestInit & { sendlens?: Partial<Omit<AttemptContext, 'provider'>> };

/**
 * A fetch for one provider's HTTP API: same arguments, same Response, each call
 * one span and one event. From and To are read from a JSON request body in the
 * provider's own shape; `init.sendlens` adds or overrides what it cannot know.
 */
export function instrumentFetch(instrumentation: SendInstrumentation, options: InstrumentFetchOptions): (input: FetchInput, init?: SendlensRequestInit) => Promise<Response> {
  const inner = options.fetch ?? globalThis.fetch;
  const reader = fetchOutcomeReader(options.provider, options);
  return (input, init) => {
    let context: AttemptContext;
    let forwarded: RequestInit | undefined = init;
    try {
      context = { ...contextFromRequest(options.provider, input, init), ...init?.sendlens, provider: options.provider };
      if (init?.sendlens) {
        const { sendlens: _ours, ...rest } = init;
        forwarded = rest;
      }
    } catch {
      context = { provider: options.provider };
    }
    return instrumentation.attempt(context, () => inner(input, forwarded), reader);
  };
}
