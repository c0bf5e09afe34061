import { ServerClient } from 'postmark';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RecipientHasher, validateSendEvent } from '../../../src/events/index.js';
import { SendInstrumentation } from '../../../src/instrument/index.js';
import { instrumentPostmark } from '../../../src/providers/postmark/index.js';
import { MemorySink, memoryTracing, until } from '../../helpers/otel.js';
import { StubProvider } from '../../helpers/stub-provider.js';

const KEY = 'test-recipient-key-0123456789';

/** The real postmark ServerClient against a local host, over plain HTTP. */
const client = (url: string) => new ServerClient('server-token-0000-1111-2222', { useHttps: false, requestHost: new URL(url).host, timeout: 10 });

/** Postmark's answers (https://postmarkapp.com/developer/api/email-api). */
const ok = (to: string, id: string) => ({ To: to, SubmittedAt: '2026-11-22T12:00:00.0000000Z', MessageID: id, ErrorCode: 0, Message: 'OK' });
const failure = (errorCode: number, message: string) => ({ ErrorCode: errorCode, Message: message });

describe('postmark, instrumented in place (the real SDK against a local API)', () => {
  const stub = new StubProvider();
  let sink: MemorySink;
  let tracing: ReturnType<typeof memoryTracing>;
  let instrumentation: SendInstrumentation;
  let postmark: ServerClient;

  beforeAll(() => stub.start());
  afterAll(() => stub.stop());
  beforeEach(() => {
    sink = new MemorySink();
    tracing = memoryTracing();
    instrumentation = new SendInstrumentation({ service: 'shop', sink, recipientHashKey: KEY, tracer: tracing.tracer });
    postmark = instrumentPostmark(instrumentation, client(stub.url), { workspace: 'acme' });
  });

  const email = { From: 'Acme <orders@pm.acme.example>', To: 'jane.doe@example.com, john@example.org', Subject: 'Your order', TextBody: 'Shipped.' };

  it('keeps the SDK result and records one sent attempt with the MessageID', async () => {
    stub.reply({ status: 200, body: ok('jane.doe@example.com', 'b7bc2f4a-e38e-4336-af7d-e6c392c2f817') });
    const result = await postmark.sendEmail(email);
    expect(result.MessageID).toBe('b7bc2f4a-e38e-4336-af7d-e6c392c2f817');
    expect(stub.requests[0]?.url).toBe('/email');
    await until(() => sink.events.length === 1);
    expect(validateSendEvent(sink.events[0]).ok).toBe(true);
    expect(sink.events[0]).toMatchObject({
      provider: 'postmark',
      operation: 'send',
      outcome: 'sent',
      status: 200,
      workspace: 'acme',
      sender_domain: 'pm.acme.example',
      recipient_domain: 'example.com',
      recipient_hash: new RecipientHasher(KEY).hash('jane.doe@example.com'),
      recipient_count: 2,
      provider_message_id: 'b7bc2f4a-e38e-4336-af7d-e6c392c2f817',
    });
    expect(tracing.spans().map((s) => [s.name, s.attributes['server.address']])).toEqual([['send postmark', '127.0.0.1']]);
  });

  it('normalizes a 429 Rate Limit Exceeded (ErrorCode 429)', async () => {
    stub.reply({ status: 429, body: failure(429, 'Rate limit exceeded.') });
    const error = (await postmark.sendEmail(email).catch((e: unknown) => e)) as { name: string; statusCode: number; code: number };
    expect(error).toMatchObject({ name: 'RateLimitExceededError', statusCode: 429, code: 429 });
    await until(() => sink.events.length === 1);
    expect(sink.events[0]).toMatchObject({ outcome: 'failed', status: 429, code: 'throttling.rate_limited', provider_code: '429', retry: 'backoff' });
  });

  it('normalizes a bad server token (401, ErrorCode 10)', async () => {
    stub.reply({ status: 401, body: failure(10, "Request does not contain a valid Server token. Please check the 'X-Postmark-Server-Token' header.") });
    await postmark.sendEmail(email).catch(() => undefined);
    await until(() => sink.events.length === 1);
    expect(sink.events[0]).toMatchObject({ status: 401, code: 'auth.invalid_credentials', provider_code: '10' });
    expect(tracing.spans()[0]?.attributes['error.type']).toBe('auth.invalid_credentials');
  });

  it('normalizes documented 422 bodies: an inactive recipient, a missing template', async () => {
    stub.reply({ status: 422, body: failure(406, 'You tried to send to recipient(s) that have been marked as inactive. Found inactive addresses: jane.doe@example.com. Inactive recipients are ones that have generated a hard bounce, a spam complaint, or a manual suppression.') });
    const error = await postmark.sendEmail(email).catch((e: unknown) => e);
    expect((error as Error).name).toBe('InactiveRecipientsError');
    stub.reply({ status: 422, body: failure(1101, "The Template's 'TemplateId' or 'TemplateAlias' references a Template that does not exist.") });
    await postmark.sendEmailWithTemplate({ From: email.From, To: 'jane.doe@example.com', TemplateAlias: 'welcome', TemplateModel: {} }).catch(() => undefined);
    await until(() => sink.events.length === 2);
    expect(sink.events.map((e) => [e.status, e.code, e.provider_code])).toEqual([
      [422, 'suppression.recipient_suppressed', '406'],
      [422, 'not_found.resource', '1101'],
    ]);
    expect(sink.events[0]?.error_message).not.toContain('jane.doe@example.com');
    expect(stub.requests[0]?.url).toBe('/email/withTemplate'); // reply() starts a new request log
  });

  it('reflects a partial batch failure: failed with the first failure, the count in the message, status 200', async () => {
    stub.reply({ status: 200, body: [ok('a@example.net', 'm-1'), failure(406, 'You tried to send to recipient(s) that have been marked as inactive.'), ok('c@example.net', 'm-3')] });
    const results = await postmark.sendEmailBatch([
      { ...email, To: 'a@example.net' },
      { ...email, To: 'b@example.net' },
      { ...email, To: 'c@example.net' },
    ]);
    expect(results).toHaveLength(3); // the caller's result is untouched
    stub.reply({ status: 200, body: [ok('a@example.net', 'm-4'), ok('b@example.net', 'm-5')] });
    await postmark.sendEmailBatch([
      { ...email, To: 'a@example.net' },
      { ...email, To: 'b@example.net' },
    ]);
    await until(() => sink.events.length === 2);
    expect(sink.events[0]).toMatchObject({ operation: 'send_batch', outcome: 'failed', status: 200, code: 'suppression.recipient_suppressed', provider_code: '406' });
    expect(sink.events[0]?.error_message).toMatch(/^1 of 3 messages failed: /);
    expect(sink.events[1]).toMatchObject({ operation: 'send_batch', outcome: 'sent', status: 200, provider_message_id: 'm-4' });
  });

  it('reads a request that got no answer (the SDK says code 0, "fetch failed") as a network failure', async () => {
    const dead = new StubProvider();
    await dead.start();
    const deadUrl = dead.url;
    await dead.stop();
    const offline = instrumentPostmark(instrumentation, client(deadUrl));
    const error = (await offline.sendEmail(email).catch((e: unknown) => e)) as { code: number; statusCode: number };
    expect(error).toMatchObject({ code: 0, statusCode: 0 });
    await until(() => sink.events.length === 1);
    expect(sink.events[0]).toMatchObject({ outcome: 'failed', status: null, code: 'network.connection_failed' });
  });
});
