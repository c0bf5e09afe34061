import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Verdict } from '../feedback/index.js';

/** Bodies over this are refused with 413. Provider webhooks are a few KiB; 10,000 recipients fit in a quarter of it. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/**
 * Past the body limit, up to this much more is read and thrown away before
 * answering 413, so the client (which is still writing) reads the answer
 * instead of a connection reset; a body larger still is cut off after the 413.
 */
export const OVERSIZED_DISCARD_BYTES = 1024 * 1024;
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;
/** An idle kept-alive connection (between requests) is closed after this. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/**
 * Events of one payload go to the hand-off in slices of at most this many
 * bytes of JSON Lines: one slice is one loader message in single-process mode
 * (the loader dead-letters a message over 1 MiB) and one produce request with
 * Kafka (the broker refuses a record batch over 1 MiB), with room to spare.
 */
export const DEFAULT_MAX_HANDOFF_BYTES = 512 * 1024;
/**
 * One event's JSON above this cannot be stored (the loader dead-letters an
 * event line over 16 KiB): such a payload is answered 500, not 200, so the
 * provider keeps it and delivers it again.
 */
export const DEFAULT_MAX_EVENT_BYTES = 16 * 1024;

/** A request as endpoints see it: the raw bytes (signatures are over them) and the headers. */
export interface WebhookRequest {
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
}


export type { Verdict };

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

/** How long a client may take; Node checks these every `checkEveryMs` (its own default, 30 s, would stretch them). */
export interface WebhookTimeouts {
  headersMs: number;
  requestMs: number;
  keepAliveMs: number;
}

export const DEFAULT_TIMEOUTS: WebhookTimeouts = { headersMs: HEADERS_TIMEOUT_MS, requestMs: REQUEST_TIMEOUT_MS, keepAliveMs: KEEP_ALIVE_TIMEOUT_MS };

export interface WebhookServerOptions<E> {
  endpoints: WebhookEndpoint<E>[];
  handoff: EventHandoff<E>;
  maxBodyBytes?: number;
  /** Bytes of JSON Lines per hand-off (see DEFAULT_MAX_HANDOFF_BYTES). */
  maxHandoffBytes?: number;
  /** Bytes of JSON one event may take (see DEFAULT_MAX_EVENT_BYTES). */
  maxEventBytes?: number;
  /** Tests shorten these; the receiver runs with DEFAULT_TIMEOUTS. */
  timeouts?: Partial<WebhookTimeouts>;
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

function answer(request: IncomingMessage, response: ServerResponse, status: number, body: Record<string, unknown>): void {
  if (response.headersSent) return;
  const text = JSON.stringify(body);
  // A body not read to its end leaves the connection mid-stream: close it rather than parse the rest as a
  // request. A client that sent too much is not offered the connection again either.
  const bodyUnread = !request.complete && (request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0);
  const close = bodyUnread || status === 413;
  const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...(close && { connection: 'close' }) };
  response.writeHead(status, headers);
  response.end(text);
}

