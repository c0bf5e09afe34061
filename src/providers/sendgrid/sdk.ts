import { normalizeResponse, normalizeThrown } from '../../normalize/index.js';
import type { AttemptContext, AttemptResult, OutcomeReader, SendInstrumentation } from '../../instrument/index.js';

/**
 * The parts of `@sendgrid/mail` (a MailService) we wrap; structural, so the
 * SDK stays the user's dependency. `sendMultiple` calls `this.send`, and
 * `send` of an array calls `this.send` per item, so wrapping `send` covers
 * every request the SDK makes, once each.
 */
export interface SendgridMailLike {
  send: (data: never, isMultiple?: never, cb?: never) => Promise<unknown>;
  /** The SDK's HTTP client; its `baseUrl` (set by setApiKey, setDataResidency or setDefaultRequest) is where requests go. */
  client?: { defaultRequest?: { baseUrl?: unknown } };
}

/** What `send` resolves to: `[Response { statusCode, body, headers }, body]`. */
type SendgridResult = unknown;

type Json = Record<string, unknown>;
const obj = (value: unknown): Json | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined);

/** An address as the SDK accepts it: `"a@b.c"`, `"Name <a@b.c>"` or `{ email, name }`. */
function address(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const email = obj(value)?.email;
  return typeof email === 'string' ? email : undefined;
}

function addresses(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.slice(0, 1000).map(address).filter((a): a is string => a !== undefined);
}

/** From and To of one send's data: top-level `to`, else the first personalization's. */
function addressesOf(data: unknown): { from?: string; to: string[] } {
  const mail = obj(data) ?? {};
  let to = addresses(mail.to);
  if (to.length === 0 && Array.isArray(mail.personalizations)) to = addresses(obj(mail.personalizations[0])?.to);
  const from = address(mail.from);
  return { ...(from !== undefined && { from }), to };
}

const DEFAULT_BASE_URL = 'https://api.sendgrid.com/';

function sendUrl(mail: SendgridMailLike): string {
  const base = mail.client?.defaultRequest?.baseUrl;
  try {
    return new URL('/v3/mail/send', typeof base === 'string' && base !== '' ? base : DEFAULT_BASE_URL).toString();
  } catch {
    return `${DEFAULT_BASE_URL}v3/mail/send`;
  }
}

function header(headers: unknown, name: string): string | undefined {
  const record = obj(headers);
  if (!record) return undefined;
  for (const [key, value] of Object.entries(record)) if (key.toLowerCase() === name && typeof value === 'string') return value;
  return undefined;
}

export const sendgridOutcomeReader: OutcomeReader<SendgridResult> = {
  fromResult(result): AttemptResult {
    const response = Array.isArray(result) ? obj(result[0]) : undefined;
    const status = typeof response?.statusCode === 'number' ? response.statusCode : null;
    // SendGrid answers 202 with an empty body; the message id travels in X-Message-Id.
    const id = header(response?.headers, 'x-message-id');
    return { outcome: 'sent', status, ...(id !== undefined && { providerMessageId: id }) };
  },
  /** A ResponseError carries the status as `code` and the answer as `response: { headers, body }`; anything else never got an answer. */
  fromError(error): AttemptResult {
    const thrown = obj(error);
    const response = obj(thrown?.response);
    if (typeof thrown?.code === 'number' && response) {
      return { outcome: 'failed', error: normalizeResponse('sendgrid', { status: thrown.code, headers: response.headers, body: response.body }) };
    }
    return { outcome: 'failed', error: normalizeThrown('sendgrid', error) };
  },
};

type Callback = (error: unknown, result: unknown) => unknown;

/**
 * Instruments `@sendgrid/mail` in place: `sgMail.send` and
 * `sgMail.sendMultiple` keep their signatures, results and callbacks, and
 * each HTTP request the SDK makes becomes a span and an event (a
 * `sendMultiple` is one request: operation `send_batch`). `context` adds
 * what the mail data does not say (workspace).
 */
export function instrumentSendgrid<T extends SendgridMailLike>(instrumentation: SendInstrumentation, mail: T, context: Partial<AttemptContext> = {}): T {
  const original = (mail.send as (data: unknown, isMultiple?: unknown, cb?: unknown) => Promise<unknown>).bind(mail);
  const send = (data: unknown, isMultiple?: unknown, cb?: unknown): Promise<unknown> => {
    let callback = cb;
    let multiple = isMultiple;
    if (typeof multiple === 'function') {
      callback = multiple;
      multiple = false;
    }
    // An array is sent as one request per item, each through this very function.
    if (Array.isArray(data)) return original(data, multiple, callback);
    const attempt: AttemptContext = {
      provider: 'sendgrid',
      operation: multiple === true ? 'send_batch' : 'send',
      method: 'POST',
      url: sendUrl(mail),
      ...addressesOf(data),
      ...context,
    };
    // The SDK's own callback path swallows the error into the callback, so the
    // attempt runs on the promise and the callback is called from it, as the SDK would.
    const running = instrumentation.attempt(attempt, () => original(data, multiple), sendgridOutcomeReader);
    if (typeof callback !== 'function') return running;
    return running.then(
      (result) => (callback as Callback)(null, result),
      (error: unknown) => (callback as Callback)(error, null),
    );
  };
  (mail as { send: unknown }).send = send;
  return mail;
}
