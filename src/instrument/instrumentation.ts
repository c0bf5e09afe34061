import { SpanKind, SpanStatusCode, context as otelContext, trace } from '@opentelemetry/api';
import type { Attributes, Span, Tracer } from '@opentelemetry/api';
import { RecipientHasher, SEND_EVENT_SCHEMA_VERSION, domainOf, uuidv7 } from '../events/index.js';
import type { Operation, SendEvent } from '../events/index.js';
import type { NormalizedError, ProviderId } from '../normalize/index.js';

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
  | { outcome: 'sent'; status: number | null; providerMessageId?: string }
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
}

export const INSTRUMENTATION_NAME = 'sendlens';

/** The From address or a bare domain, as a lower-case domain. */
function senderDomain(from: string | undefined): string {
  if (from === undefined) return '';
  return (from.includes('@') ? domainOf(from) : from.trim().toLowerCase()).slice(0, 253);
}

const toList = (to: AttemptContext['to']): readonly string[] => (to === undefined ? [] : typeof to === 'string' ? [to] : to);

function serverOf(url: string | URL | undefined): { address?: string; port?: number } {
  if (url === undefined) return {};
  try {
    const parsed = typeof url === 'string' ? new URL(url) : url;
    const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : parsed.protocol === 'http:' ? 80 : undefined;
    return { address: parsed.hostname, ...(port !== undefined && { port }) };
  } catch {
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
  readonly #hasher: RecipientHasher;
  readonly #tracer: Tracer;
  readonly #onInternalError: (error: unknown) => void;
  #internalErrors = 0;

  constructor(options: InstrumentationOptions) {
    if (!options.service) throw new Error('instrumentation needs a service name');
    this.service = options.service.slice(0, 128);
    this.environment = (options.environment ?? '').slice(0, 64);
    this.#sink = options.sink;
    this.#hasher = new RecipientHasher(options.recipientHashKey);
    this.#tracer = options.tracer ?? trace.getTracer(INSTRUMENTATION_NAME);
    this.#onInternalError = options.onInternalError ?? (() => undefined);
  }

  /** How often instrumentation itself failed (and was ignored). */
  get internalErrors(): number {
    return this.#internalErrors;
  }

  /** Runs one attempt inside a span, emits its event, and returns exactly what `run` returns or throws. */
  async attempt<T>(context: AttemptContext, run: () => Promise<T>, reader: OutcomeReader<T>): Promise<T> {
    const started = performance.now();
    const startedAt = Date.now();
    let span: Span | undefined;
    try {
      span = this.#startSpan(context);
    } catch (error) {
      this.#internalError(error);
    }
    let result: T;
    try {
      // The provider is called with the attempt's span active, so a client's own
      // instrumentation (an HTTP client's, the AWS SDK's) nests under it.
      result = span ? await otelContext.with(trace.setSpan(otelContext.active(), span), run) : await run();
    } catch (error) {
      const latency = performance.now() - started;
      this.#finish(context, span, startedAt, latency, () => reader.fromError(error));
      throw error;
    }
    const latency = performance.now() - started;
    this.#finish(context, span, startedAt, latency, () => reader.fromResult(result));
    return result;
  }

  #startSpan(context: AttemptContext): Span {
    const operation = context.operation ?? 'send';
    const server = serverOf(context.url);
    const recipients = toList(context.to);
    const attributes: Attributes = {
      'http.request.method': (context.method ?? 'POST').toUpperCase(),
      'email.provider': context.provider,
      'email.operation': operation,
      'email.attempt': context.attempt ?? 1,
      'email.recipient.count': recipients.length,
    };
    if (server.address) attributes['server.address'] = server.address;
    if (server.port) attributes['server.port'] = server.port;
    if (context.workspace) attributes['email.workspace'] = context.workspace;
    if (context.from) attributes['email.sender.domain'] = senderDomain(context.from);
    if (recipients[0]) attributes['email.recipient.domain'] = domainOf(recipients[0]);
    if (context.messageId) attributes['email.message.id'] = context.messageId;
    return this.#tracer.startSpan(`${operation} ${context.provider}`, { kind: SpanKind.CLIENT, attributes });
  }

  #finish(context: AttemptContext, span: Span | undefined, startedAt: number, latencyMs: number, read: () => AttemptResult | Promise<AttemptResult>): void {
    let pending: AttemptResult | Promise<AttemptResult>;
    try {
      pending = read();
    } catch (error) {
      this.#internalError(error);
      span?.end();
      return;
    }
    const complete = (result: AttemptResult) => {
      try {
        if (span) this.#endSpan(span, result);
        this.#sink.emit(this.#event(context, span, startedAt, latencyMs, result));
      } catch (error) {
        this.#internalError(error);
      }
    };
    if (pending instanceof Promise) {
      pending.then(complete, (error: unknown) => {
        this.#internalError(error);
        span?.end();
      });
    } else {
      complete(pending);
    }
  }

  #endSpan(span: Span, result: AttemptResult): void {
    if (result.outcome === 'sent') {
      if (result.status !== null) span.setAttribute('http.response.status_code', result.status);
      if (result.providerMessageId) span.setAttribute('email.provider.message.id', result.providerMessageId);
      span.setAttribute('email.outcome', 'sent');
    } else {
      const error = result.error;
      if (error.status !== null) span.setAttribute('http.response.status_code', error.status);
      span.setAttributes({
        'error.type': error.code,
        'email.outcome': 'failed',
        'email.error.category': error.category,
        'email.error.retry': error.retry,
        ...(error.providerCode !== null && { 'email.error.provider_code': error.providerCode }),
        ...(error.retryAfterMs !== null && { 'email.error.retry_after_ms': error.retryAfterMs }),
      });
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    }
    span.end();
  }

  #event(context: AttemptContext, span: Span | undefined, startedAt: number, latencyMs: number, result: AttemptResult): SendEvent {
    const recipients = toList(context.to);
    const recipient = this.#hasher.facts(recipients[0]);
    const spanContext = span?.spanContext();
    // A no-op tracer (no SDK registered) hands out an invalid all-zero context: keep no ids then.
    const traced = spanContext !== undefined && trace.isSpanContextValid(spanContext);
    const failed = result.outcome === 'failed' ? result.error : null;
    return {
      event_id: uuidv7(startedAt),
      schema_version: SEND_EVENT_SCHEMA_VERSION,
      occurred_at: new Date(startedAt).toISOString(),
      service: this.service,
      environment: this.environment,
      provider: context.provider,
      operation: context.operation ?? 'send',
      workspace: (context.workspace ?? '').slice(0, 128),
      sender_domain: senderDomain(context.from),
      recipient_domain: recipient.domain.slice(0, 253),
      recipient_hash: recipient.hash,
      recipient_count: Math.min(recipients.length, 100_000),
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