/**
 * The body, up to `limit` bytes. An oversized body (declared, or counted as
 * it streams when chunked) is read on and discarded up to
 * OVERSIZED_DISCARD_BYTES more, so the 413 is answered after the client
 * finished writing and it reads the answer; past that bound the 413 is sent
 * at once and the connection closed.
 */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = (size: string) => new RequestError(413, `body ${size} is over the limit of ${limit} bytes`);
    const declared = Number(request.headers['content-length'] ?? Number.NaN);
    if (Number.isFinite(declared) && declared > limit + OVERSIZED_DISCARD_BYTES) {
      reject(tooLarge(`of ${declared} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      outcome();
    };
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
      } else if (size > limit + OVERSIZED_DISCARD_BYTES) {
        request.pause();
        settle(() => reject(tooLarge('of more than ' + String(limit + OVERSIZED_DISCARD_BYTES) + ' bytes')));
      } else {
        chunks.length = 0;
      }
    });
    request.on('end', () => settle(() => (size > limit ? reject(tooLarge(`of ${size} bytes`)) : resolve(Buffer.concat(chunks)))));
    request.on('error', (error) => settle(() => reject(error)));
  });
}

/** Events in slices of at most `maxBytes` of JSON Lines, in order; an event over `maxEventBytes` cannot be stored. */
function slices<E>(events: E[], maxBytes: number, maxEventBytes: number): E[][] {
  const sliced: E[][] = [];
  let current: E[] = [];
  let bytes = 0;
  for (const event of events) {
    const weight = Buffer.byteLength(JSON.stringify(event)) + 1;
    if (weight - 1 > maxEventBytes || weight > maxBytes) throw new RequestError(500, `an event of ${weight - 1} bytes is over the bound of ${Math.min(maxEventBytes, maxBytes - 1)} bytes`);
    if (bytes + weight > maxBytes) {
      sliced.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += weight;
  }
  if (current.length > 0) sliced.push(current);
  return sliced;
}

function isDirectAnswer(value: unknown): value is DirectAnswer {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as DirectAnswer).status === 'number';
}

/**
 * The webhook receiver: one endpoint per provider. Refuses, in this order and
 * without writing anything: an unknown path (404), another method (405), a
 * body over the limit (413), a missing or bad signature or a stale timestamp
 * (401), a body that is not JSON or not in the provider's shape (400). A valid
 * request is answered 200 only after all its events were handed off, slice by
 * slice; if a slice fails, 503 tells the provider to deliver it again, and an
 * event too large to store is a 500. Slow clients get 408 (DEFAULT_TIMEOUTS).
 */
export function createWebhookServer<E>(options: WebhookServerOptions<E>): Server {
  const endpoints = new Map(options.endpoints.map((endpoint) => [endpoint.path, endpoint]));
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxHandoffBytes = options.maxHandoffBytes ?? DEFAULT_MAX_HANDOFF_BYTES;
  const maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const log = options.log ?? (() => undefined);

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if (request.method === 'GET' && path === '/healthz') return answer(request, response, 200, { ok: true });
    const endpoint = endpoints.get(path);
    if (!endpoint) throw new RequestError(404, `no webhook endpoint at ${path}`);
    if (request.method !== 'POST') throw new RequestError(405, 'webhooks are delivered with POST');
    const rawBody = await readBody(request, limit);
    const webhook: WebhookRequest = { path, headers: request.headers, rawBody };
    const verdict = await endpoint.verify(webhook);
    if (!verdict.ok) throw new RequestError(401, `signature refused: ${verdict.reason}`);
    try {
      await accept(request, response, path, endpoint, webhook);
    } catch (error) {
      // Not stored: what the verifier spent on this request (a one-time token) is given back, so the
      // provider's redelivery of the very same signed request is accepted rather than refused as a replay.
      verdict.release?.();
      throw error;
    }
  };

  /** A verified request: its events, handed off in slices; 200 once every slice is stored. */
  const accept = async (request: IncomingMessage, response: ServerResponse, path: string, endpoint: WebhookEndpoint<E>, webhook: WebhookRequest): Promise<void> => {
    const { rawBody } = webhook;
    let body: unknown;
    try {
      body = JSON.parse(rawBody.toString('utf8'));
    } catch (error) {
      throw new RequestError(400, `malformed JSON: ${(error as Error).message}`);
    }
    const normalized = await endpoint.normalize(body, webhook);
    if (isDirectAnswer(normalized)) return answer(request, response, normalized.status, normalized.body);
    // One slice at a time, in order: 200 only once every slice is stored. A failure part-way asks for the
    // whole payload again; the slices already stored are stored once (event ids are deterministic).
    const parts = slices(normalized, maxHandoffBytes, maxEventBytes);
    let handedOff = 0;
    for (const part of parts) {
      try {
        await options.handoff.handOff(part);
      } catch (error) {
        log('error', 'could not hand events off; asking the provider to retry', { path, events: normalized.length, handedOff, error: (error as Error).message });
        throw new RequestError(503, 'events could not be stored right now; deliver again later');
      }
      handedOff += part.length;
    }
    log('info', 'webhook accepted', { path, events: normalized.length, handoffs: parts.length });
    answer(request, response, 200, { accepted: normalized.length });
  };

  // Node enforces the headers and request timeouts only when it sweeps its connections: sweep often enough
  // that a timeout is kept within about a tenth of itself (a second at most).
  const checkEveryMs = Math.max(50, Math.min(1_000, Math.floor(Math.min(timeouts.headersMs, timeouts.requestMs) / 10)));
  const server = createServer(
    { headersTimeout: timeouts.headersMs, requestTimeout: timeouts.requestMs, keepAliveTimeout: timeouts.keepAliveMs, connectionsCheckingInterval: checkEveryMs },
    (request, response) => {
      handle(request, response).catch((error: unknown) => {
        const status = error instanceof RequestError ? error.status : typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : 500;
        const message = status === 500 ? 'internal error' : (error as Error).message;
        if (status >= 500) log('error', 'webhook failed', { error: (error as Error).message });
        else log('warn', 'webhook refused', { status, reason: message });
        answer(request, response, status, { error: message });
      });
    },
  );
  return server;
}
