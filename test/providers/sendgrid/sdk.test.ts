import { Client } from '@sendgrid/client';
import { MailService } from '@sendgrid/mail';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RecipientHasher, validateSendEvent } from '../../../src/events/index.js';
import { SendInstrumentation } from '../../../src/instrument/index.js';
import { instrumentSendgrid } from '../../../src/providers/sendgrid/index.js';
import { MemorySink, memoryTracing, until } from '../../helpers/otel.js';
import { StubProvider } from '../../helpers/stub-provider.js';

const KEY = 'test-recipient-key-0123456789';

/** SendGrid's error body (https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/errors). */
const errors = (message: string, field: string | null = null) => ({ errors: [{ message, field, help: null }] });

describe('@sendgrid/mail, instrumented in place (the real SDK against a local API)', () => {
  const stub = new StubProvider();
  let sink: MemorySink;
  let tracing: ReturnType<typeof memoryTracing>;
  let mail: MailService;
  let http: Client;

  beforeAll(() => stub.start());
  afterAll(() => stub.stop());
  beforeEach(() => {
    sink = new MemorySink();
    tracing = memoryTracing();
    const instrumentation = new SendInstrumentation({ service: 'shop', sink, recipientHashKey: KEY, tracer: tracing.tracer });
    // The SDK's own way to point it elsewhere: a client whose baseUrl is the local API.
    http = new Client();
    http.setApiKey('SG.test-key.0123456789abcdefghijklmnopqrstuvwxyz');
    http.setDefaultRequest('baseUrl', stub.url);
    const service = new MailService();
    service.setClient(http);
    mail = instrumentSendgrid(instrumentation, service, { workspace: 'acme' });
  });

  const message = { to: 'jane.doe@example.com', from: { email: 'orders@mail.acme.com', name: 'Acme' }, subject: 'Your order', text: 'Shipped.' };

  it('keeps the SDK result of a 202 and records one sent attempt with the X-Message-Id', async () => {
    stub.reply({ status: 202, headers: { 'x-message-id': 'sg-msg-123' }, body: '' });
    const [response] = await mail.send(message);
    expect(response.statusCode).toBe(202);
    expect(stub.requests[0]?.url).toBe('/v3/mail/send');
    expect(stub.requests[0]?.headers.authorization).toBe('Bearer SG.test-key.0123456789abcdefghijklmnopqrstuvwxyz');
    await until(() => sink.events.length === 1);
    expect(validateSendEvent(sink.events[0]).ok).toBe(true);
    expect(sink.events[0]).toMatchObject({
      provider: 'sendgrid',
      operation: 'send',
      outcome: 'sent',
      status: 202,
      workspace: 'acme',
      sender_domain: 'mail.acme.com',
      recipient_domain: 'example.com',
      recipient_hash: new RecipientHasher(KEY).hash('jane.doe@example.com'),
      provider_message_id: 'sg-msg-123',
    });
    expect(tracing.spans().map((s) => [s.name, s.attributes['server.address'], s.attributes['http.response.status_code']])).toEqual([['send sendgrid', '127.0.0.1', 202]]);
  });

  it('normalizes a 429 with the X-RateLimit-* headers; the ResponseError reaches the caller unchanged', async () => {
    const reset = Math.floor(Date.now() / 1000) + 3600; // an hour away: far from any clock drift during the test
    stub.reply({ status: 429, headers: { 'x-ratelimit-limit': '600', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }, body: errors('too many requests') });
    const error = (await mail.send(message).catch((e: unknown) => e)) as { code: number; response: { body: unknown } };
    expect(error.code).toBe(429);
    expect(error.response.body).toEqual(errors('too many requests'));
    await until(() => sink.events.length === 1);
    const event = sink.events[0];
    expect(event).toMatchObject({ outcome: 'failed', status: 429, code: 'throttling.rate_limited', retry: 'retry_after' });
    // The reset is a Unix timestamp an hour away: the wait is about an hour.
    expect(event?.retry_after_ms).toBeGreaterThan(3_500_000);
    expect(event?.retry_after_ms).toBeLessThanOrEqual(3_600_000);
  });

  it('normalizes an invalid key (401) and an unverified sender (403)', async () => {
    stub.reply({ status: 401, body: errors('The provided authorization grant is invalid, expired, or revoked') });
    await mail.send(message).catch(() => undefined);
    stub.reply({ status: 403, body: errors('The from address does not match a verified Sender Identity. Mail cannot be sent until this error is resolved.', 'from') });
    await mail.send(message).catch(() => undefined);
    await until(() => sink.events.length === 2);
    expect(sink.events.map((e) => [e.status, e.code])).toEqual([
      [401, 'auth.invalid_credentials'],
      [403, 'sender.domain_not_verified'],
    ]);
    expect(tracing.spans().map((s) => s.attributes['error.type'])).toEqual(['auth.invalid_credentials', 'sender.domain_not_verified']);
  });

  it('normalizes a documented 400 body by its field: a bad recipient address', async () => {
    stub.reply({ status: 400, body: errors('Does not contain a valid address.', 'personalizations.0.to.0.email') });
    await mail.send({ ...message, to: 'not-an-address' }).catch(() => undefined);
    await until(() => sink.events.length === 1);
    expect(sink.events[0]).toMatchObject({ status: 400, code: 'recipient.invalid_address', retry: 'never', error_message: 'personalizations.0.to.0.email: Does not contain a valid address.' });
  });

  it('records one attempt per request: an array is one request per item, sendMultiple one batch request', async () => {
    stub.reply({ status: 202, body: '' });
    await mail.send([message, { ...message, to: 'john@example.org' }]);
    await mail.sendMultiple({ ...message, to: ['a@example.net', 'b@example.net'] });
    expect(stub.requests).toHaveLength(3);
    await until(() => sink.events.length === 3);
    expect(sink.events.map((e) => [e.operation, e.recipient_domain, e.recipient_count]).sort()).toEqual([
      ['send', 'example.com', 1],
      ['send', 'example.org', 1],
      ['send_batch', 'example.net', 2],
    ]);
    expect(tracing.spans()).toHaveLength(3);
  });

  it('still calls a callback with the SDK result or error', async () => {
    stub.reply({ status: 500, body: errors('Internal server error') });
    const seen = await new Promise<unknown>((resolve) => {
      void mail.send(message, false, (error: unknown) => resolve(error));
    });
    expect((seen as { code: number }).code).toBe(500);
    await until(() => sink.events.length === 1);
    expect(sink.events[0]).toMatchObject({ outcome: 'failed', code: 'provider.internal_error' });
  });

  it('reads a request that got no answer as a network failure', async () => {
    const dead = new StubProvider();
    await dead.start();
    const deadUrl = dead.url;
    await dead.stop();
    http.setDefaultRequest('baseUrl', deadUrl);
    await mail.send(message).catch(() => undefined);
    await until(() => sink.events.length === 1);
    expect(sink.events[0]).toMatchObject({ outcome: 'failed', status: null, code: 'network.connection_failed' });
  });
});
