import { normalizeResponse } from '../../normalize/index.js';
import type { AttemptContext, AttemptResult, OutcomeReader, SendInstrumentation } from '../../instrument/index.js';
import type { Operation } from '../../events/index.js';

/** The parts of a postmark ServerClient we wrap; structural, so the SDK stays the user's dependency. */
export interface PostmarkLike {
  sendEmail: (message: never, callback?: never) => Promise<unknown>;
  sendEmailBatch: (messages: never, callback?: never) => Promise<unknown>;
  sendEmailWithTemplate: (message: never, callback?: never) => Promise<unknown>;
  sendEmailBatchWithTemplates?: (messages: never, callback?: never) => Promise<unknown>;
  /** Where requests go: `{ useHttps, requestHost }` (api.postmarkapp.com unless changed). */
  getClientOptions?: () => { useHttps?: unknown; requestHost?: unknown };
}

type Json = Record<string, unknown>;
const obj = (value: unknown): Json | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined);

/** Each wrapped method: its operation and its path on the API. */
const METHODS = {
  sendEmail: { operation: 'send', path: '/email' },
  sendEmailWithTemplate: { operation: 'send', path: '/email/withTemplate' },
  sendEmailBatch: { operation: 'send_batch', path: '/email/batch' },
  sendEmailBatchWithTemplates: { operation: 'send_batch', path: '/email/batchWithTemplates' },
} as const satisfies Record<string, { operation: Operation; path: string }>;

/** Postmark's `To` is one string of comma-separated addresses. */
function recipients(value: unknown): string[] {
  return typeof value === 'string' ? value.split(',').map((a) => a.trim()).filter(Boolean).slice(0, 1000) : [];
}

function baseUrl(client: PostmarkLike): string {
  try {
    const options = client.getClientOptions?.();
    const host = typeof options?.requestHost === 'string' && options.requestHost !== '' ? options.requestHost : 'api.postmarkapp.com';
    return `${options?.useHttps === false ? 'http' : 'https'}://${host}`;
  } catch {
    return 'https://api.postmarkapp.com';
  }
}

/** A PostmarkError as the failed answer it stands for: `statusCode` 0 and `code` 0 mean no answer came at all. */
export function postmarkErrorResponse(error: unknown): { status: number; body: { ErrorCode: unknown; Message: unknown } } {
  const thrown = obj(error);
  return { status: typeof thrown?.statusCode === 'number' ? thrown.statusCode : 0, body: { ErrorCode: thrown?.code, Message: thrown?.message } };
}

/**
 * A batch is one request answered 200 with one result per message, each with
 * its own ErrorCode. Decision: the attempt is `failed` as soon as one message
 * of the batch failed, with the first failure's ErrorCode normalized and the
 * count in the message ("2 of 3 messages failed: …"), so an inactive
 * recipient inside a batch is as visible as one sent alone; the status stays
 * the 200 the API answered. A batch where every message succeeded is `sent`
 * with the first message's id.
 */
function fromBatch(results: unknown[]): AttemptResult {
  const failed = results.filter((item) => typeof obj(item)?.ErrorCode === 'number' && obj(item)?.ErrorCode !== 0);
  const first = obj(failed[0]);
  if (first === undefined) {
    const id = obj(results[0])?.MessageID;
    return { outcome: 'sent', status: 200, ...(typeof id === 'string' && { providerMessageId: id }) };
  }
  const message = `${failed.length} of ${results.length} messages failed: ${typeof first.Message === 'string' ? first.Message : ''}`;
  return { outcome: 'failed', error: normalizeResponse('postmark', { status: 200, body: { ErrorCode: first.ErrorCode, Message: message } }) };
}

export const postmarkOutcomeReader: OutcomeReader<unknown> = {
  fromResult(result): AttemptResult {
    if (Array.isArray(result)) return fromBatch(result);
    const id = obj(result)?.MessageID;
    return { outcome: 'sent', status: 200, ...(typeof id === 'string' && { providerMessageId: id }) };
  },
  fromError: (error) => ({ outcome: 'failed', error: normalizeResponse('postmark', postmarkErrorResponse(error)) }),
};

/** From and To of a message, or of a batch's first message. */
function contextOf(message: unknown): Pick<AttemptContext, 'from' | 'to'> {
  const first = Array.isArray(message) ? obj(message[0]) : obj(message);
  const to = recipients(first?.To);
  return { ...(typeof first?.From === 'string' && { from: first.From }), ...(to.length > 0 && { to }) };
}

/**
 * Instruments a postmark ServerClient in place: `sendEmail`,
 * `sendEmailWithTemplate`, `sendEmailBatch` and `sendEmailBatchWithTemplates`
 * keep their signatures, results and callbacks, and each call becomes a span
 * and an event. `context` adds what the message does not say (workspace).
 */
export function instrumentPostmark<T extends PostmarkLike>(instrumentation: SendInstrumentation, client: T, context: Partial<AttemptContext> = {}): T {
  const base = baseUrl(client);
  for (const [name, { operation, path }] of Object.entries(METHODS)) {
    const method = (client as unknown as Record<string, unknown>)[name];
    if (typeof method !== 'function') continue;
    const original = (method as (message: unknown, callback?: unknown) => Promise<unknown>).bind(client);
    (client as unknown as Record<string, unknown>)[name] = (message: unknown, callback?: unknown) =>
      instrumentation.attempt(
        { provider: 'postmark', operation, method: 'POST', url: `${base}${path}`, ...contextOf(message), ...context },
        () => original(message, callback),
        postmarkOutcomeReader,
      );
  }
  return client;
}
