import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecipientHasher } from '../../src/events/index.js';
import { SendInstrumentation } from '../../src/instrument/index.js';
import type { AttemptResult, OutcomeReader } from '../../src/instrument/index.js';
import type { NormalizedError } from '../../src/normalize/index.js';
import { MemorySink, memoryTracing } from '../helpers/otel.js';

/**
 * The whole of what one attempt leaves behind (the exported span's name, kind,
 * attributes in order, status, times and parent, and every field of its
 * event), pinned so that work on the hot path cannot change any of it.
 */
const KEY = 'exported-span-test-key-0123456789';
const STARTED_AT = Date.parse('2026-11-30T07:05:09.042Z');

const contextManager = new AsyncLocalStorageContextManager();
beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
});
afterAll(() => {
  context.disable();
});

const readAs = (result: AttemptResult): OutcomeReader<unknown> => ({ fromResult: () => result, fromError: () => result });

const rateLimited: NormalizedError = {
  provider: 'sendgrid',
  code: 'throttling.rate_limited',
  category: 'throttling',
  retry: 'backoff',
  retryAfterMs: 30_000,
  status: 429,
  providerCode: 'too_many_requests',
  message: 'Too many requests',
  retrySchedule: null,
};

describe('what an attempt exports', () => {
  it('a sent attempt: span name, kind, attributes in order, status, times, parent of the client\'s own span, and its event', async () => {
    const sink = new MemorySink();
    const tracing = memoryTracing();
    const instrumentation = new SendInstrumentation({ service: 'checkout', environment: 'prod', sink, recipientHashKey: KEY, tracer: tracing.tracer, clock: () => STARTED_AT });
    let childParentId: string | undefined;
    const result = await instrumentation.attempt(
      { provider: 'resend', operation: 'send', workspace: 'acme', from: 'Billing <billing@Mail.Acme.com>', to: ['Jane.Doe@Example.com', 'b@other.org'], messageId: 'order-17', attempt: 2, url: 'https://api.resend.com/emails' },
      async () => {
        // A client's own instrumentation starts its span inside the attempt: it must nest under ours.
        const child = tracing.tracer.startSpan('POST');
        childParentId = (child as unknown as ReadableSpan).parentSpanContext?.spanId;
        child.end();
        return 'ok';
      },
      readAs({ outcome: 'sent', status: 202, providerMessageId: 'prov-1', rejectedRecipients: 1 }),
    );
    expect(result).toBe('ok');
    await instrumentation.settle();

    const [child, span] = tracing.spans();
    expect(span?.name).toBe('send resend');
    expect(span?.kind).toBe(SpanKind.CLIENT);
    expect(span?.instrumentationScope.name).toBe('sendlens-test');
    expect(childParentId).toBe(span?.spanContext().spanId);
    expect(child?.spanContext().traceId).toBe(span?.spanContext().traceId);
    const expectedAttributes = {
      'http.request.method': 'POST',
      'server.address': 'api.resend.com',
      'server.port': 443,
      'email.provider': 'resend',
      'email.operation': 'send',
      'email.attempt': 2,
      'email.recipient.count': 2,
      'email.workspace': 'acme',
      'email.sender.domain': 'mail.acme.com',
      'email.recipient.domain': 'example.com',
      'email.message.id': 'order-17',
      'email.recipients.rejected': 1,
      'http.response.status_code': 202,
      'email.provider.message.id': 'prov-1',
      'email.outcome': 'sent',
    };
    expect(span?.attributes).toEqual(expectedAttributes);
    expect(Object.keys(span?.attributes ?? {})).toEqual(Object.keys(expectedAttributes));
    expect(span?.status).toEqual({ code: SpanStatusCode.UNSET });
    expect(span?.startTime).toEqual([Math.floor(STARTED_AT / 1000), (STARTED_AT % 1000) * 1e6]);

    const [event] = sink.events;
    expect(event?.event_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(event?.latency_ms).toBeGreaterThanOrEqual(0);
    expect({ ...event, event_id: 'x', latency_ms: 0 }).toEqual({
      event_id: 'x',
      schema_version: event?.schema_version,
      occurred_at: '2026-11-30T07:05:09.042Z',
      service: 'checkout',
      environment: 'prod',
      provider: 'resend',
      operation: 'send',
      workspace: 'acme',
      sender_domain: 'mail.acme.com',
      recipient_domain: 'example.com',
      recipient_hash: new RecipientHasher(KEY).hash('jane.doe@example.com'),
      recipient_count: 2,
      rejected_recipient_count: 1,
      message_id: 'order-17',
      provider_message_id: 'prov-1',
      attempt: 2,
      outcome: 'sent',
      status: 202,
      provider_code: null,
      code: null,
      category: null,
      retry: null,
      retry_after_ms: null,
      error_message: null,
      latency_ms: 0,
      trace_id: span?.spanContext().traceId,
      span_id: span?.spanContext().spanId,
    });
    const eventId = event?.event_id ?? '';
    expect(eventId.slice(0, 8) + eventId.slice(9, 13)).toBe(STARTED_AT.toString(16).padStart(12, '0'));
  });

  it('a failed attempt: error.type, the email.error.* attributes, status ERROR with the message, and its event', async () => {
    const sink = new MemorySink();
    const tracing = memoryTracing();
    const instrumentation = new SendInstrumentation({ service: 'checkout', sink, recipientHashKey: KEY, tracer: tracing.tracer, clock: () => STARTED_AT });
    const failure = new Error('429');
    await expect(
      instrumentation.attempt({ provider: 'sendgrid', to: 'someone@example.net', url: 'http://localhost:8025/v3/mail/send', method: 'post' }, async () => {
        throw failure;
      }, readAs({ outcome: 'failed', error: rateLimited })),
    ).rejects.toBe(failure);
    await instrumentation.settle();

    const [span] = tracing.spans();
    expect(span?.name).toBe('send sendgrid');
    const expectedAttributes = {
      'http.request.method': 'POST',
      'server.address': 'localhost',
      'server.port': 8025,
      'email.provider': 'sendgrid',
      'email.operation': 'send',
      'email.attempt': 1,
      'email.recipient.count': 1,
      'email.recipient.domain': 'example.net',
      'http.response.status_code': 429,
      'error.type': 'throttling.rate_limited',
      'email.outcome': 'failed',
      'email.error.category': 'throttling',
      'email.error.retry': 'backoff',
      'email.error.provider_code': 'too_many_requests',
      'email.error.retry_after_ms': 30_000,
    };
    expect(span?.attributes).toEqual(expectedAttributes);
    expect(Object.keys(span?.attributes ?? {})).toEqual(Object.keys(expectedAttributes));
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'Too many requests' });
    expect(span?.parentSpanContext).toBeUndefined();

    const [event] = sink.events;
    expect({ ...event, event_id: 'x', latency_ms: 0 }).toEqual({
      event_id: 'x',
      schema_version: event?.schema_version,
      occurred_at: '2026-11-30T07:05:09.042Z',
      service: 'checkout',
      environment: '',
      provider: 'sendgrid',
      operation: 'send',
      workspace: '',
      sender_domain: '',
      recipient_domain: 'example.net',
      recipient_hash: new RecipientHasher(KEY).hash('someone@example.net'),
      recipient_count: 1,
      rejected_recipient_count: 0,
      message_id: '',
      provider_message_id: '',
      attempt: 1,
      outcome: 'failed',
      status: 429,
      provider_code: 'too_many_requests',
      code: 'throttling.rate_limited',
      category: 'throttling',
      retry: 'backoff',
      retry_after_ms: 30_000,
      error_message: 'Too many requests',
      latency_ms: 0,
      trace_id: span?.spanContext().traceId,
      span_id: span?.spanContext().spanId,
    });
  });

  it('under an active parent span the attempt\'s span is its child, in the same trace', async () => {
    const sink = new MemorySink();
    const tracing = memoryTracing();
    const instrumentation = new SendInstrumentation({ service: 'checkout', sink, recipientHashKey: KEY, tracer: tracing.tracer });
    const parent = tracing.tracer.startSpan('handle order');
    await context.with(trace.setSpan(context.active(), parent), () =>
      instrumentation.attempt({ provider: 'postmark', to: 'a@b.example' }, async () => 'ok', readAs({ outcome: 'sent', status: null })),
    );
    parent.end();
    await instrumentation.settle();
    const span = tracing.spans().find((s) => s.name === 'send postmark');
    expect(span?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(span?.spanContext().traceId).toBe(parent.spanContext().traceId);
    expect(span?.attributes['http.request.method']).toBeUndefined();
    expect(sink.events[0]?.trace_id).toBe(parent.spanContext().traceId);
  });
});
