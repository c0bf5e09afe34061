import FormData from 'form-data';
import Mailgun from 'mailgun.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RecipientHasher, validateSendEvent } from '../../../src/events/index.js';
import { SendInstrumentation } from '../../../src/instrument/index.js';
import { instrumentMailgun } from '../../../src/providers/mailgun/index.js';
import { MemorySink, memoryTracing, until } from '../../helpers/otel.js';
import { StubProvider } from '../../helpers/stub-provider.js';

const KEY = 'test-recipient-key-0123456789';

/** The real mailgun.js client against `url`. */
const client = (url: string) => new Mailgun(FormData).client({ username: 'api', key: 'key-0123456789abcdef0123456789abcdef', url });

describe('mailgun.js, instrumented in place (the real SDK against a local API)', () => {
  const stub = new StubProvider();
  let sink: MemorySink;
  let tracing: ReturnType<typeof memoryTracing>;
  let instrumentation: SendInstrumentation;
  let mg: ReturnType<typeof client>;

  beforeAll(() => stub.start());
  afterAll(() => stub.stop());
  beforeEach(() => {
    sink = new MemorySink();
    tracing = memoryTracing();
    instrumentation = new SendInstrumentation({ service: 'shop', sink, recipientHashKey: KEY, tracer: tracing.tracer });
    mg = instrumentMailgun(instrumentation, client(stub.url), { workspace: 'acme' });
  });

  const message = { from: 'Acme <orders@mg.acme.example>', to: ['jane.doe@example.com', 'john@example.org'], subject: 'Your order', text: 'Shipped.' };

  it('keeps the SDK result and records one sent attempt with the message id', async () => {
    stub.reply({ status: 200, body: { id: '<20261122120000.1.ABCDEF@mg.acme.example>', message: 'Queued. Thank you.' } });
    const result = await mg.messages.create('mg.acme.example', message);
    expect(result).toMatchObject({ status: 200, id: '<20261122120000.1.ABCDEF@mg.acme.example>' });
    expect(stub.requests[0]?.url).toBe('/v3/mg.acme.example/messages');
    await until(() => sink.events.length === 1);
    expect(validateSendEvent(sink.events[0]).ok).toBe(true);
    expect(sink.events[0]).toMatchObject({
      provider: 'mailgun',
      operation: 'send',
      outcome: 'sent',
      status: 200,
      workspace: 'acme',
      sender_domain: 'mg.acme.example',
      recipient_domain: 'example.com',
      recipient_hash: new RecipientHasher(KEY).hash('jane.doe@example.com'),
      recipient_count: 2,
      provider_message_id: '20261122120000.1.ABCDEF', // as the webhook side keeps it: no brackets, no domain
    });
    expect(tracing.spans().map((s) => [s.name, s.attributes['server.address']])).toEqual([['send mailgun', '127.0.0.1']]);
  });

  it('normalizes a 429 (mailgun.js keeps no headers, so there is no wait to report)', async () => {
    stub.reply({ status: 429, headers: { 'retry-after': '5' }, body: { message: 'Too many requests' } });
    const error = (await mg.messages.create('mg.acme.example', message).catch((e: unknown) => e)) as { status: number };
    expect(error.status).toBe(429);
    await until(() => sink.events.length === 1);
    expect(sink.events[0]).toMatchObject({ outcome: 'failed', status: 429, code: 'throttling.rate_limited', error_message: 'Too many requests' });
  });

  it('normalizes a bad key: 401 with the text Forbidden', async () => {
    stub.reply({ status: 401, body: 'Forbidden' });
    await mg.messages.create('mg.acme.example', message).catch(() => undefined);
    await until(() => sink.events.length === 1);
    expect(sink.events[0]).toMatchObject({ status: 401, code: 'auth.invalid_credentials', error_message: 'Forbidden' });
    expect(tracing.spans()[0]?.attributes['error.type']).toBe('auth.invalid_credentials');
  });

  it('normalizes documented 4xx bodies: the sandbox, an unknown domain, a bad recipient', async () => {
    stub.reply({ status: 403, body: { message: 'Domain sandbox0123.mailgun.org is not allowed to send: Sandbox subdomains are for test purposes only. Please add your own domain or add the address to authorized recipients in Account Settings.' } });
    await mg.messages.create('sandbox0123.mailgun.org', message).catch(() => undefined);
    stub.reply({ status: 404, body: { message: 'Domain not found: mg.unknown.example' } });
    await mg.messages.create('mg.unknown.example', message).catch(() => undefined);
    stub.reply({ status: 400, body: { message: 'to parameter is not a valid address. please check documentation' } });
    await mg.messages.create('mg.acme.example', { ...message, to: 'nobody' }).catch(() => undefined);
    await until(() => sink.events.length === 3);
    expect(sink.events.map((e) => [e.status, e.code])).toEqual([
      [403, 'account.sandbox_restricted'],
      [404, 'sender.domain_not_registered'],
      [400, 'recipient.invalid_address'],
    ]);
  });

  it('reads a request that got no answer as a network failure, not as the 400 mailgun.js reports', async () => {
    const dead = new StubProvider();
    await dead.start();
    const deadUrl = dead.url;
    await dead.stop();
    const offline = instrumentMailgun(instrumentation, client(deadUrl));
    const error = (await offline.messages.create('mg.acme.example', message).catch((e: unknown) => e)) as { status: number; message: string };
    expect(error).toMatchObject({ status: 400, message: 'ECONNREFUSED' }); // what the SDK itself says
    await until(() => sink.events.length === 1);
    expect(sink.events[0]).toMatchObject({ outcome: 'failed', status: null, code: 'network.connection_failed', provider_code: 'ECONNREFUSED' });
  });
});
