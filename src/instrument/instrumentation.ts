import { SpanKind, SpanStatusCode, context as otelContext, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';
import { RecipientHasher, SEND_EVENT_SCHEMA_VERSION, domainOf, uuidv7 } from '../events/index.js';
import type { Operation, SendEvent } from '../events/index.js';
import type { NormalizedError, ProviderId } from '../normalize/index.js';
import { remember } from './bounded-cache.js';
import { isoTimestamp } from './iso-time.js';
import { MAX_CACHED_ADDRESS_CHARS, RecipientFactsCache } from './recipient-cache.js';

/** Where send events go. `emit` must return at once and never throw: it runs on the send path. */
export interface SendEventSink {
  emit(event: SendEvent): void;
}

/** What is known about an attempt before it runs. */
export interface AttemptContext {
  provider: ProviderId;
  operation?: Operation;
  /** Tenant or account the send belongs to. */
  workspace?: string;
  /** The From address (or just its domain). */
  from?: string;
  /** The recipients; only the first one's hash and domain are kept, and their count. */
  to?: string | readonly string[];
  /**
   * Reads From and To when the attempt completes, off the send path (the fetch
   * adapter parses a JSON request body so). `from` and `to`, when present in
   * the context at all, win over what it reads; an empty `to` it reads is none.
   */
  readAddresses?: () => { from?: string | undefined; to: readonly string[] };
  /** The caller's own id for the message. */
  messageId?: string;
  /** 1 for the first try; each retry is its own attempt. */
  attempt?: number;
  /** For the HTTP attributes of the span. */
  method?: string;
  url?: string | URL;
}

/** How an attempt ended, as an adapter reads it from the client's result or error. */
export type AttemptResult =
  | { outcome: 'sent'; status: number | null; providerMessageId?: string; /** Recipients refused in an accepted call (SMTP). */ rejectedRecipients?: number }
  | { outcome: 'failed'; error: NormalizedError };

/** Reads a client's own result or error; knows nothing of spans or events. */
export interface OutcomeReader<T> {
  /** May be async (a fetch body is read from a clone); the caller's result is never delayed by it. */
  fromResult(result: T): AttemptResult | Promise<AttemptResult>;
  fromError(error: unknown): AttemptResult;
}

export interface InstrumentationOptions {
  /** The sending service, as in OTel's service.name. */
  service: string;
  environment?: string;
  sink: SendEventSink;
  /** Key of the HMAC that stands in for recipient addresses; at least 16 bytes. */
  recipientHashKey: string | Buffer;
  /** Defaults to the global tracer provider's `sendlens` tracer. */
  tracer?: Tracer;
  /** Called when instrumentation itself fails; the send is never affected. */
  onInternalError?: (error: unknown) => void;
  /**
   * Wall-clock time in epoch milliseconds for event and span timestamps;
   * `Date.now` unless given. For replays and simulations that compress days
   * into minutes (`sendlens demo`); latencies are always measured for real.
   */
  clock?: () => number;
}

export const INSTRUMENTATION_NAME = 'sendlens';

/** The span attribute counting recipients refused in an accepted call (the event's rejected_recipient_count). */
export const REJECTED_RECIPIENTS_ATTRIBUTE = 'email.recipients.rejected';

/** Set on every span, even one whose outcome could not be read: dashboards find the send path's spans by it. */
const PROVIDER_ATTRIBUTE = 'email.provider';

/** Finished attempts completed in one go at most; a larger burst is completed inline. */
export const MAX_PENDING_ATTEMPTS = 10_000;

/** An attempt whose outcome is known, waiting for its span to end and its event to be built. */
interface FinishedAttempt {
  context: AttemptContext;
  span: Span | undefined;
  startedAt: number;
  latencyMs: number;
  /** Epoch milliseconds, fractional: when the provider call returned. */
  endTime: number;
  outcome: AttemptResult;
}

/** The From address or a bare domain, as a lower-case domain. */
function senderDomain(from: string | undefined): string {
  if (from === undefined) return '';
  return (from.includes('@') ? domainOf(from) : from.trim().toLowerCase()).slice(0, 253);
}

/** Sender domains by From: a service sends from a handful of addresses. Cleared when full. */
const senderDomains = new Map<string, string>();
const MAX_CACHED_SENDERS = 256;

function cachedSenderDomain(from: string | undefined): string {
  if (from === undefined) return '';
  return remember(senderDomains, MAX_CACHED_SENDERS, from, senderDomain, from.length <= MAX_CACHED_ADDRESS_CHARS);
}

/**
 * What a span starts with: its name and the attributes HTTP semantic
 * conventions want samplers to see (method, server). The rest, `email.provider`
 * included (the name carries it too), is set at completion, off the send path:
 * each attribute given at start costs the SDK ~0.1-0.3 µs of validation there.
 */
interface SpanStart {
  name: string;
  attributes: Readonly<Attributes>;
}

/**
 * Span starts by endpoint (provider, operation, method, URL): a service calls
 * a handful of provider endpoints, so each URL is parsed and each attribute
 * set built once. Each span gets a copy: a tracer may add to what it is given.
 */
const spanStarts = new Map<string, SpanStart>();
const MAX_CACHED_SPAN_STARTS = 256;

/**
 * The endpoint of the last attempt, looked up without building a cache key:
 * a service mostly calls one endpoint in a row. Only a string URL qualifies
 * (a URL object can change between calls while staying the same object).
 */
let lastEndpoint: { provider: ProviderId; operation: Operation | undefined; method: string | undefined; url: string | undefined; start: SpanStart } | undefined;

function spanStart(context: AttemptContext): SpanStart {
  const last = lastEndpoint;
  if (last !== undefined && last.url === context.url && last.provider === context.provider && last.operation === context.operation && last.method === context.method) return last.start;
  const start = endpointSpanStart(context);
  if (typeof context.url === 'string' || context.url === undefined) {
    lastEndpoint = { provider: context.provider, operation: context.operation, method: context.method, url: context.url, start };
  }
  return start;
}

function endpointSpanStart(context: AttemptContext): SpanStart {
  const operation = context.operation ?? 'send';
  const url = context.url === undefined ? '' : String(context.url);
  const cacheKey = `${context.provider}\n${operation}\n${context.method ?? ''}\n${url}`;
  // A closure only here: behind lastEndpoint, this runs when the endpoint changes.
  return remember(spanStarts, MAX_CACHED_SPAN_STARTS, cacheKey, () => newSpanStart(context, operation, url));
}

function newSpanStart(context: AttemptContext, operation: Operation, url: string): SpanStart {
  const attributes: Attributes = {};
  // HTTP semantic conventions only for HTTP calls: an SMTP attempt has no method.
  if (context.method !== undefined || /^https?:/i.test(url)) attributes['http.request.method'] = (context.method ?? 'POST').toUpperCase();
  const server = serverOf(url);
  if (server.address) attributes['server.address'] = server.address;
  if (server.port) attributes['server.port'] = server.port;
  return { name: `${operation} ${context.provider}`, attributes };
}

function serverOf(url: string): { address?: string; port?: number } {
  if (url === '') return {};
  try {
    const parsed = new URL(url);
    const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : parsed.protocol === 'http:' ? 80 : undefined;
    return { address: parsed.hostname, ...(port !== undefined && { port }) };
  } catch {
    // Not a URL: the span just lacks server.*.
    return {};
  }
}

/**
 * Turns each attempt at a provider call into one OpenTelemetry CLIENT span
 * (HTTP semantic conventions, plus `email.*` attributes) and one send event.
 * The caller's result or error passes through untouched: instrumentation never
 * changes what a send returns, and its own failures are swallowed and counted.
 */
export class SendInstrumentation {
  readonly service: string;
  readonly environment: string;
  readonly #sink: SendEventSink;
  readonly #recipients: RecipientFactsCache;
  readonly #tracer: Tracer;
  readonly #onInternalError: (error: unknown) => void;
  readonly #clock: () => number;
  #internalErrors = 0;
  #pending: FinishedAttempt[] = [];
  #drainScheduled = false;
  /** Outcomes still being read (a failed response's body): an attempt is not finished until read. */
  readonly #reading = new Set<Promise<unknown>>();

  constructor(options: InstrumentationOptions) {
    if (!options.service) throw new Error('instrumentation needs a service name');
    this.service = options.service.slice(0, 128);
    this.environment = (options.environment ?? '').slice(0, 64);
    this.#sink = options.sink;
    this.#recipients = new RecipientFactsCache(new RecipientHasher(options.recipientHashKey));
    this.#tracer = options.tracer ?? trace.getTracer(INSTRUMENTATION_NAME);
    this.#onInternalError = options.onInternalError ?? (() => undefined);
    this.#clock = options.clock ?? Date.now;
  }

  /** How often instrumentation itself failed (and was ignored). */
  get internalErrors(): number {
    return this.#internalErrors;
  }

  /** Runs one attempt inside a span, emits its event, and returns exactly what `run` returns or throws. */
  async attempt<T>(context: AttemptContext, run: () => Promise<T>, reader: OutcomeReader<T>): Promise<T> {
    const startedAt = this.#clock();
    const started = performance.now();
    let span: Span | undefined;
    // Read once, for the span's parent and for the context the call runs in.
    let active: Context | undefined;
    try {
      active = otelContext.active();
      span = this.#startSpan(context, startedAt, active);
    } catch (error) {
      this.#internalError(error);
    }
    let result: T;
    try {
      // The provider is called with the attempt's span active, so a client's own
      // instrumentation (an HTTP client's, the AWS SDK's) nests under it.
      result = span && active ? await otelContext.with(trace.setSpan(active, span), run) : await run();
    } catch (error) {
      this.#settle(context, span, startedAt, started, reader, error, true);
      throw error;
    }
    this.#settle(context, span, startedAt, started, reader, result, false);
    return result;
  }

  /**
   * Completes every attempt that finished but whose span and event are still
   * pending. Runs by itself on the next turn of the event loop; call it before
   * flushing a sink so that no finished attempt is left behind.
   */
  drain(): void {
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    this.#drainScheduled = false;
    for (const finished of batch) this.#complete(finished);
  }

  /**
   * Waits for the attempts whose outcome is still being read, then completes every finished
   * attempt: after it, each attempt made so far has its event in the sink and its span ended.
   * For a flush or shutdown, which must not leave the last attempts behind.
   */
  async settle(): Promise<void> {
    while (this.#reading.size > 0) await Promise.allSettled([...this.#reading]);
    this.drain();
  }

  /** The other attributes are set when the attempt completes, before the span ends. */
  #startSpan(context: AttemptContext, startTime: number, parent: Context): Span {
    const { name, attributes } = spanStart(context);
    return this.#tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes: { ...attributes }, startTime }, parent);
  }

  /** One call per attribute, no object to build and walk: the order is the one the span has always had. */
  #setContextAttributes(span: Span, context: AttemptContext, event: SendEvent): void {
    span.setAttribute(PROVIDER_ATTRIBUTE, event.provider);
    span.setAttribute('email.operation', event.operation);
    span.setAttribute('email.attempt', event.attempt);
    span.setAttribute('email.recipient.count', event.recipient_count);
    if (event.workspace) span.setAttribute('email.workspace', event.workspace);
    if (event.sender_domain) span.setAttribute('email.sender.domain', event.sender_domain);
    if (event.recipient_domain) span.setAttribute('email.recipient.domain', event.recipient_domain);
    if (context.messageId) span.setAttribute('email.message.id', event.message_id);
    if (event.rejected_recipient_count) span.setAttribute(REJECTED_RECIPIENTS_ATTRIBUTE, event.rejected_recipient_count);
  }

  /**
   * Reads the outcome now (it may need the result before the caller consumes
   * it) and leaves the rest (span attributes, the event's hash, id and
   * timestamp, the sink) to a batch on the next turn of the event loop, so the
   * send path pays only for the span start and this read.
   */
  #settle<T>(context: AttemptContext, span: Span | undefined, startedAt: number, started: number, reader: OutcomeReader<T>, settled: unknown, threw: boolean): void {
    const ended = performance.now();
    let outcome: AttemptResult | Promise<AttemptResult>;
    try {
      // No closure per call: the reader and what `run` settled with come as they are.
      outcome = threw ? reader.fromError(settled) : reader.fromResult(settled as T);
    } catch (error) {
      this.#internalError(error);
      span?.setAttribute(PROVIDER_ATTRIBUTE, context.provider).end();
      return;
    }
    const latencyMs = ended - started;
    if (outcome instanceof Promise) {
      const endTime = startedAt + latencyMs;
      const reading = outcome.then(
        (settled) => this.#enqueue({ context, span, startedAt, latencyMs, endTime, outcome: settled }),
        (error: unknown) => {
          this.#internalError(error);
          span?.setAttribute(PROVIDER_ATTRIBUTE, context.provider).end(endTime);
        },
      );
      this.#reading.add(reading);
      void reading.finally(() => this.#reading.delete(reading));
    } else {
      this.#enqueue({ context, span, startedAt, latencyMs, endTime: startedAt + latencyMs, outcome });
    }
  }

  #enqueue(finished: FinishedAttempt): void {
    this.#pending.push(finished);
    // A burst finishing within one turn is completed at once rather than held without bound.
    if (this.#pending.length >= MAX_PENDING_ATTEMPTS) this.drain();
    else if (!this.#drainScheduled) {
      this.#drainScheduled = true;
      setImmediate(() => this.drain());
    }
  }

  #complete(finished: FinishedAttempt): void {
    try {
      const event = this.#event(finished);
      if (finished.span) {
        this.#setContextAttributes(finished.span, finished.context, event);
        this.#endSpan(finished.span, finished.outcome, finished.endTime);
      }
      this.#sink.emit(event);
    } catch (error) {
      this.#internalError(error);
    }
  }

  #endSpan(span: Span, result: AttemptResult, endTime: number): void {
    if (result.outcome === 'sent') {
      if (result.status !== null) span.setAttribute('http.response.status_code', result.status);
      if (result.providerMessageId) span.setAttribute('email.provider.message.id', result.providerMessageId);
      span.setAttribute('email.outcome', 'sent');
    } else {
      const error = result.error;
      if (error.status !== null) span.setAttribute('http.response.status_code', error.status);
      span.setAttribute('error.type', error.code);
      span.setAttribute('email.outcome', 'failed');
      span.setAttribute('email.error.category', error.category);
      span.setAttribute('email.error.retry', error.retry);
      if (error.providerCode !== null) span.setAttribute('email.error.provider_code', error.providerCode);
      if (error.retryAfterMs !== null) span.setAttribute('email.error.retry_after_ms', error.retryAfterMs);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    }
    span.end(endTime);
  }

  /** From and To as given, else as `readAddresses` reads them; a failing reader leaves them out. */
  #addresses(context: AttemptContext): { from: string | undefined; to: AttemptContext['to'] } {
    const readAddresses = context.readAddresses;
    const givenFrom = 'from' in context;
    const givenTo = 'to' in context;
    if (readAddresses === undefined || (givenFrom && givenTo)) return { from: context.from, to: context.to };
    let read: ReturnType<typeof readAddresses> = { to: [] };
    try {
      read = readAddresses();
    } catch (error) {
      this.#internalError(error);
    }
    return { from: givenFrom ? context.from : read.from, to: givenTo ? context.to : read.to.length > 0 ? read.to : undefined };
  }

  #event({ context, span, startedAt, latencyMs, outcome: result }: FinishedAttempt): SendEvent {
    const addresses = context.readAddresses === undefined ? context : this.#addresses(context);
    const to = addresses.to;
    const recipient = this.#recipients.facts(to === undefined || typeof to === 'string' ? to : to[0]);
    const recipientCount = to === undefined ? 0 : typeof to === 'string' ? 1 : to.length;
    const spanContext = span?.spanContext();
    // A no-op tracer (no SDK registered) hands out an invalid all-zero context: keep no ids then.
    const traced = spanContext !== undefined && trace.isSpanContextValid(spanContext);
    const failed = result.outcome === 'failed' ? result.error : null;
    return {
      event_id: uuidv7(startedAt),
      schema_version: SEND_EVENT_SCHEMA_VERSION,
      occurred_at: isoTimestamp(startedAt),
      service: this.service,
      environment: this.environment,
      provider: context.provider,
      operation: context.operation ?? 'send',
      workspace: (context.workspace ?? '').slice(0, 128),
      sender_domain: cachedSenderDomain(addresses.from),
      recipient_domain: recipient.domain.slice(0, 253),
      recipient_hash: recipient.hash,
      recipient_count: Math.min(recipientCount, 100_000),
      rejected_recipient_count: result.outcome === 'sent' ? Math.min(Math.max(0, Math.floor(result.rejectedRecipients ?? 0)), 100_000) : 0,
      message_id: (context.messageId ?? '').slice(0, 256),
      provider_message_id: result.outcome === 'sent' ? (result.providerMessageId ?? '').slice(0, 256) : '',
      attempt: Math.min(Math.max(1, Math.floor(context.attempt ?? 1)), 1000),
      outcome: result.outcome,
      status: result.outcome === 'sent' ? result.status : (failed?.status ?? null),
      provider_code: failed?.providerCode?.slice(0, 200) ?? null,
      code: failed?.code ?? null,
      category: failed?.category ?? null,
      retry: failed?.retry ?? null,
      retry_after_ms: failed?.retryAfterMs ?? null,
      error_message: failed?.message ?? null,
      latency_ms: Math.round(latencyMs * 1000) / 1000,
      trace_id: traced ? spanContext.traceId : '',
      span_id: traced ? spanContext.spanId : '',
    };
  }

  #internalError(error: unknown): void {
    this.#internalErrors += 1;
    try {
      this.#onInternalError(error);
    } catch {
      // A failing error hook must not fail the send either.
    }
  }
}
