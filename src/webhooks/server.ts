import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';

/** Bodies over this are refused with 413 before they are read further. Provider webhooks are a few KiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;

/** A request as endpoints see it: the raw bytes (signatures are over them) and the headers. */
export interface WebhookRequest {
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

/** What an endpoint answers when it handles a request itself (the SNS subscription handshake). */
export interface DirectAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** One provider's webhook: how to verify it, and how to turn its body into events. */
export interface WebhookEndpoint<E> {
  readonly path: string;
  verify(request: WebhookRequest): Promise<Verdict> | Verdict;
  /** Events from a verified, parsed body; throw an error with `status` 400 for a body of the wrong shape. */
  normalize(body: unknown, request: WebhookRequest): Promise<E[] | DirectAnswer> | E[] | DirectAnswer;
}

/** Where accepted events go; resolves only once they are safely stored (Kafka acknowledged, or written). */
export interface EventHandoff<E> {
  handOff(events: E[]): Promise<void>;
}

export interface WebhookServerOptions<E> {
  endpoints: WebhookEndpoint<E>[];
  handoff: EventHandoff<E>;
  maxBodyBytes?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

/** An error whose message is safe to show the caller, with the status to answer. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

function answer(response: ServerResponse, status: number, body: Record<string, unknown>): void {
  if (response.headersSent) return;
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), connection: 'close' });
  response.end(text);
}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? Number.NaN);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new RequestError(413, `body of ${declared} bytes is over the limit of ${limit} bytes`));
      request.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new RequestError(413, `body is over the limit of ${limit} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function isDirectAnswer(value: unknown): value is DirectAnswer {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as DirectAnswer).status === 'number';
}

/**
 * The webhook receiver: one endpoint per provider. Refuses, in this order and
 * without writing anything: an unknown path (404), another method (405), a
 * body over the limit (413), a missing or bad signature or a stale timestamp
 * (401), a body that is not JSON or not in the provider's shape (400). A valid
 * request is answered 200 only after its events were handed off; if that
 * fails, 503 tells the provider to deliver it again.
 */
export function createWebhookServer<E>(options: WebhookServerOptions<E>): Server {
  const endpoints = new Map(options.endpoints.map((endpoint) => [endpoint.path, endpoint]));
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const log = options.log ?? (() => undefined);

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if (request.method === 'GET' && path === '/healthz') return answer(response, 200, { ok: true });
    const endpoint = endpoints.get(path);
    if (!endpoint) throw new RequestError(404, `no webhook endpoint at ${path}`);
    if (request.method !== 'POST') throw new RequestError(405, 'webhooks are delivered with POST');
    const rawBody = await readBody(request, limit);
    const webhook: WebhookRequest = { path, headers: request.headers, rawBody };
    const verdict = await endpoint.verify(webhook);
    if (!verdict.ok) throw new RequestError(401, `signature refused: ${verdict.reason}`);
    let body: unknown;
    try {
      body = JSON.parse(rawBody.toString('utf8'));
    } catch (error) {
      throw new RequestError(400, `malformed JSON: ${(error as Error).message}`);
    }
    const normalized = await endpoint.normalize(body, webhook);
    if (isDirectAnswer(normalized)) return answer(response, normalized.status, normalized.body);
    try {
      await options.handoff.handOff(normalized);
    } catch (error) {
      log('error', 'could not hand events off; asking the provider to retry', { path, error: (error as Error).message });
      throw new RequestError(503, 'events could not be stored right now; deliver again later');
    }
    log('info', 'webhook accepted', { path, events: normalized.length });
    answer(response, 200, { accepted: normalized.length });
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const status = error instanceof RequestError ? error.status : typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : 500;
      const message = status === 500 ? 'internal error' : (error as Error).message;
      if (status >= 500) log('error', 'webhook failed', { error: (error as Error).message });
      else log('warn', 'webhook refused', { status, reason: message });
      answer(response, status, { error: message });
    });
  });
  // A slow client cannot hold a connection open: headers within 10 s, the whole request within 30 s.
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  return server;
}
