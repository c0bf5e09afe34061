import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RecipientHasher, validateSendEvent } from '../../src/events/index.js';
import { SendInstrumentation, instrumentFetch, judgeFetch, operationFromPath, sendWithRetry } from '../../src/instrument/index.js';
import { MemorySink, memoryTracing, until } from '../helpers/otel.js';
import { StubProvider } from '../helpers/stub-provider.js';

const KEY = 'test-recipient-key-0123456789';

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}
const hasher = new RecipientHasher(KEY);

describe('instrumentFetch', () => {
  const stub = new StubProvider();
  let sink: MemorySink;
  let tracing: ReturnType<typeof memoryTracing>;
  let instrumentation: SendInstrumentation;

  beforeAll(() => stub.start());
  afterAll(() => stub.stop());
  beforeEach(() => {
    sink = new MemorySink();
    tracing = memoryTracing();
    instrumentation = new SendInstrumentation({ service: 'checkout', environment: 'test', sink, recipientHashKey: KEY, tracer: tracing.tracer });
  });

  const resendBody = JSON.stringify({ from: 'Acme <billing@mail.acme.com>', to: ['Jane.Doe@Example.com', 'b@example.org'], subject: 'Your receipt', html: '<p>hi</p>' });

  it('passes a success through untouched and records a sent attempt (reading the body for the id, opted in)', async () => {
    stub.reply({ status: 200, body: { id: '4ef9a417-02e9-4d39-ad75-9611e0fcc33c' } });
    const send = instrumentFetch(instrumentation, { provider: 'resend', readSuccessBody: true });
    const response = await send(`${stub.url}/emails`, { method: 'POST', body: resendBody, headers: { 'content-type': 'application/json' }, sendlens: { workspace: 'acme', messageId: 'order-7' } });

    // The caller's response is the provider's own, body unread.
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: '4ef9a417-02e9-4d39-ad75-9611e0fcc33c' });
    // Our own option never reaches the provider.
    expect(stub.requests[0]?.body).toBe(resendBody);

    await until(() => sink.events.length === 1);
    const [event] = sink.events;
    expect(validateSendEvent(event)).toMatchObject({ ok: true });
    expect(event).toMatchObject({
      service: 'checkout',
      environment: 'test',
      provider: 'resend',
      operation: 'send',
      workspace: 'acme',
      message_id: 'order-7',
      sender_domain: 'mail.acme.com',
      recipient_domain: 'example.com',
      recipient_hash: hasher.hash('jane.doe@example.com'),
      recipient_count: 2,
      provider_message_id: '4ef9a417-02e9-4d39-ad75-9611e0fcc33c',
      attempt: 1,
      outcome: 'sent',
      status: 200,
      code: null,
    });
    const [span] = tracing.spans();
    expect(span?.kind).toBe(SpanKind.CLIENT);
    expect(span?.name).toBe('send resend');
    expect(span?.attributes).toMatchObject({
      'http.request.method': 'POST',
      'server.address': '127.0.0.1',
      'http.response.status_code': 200,
      'email.provider': 'resend',
      'email.outcome': 'sent',
      'email.sender.domain': 'mail.acme.com',
    });
    expect(event?.trace_id).toBe(span?.spanContext().traceId);
    expect(event?.span_id).toBe(span?.spanContext().spanId);
  });

  it('by default takes a success\'s message id from the headers and leaves the body alone', async () => {
    stub.reply({ status: 202, headers: { 'x-message-id': 'sg-msg-42' }, body: '' });
    const send = instrumentFetch(instrumentation, { provider: 'scaisend' });
    const body = JSON.stringify({ from: { email: 'news@mail.acme.com' }, personalizations: [{ to: [{ email: 'jane.doe@example.com' }] }], subject: 'x', content: [] });
    const response = await send(`${stub.url}/v3/mail/send`, { method: 'POST', body });
    expect(response.status).toBe(202);
    expect(response.bodyUsed).toBe(false);
    await until(() => sink.events.length === 1);
    expect(sink.events[0]).toMatchObject({ outcome: 'sent', status: 202, provider_message_id: 'sg-msg-42', sender_domain: 'mail.acme.com', recipient_domain: 'example.com' });
  });

  it('records a failure with its normalized code on the span and the event', async () => {
    stub.reply({ status: 429, headers: { 'retry-after': '3', 'ratelimit-remaining': '0' }, body: { statusCode: 429, name: 'daily_quota_exceeded', message: 'You have reached your daily email sending quota.' } });
    const send = instrumentFetch(instrumentation, { provider: 'resend' });
    const response = await send(`${stub.url}/emails`, { method: 'POST', body: resendBody });
    expect(response.status).toBe(429);
    expect(((await response.json()) as { name: string }).name).toBe('daily_quota_exceeded');

    await until(() => sink.events.length === 1);
    expect(sink.events[0]).toMatchObject({ outcome: 'failed', status: 429, code: 'quota.daily_exceeded', category: 'quota', retry: 'at_reset', retry_after_ms: 3000, provider_code: 'daily_quota_exceeded' });
    const [span] = tracing.spans();
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.attributes).toMatchObject({ 'error.type': 'quota.daily_exceeded', 'http.response.status_code': 429, 'email.error.retry': 'at_reset' });
  });

  it('never keeps a raw address, in events or spans', async () => {
    stub.reply({ status: 422, body: { success: false, error: 'recipient_suppressed', detail: 'jane.doe@example.com is suppressed' } });
    const send = instrumentFetch(instrumentation, { provider: 'sendfleet' });
    await send(`${stub.url}/api/send/`, { method: 'POST', body: JSON.stringify({ from_email: 'a@mail.acme.com', to: 'jane.doe@example.com' }) });
    await until(() => sink.events.length === 1);
    expect(sink.events[0]?.code).toBe('suppression.recipient_suppressed');
    const everything = JSON.stringify(sink.events) + JSON.stringify(tracing.spans().map((s) => [s.attributes, s.status, s.events]));
    expect(everything).not.toMatch(/jane\.doe@example\.com/i);
  });

  it('lets a network failure throw exactly the same error, and records it', async () => {
    const send = instrumentFetch(instrumentation, { provider: 'scaisend' });
    const closed = `${await closedPortUrl()}/v3/mail/send`;
    const plain = await fetch(closed, { method: 'POST' }).catch((e: unknown) => e);
    const thrown = await send(closed, { method: 'POST' }).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as Error).message).toBe((plain as Error).message);
    await until(() => sink.events.length === 1);
    expect(sink.events[0]).toMatchObject({ outcome: 'failed', status: null, code: 'network.connection_failed', operation: 'send' });
  });

  it('never lets a failing sink or tracer change what the send returns', async () => {
    stub.reply({ status: 202, headers: { 'x-message-id': 'sg-abc' }, body: '' });
    const broken = new SendInstrumentation({
      service: 'checkout',
      sink: { emit: () => { throw new Error('sink down'); } },
      recipientHashKey: KEY,
      tracer: { startSpan: () => { throw new Error('tracer down'); } } as never,
    });
    const send = instrumentFetch(broken, { provider: 'scaisend' });
    const response = await send(`${stub.url}/v3/mail/send`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(202);
    await until(() => broken.internalErrors >= 2);
    expect(broken.internalErrors).toBe(2);
  });

  it('retries by the normalized retry class, each try its own event and span', async () => {
    stub.reply(
      { status: 429, headers: { 'retry-after': '0' }, body: { statusCode: 429, name: 'rate_limit_exceeded', message: 'Too many requests.' } },
      { status: 500, body: { statusCode: 500, name: 'application_error', message: 'An unexpected error occurred.' } },
      { status: 200, body: { id: 'msg-3' } },
    );
    const send = instrumentFetch(instrumentation, { provider: 'resend' });
    const waits: number[] = [];
    const response = await sendWithRetry((attempt) => send(`${stub.url}/emails`, { method: 'POST', body: resendBody, sendlens: { attempt } }), judgeFetch('resend'), {
      sleep: async (ms) => void waits.push(ms),
      random: () => 0.5,
    });
    expect(response.status).toBe(200);
    // Retry-After: 0 for the 429; then backoff for the 500 after attempt 2: a 2 s ceiling, equal jitter at 0.5.
    expect(waits).toEqual([0, 1500]);
    await until(() => sink.events.length === 3);
    expect(sink.events.map((e) => [e.attempt, e.outcome, e.code])).toEqual([
      [1, 'failed', 'throttling.rate_limited'],
      [2, 'failed', 'provider.internal_error'],
      [3, 'sent', null],
    ]);
    expect(tracing.spans().map((s) => s.attributes['email.attempt'])).toEqual([1, 2, 3]);
  });

  it('stops at once on a failure that retrying cannot fix', async () => {
    stub.reply({ status: 401, body: { statusCode: 401, name: 'restricted_api_key', message: 'This API key is restricted to only send emails.' } });
    const send = instrumentFetch(instrumentation, { provider: 'resend' });
    const waits: number[] = [];
    const response = await sendWithRetry((attempt) => send(`${stub.url}/domains`, { method: 'POST', body: '{}', sendlens: { attempt } }), judgeFetch('resend'), { sleep: async (ms) => void waits.push(ms) });
    expect(response.status).toBe(401);
    expect(waits).toEqual([]);
    expect(stub.requests).toHaveLength(1);
    await until(() => sink.events.length === 1);
    expect(sink.events[0]).toMatchObject({ operation: 'domain_manage', code: 'auth.insufficient_scope', retry: 'never' });
  });
});

describe('operationFromPath', () => {
  it.each([
    ['/emails', 'send'],
    ['/v3/mail/send', 'send'],
    ['/api/send/', 'send'],
    ['/emails/batch', 'send_batch'],
    ['/domains/d_123/verify', 'domain_verify'],
    ['/domains', 'domain_manage'],
    ['/webhooks/wh_1', 'webhook_manage'],
    ['/v3/templates/d-1', 'template_manage'],
    ['/v3/suppression/bounces', 'suppression_manage'],
    ['/v3/messages/abc', 'other'],
  ])('%s is %s', (path, operation) => expect(operationFromPath(path)).toBe(operation));
});
