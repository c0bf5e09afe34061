import { NETWORK_FAILURES, normalizeResponse, normalizeThrown } from '../../normalize/index.js';
import type { AttemptContext, AttemptResult, OutcomeReader, SendInstrumentation } from '../../instrument/index.js';
import { bareMessageId } from './feedback.js';

/** The parts of a mailgun.js client we wrap; structural, so the SDK stays the user's dependency. */
export interface MailgunLike {
  messages: {
    create: (domain: string, data: never) => Promise<unknown>;
    /** The SDK's request helper; `url` is the API base (https://api.mailgun.net, the EU host, or the client's `url` option). */
    request?: { url?: unknown };
  };
}

type Json = Record<string, unknown>;
const obj = (value: unknown): Json | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined);

/** Mailgun's `to` is a string of comma-separated addresses or a list of them. */
function recipients(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list
    .slice(0, 1000)
    .filter((item): item is string => typeof item === 'string')
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter(Boolean);
}

const DEFAULT_BASE_URL = 'https://api.mailgun.net';

function messagesUrl(client: MailgunLike, domain: unknown): string {
  const base = client.messages.request?.url;
  const root = typeof base === 'string' && base !== '' ? base.replace(/\/+$/, '') : DEFAULT_BASE_URL;
  return `${root}/v3/${typeof domain === 'string' ? encodeURIComponent(domain) : ''}/messages`;
}

export const mailgunOutcomeReader: OutcomeReader<unknown> = {
  fromResult(result): AttemptResult {
    const answer = obj(result);
    const status = typeof answer?.status === 'number' ? answer.status : null;
    // The API answers `<id@domain>`; webhooks carry the bare id: keep the bare one so they join.
    const id = typeof answer?.id === 'string' ? bareMessageId(answer.id) : undefined;
    return { outcome: 'sent', status, ...(id !== undefined && { providerMessageId: id }) };
  },
  /**
   * mailgun.js throws an APIError: `status`, `message` (the body's `error` or
   * the status text) and `details` (the body's `message`, or its text). It
   * keeps no headers, so a 429 carries no Retry-After. A request that got no
   * answer is an APIError too, with status 400 and the network code as its
   * message (ECONNREFUSED): that one is a network failure, not a 400.
   */
  fromError(error): AttemptResult {
    const thrown = obj(error);
    const message = typeof thrown?.message === 'string' ? thrown.message : '';
    const details = typeof thrown?.details === 'string' ? thrown.details : '';
    if (Object.hasOwn(NETWORK_FAILURES, message)) {
      return { outcome: 'failed', error: normalizeThrown('mailgun', { code: message, message: details || message }) };
    }
    if (typeof thrown?.status === 'number') {
      return { outcome: 'failed', error: normalizeResponse('mailgun', { status: thrown.status, body: { message: details || message } }) };
    }
    return { outcome: 'failed', error: normalizeThrown('mailgun', error) };
  },
};

/**
 * Instruments a mailgun.js client in place: `mg.messages.create(domain, data)`
 * keeps its signature and result, and each call becomes a span and an event.
 * `context` adds what the message data does not say (workspace).
 */
export function instrumentMailgun<T extends MailgunLike>(instrumentation: SendInstrumentation, client: T, context: Partial<AttemptContext> = {}): T {
  const create = (client.messages.create as (domain: string, data: unknown) => Promise<unknown>).bind(client.messages);
  (client.messages as { create: unknown }).create = (domain: string, data: unknown) => {
    const message = obj(data) ?? {};
    const to = recipients(message.to);
    const attempt: AttemptContext = {
      provider: 'mailgun',
      operation: 'send',
      method: 'POST',
      url: messagesUrl(client, domain),
      // Mailgun sends from a domain of the account; a data `from` names the address.
      from: typeof message.from === 'string' ? message.from : domain,
      ...(to.length > 0 && { to }),
      ...context,
    };
    return instrumentation.attempt(attempt, () => create(domain, data), mailgunOutcomeReader);
  };
  return client;
}
