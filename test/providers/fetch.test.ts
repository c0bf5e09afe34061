import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RecipientHasher } from '../../src/events/index.js';
import { SendInstrumentation, instrumentFetch, operationFromPath } from '../../src/instrument/index.js';
import { MemorySink, memoryTracing, until } from '../helpers/otel.js';
import { StubProvider } from '../helpers/stub-provider.js';

const KEY = 'test-recipient-key-0123456789';

/** The three providers over plain fetch: their request shapes (each API's reference page) give From and To. */
describe('instrumentFetch speaks SendGrid, Mailgun and Postmark requests', () => {
  const stub = new StubProvider();
  let sink: MemorySink;
  let instrumentation: SendInstrumentation;

  beforeAll(() => stub.start());
  afterAll(() => stub.stop());
  beforeEach(() => {
    sink = new MemorySink();
    instrumentation = new SendInstrumentation({ service: 'shop', sink, recipientHashKey: KEY, tracer: memoryTracing().tracer });
  });

  it('SendGrid v3: from.email and personalizations[0].to; a 403 body normalized', async () => {
    stub.reply({ status: 403, body: { errors: [{ message: 'The from address does not match a verified Sender Identity.', field: 'from', help: null }] } });
    const send = instrumentFetch(instrumentation, { provider: 'sendgrid' });
    await send(`${stub.url}/v3/mail/send`, { method: 'POST', body: JSON.stringify({ from: { email: 'orders@mail.acme.com' }, personalizations: [{ to: [{ email: 'jane.doe@example.com' }] }], subject: 'Hi', content: [{ type: 'text/plain', value: 'x' }] }) });
    await until(() => sink.events.length === 1);
    expect(sink.events[0]).toMatchObject({ provider: 'sendgrid', operation: 'send', sender_domain: 'mail.acme.com', recipient_hash: new RecipientHasher(KEY).hash('jane.doe@example.com'), code: 'sender.domain_not_verified' });
  });

  it('Mailgun: form fields (URLSearchParams), `to` repeated or comma-separated', async () => {
    stub.reply({ status: 200, body: { id: '<1.2@mg.acme.example>', message: 'Queued. Thank you.' } });
    const send = instrumentFetch(instrumentation, { provider: 'mailgun' });
    const form = new URLSearchParams([['from', 'Acme <orders@mg.acme.example>'], ['to', 'jane.doe@example.com, bob@example.org'], ['to', 'ann@example.net'], ['subject', 'Hi'], ['text', 'x']]);
    await send(`${stub.url}/v3/mg.acme.example/messages`, { method: 'POST', body: form });
    const data = new FormData();
    data.append('from', 'orders@mg.acme.example');
    data.append('to', 'solo@example.io');
    await send(`${stub.url}/v3/mg.acme.example/messages.mime`, { method: 'POST', body: data });
    await until(() => sink.events.length === 2);
    expect(sink.events.map((e) => [e.operation, e.sender_domain, e.recipient_domain, e.recipient_count])).toEqual([
      ['send', 'mg.acme.example', 'example.com', 3],
      ['send', 'mg.acme.example', 'example.io', 1],
    ]);
  });

  it('Postmark: From and the comma-separated To; /email/withTemplate is a send', async () => {
    stub.reply({ status: 422, body: { ErrorCode: 406, Message: 'You tried to send to recipient(s) that have been marked as inactive.' } });
    const send = instrumentFetch(instrumentation, { provider: 'postmark' });
    await send(`${stub.url}/email/withTemplate`, { method: 'POST', body: JSON.stringify({ From: 'orders@pm.acme.example', To: 'jane.doe@example.com, bob@example.org', TemplateAlias: 'welcome', TemplateModel: {} }) });
    await until(() => sink.events.length === 1);
    expect(sink.events[0]).toMatchObject({ provider: 'postmark', operation: 'send', sender_domain: 'pm.acme.example', recipient_count: 2, code: 'suppression.recipient_suppressed', provider_code: '406' });
  });

  it('names the providers\' send paths', () => {
    expect(operationFromPath('/v3/mail/send')).toBe('send');
    // Mailgun's and Postmark's own paths are theirs (src/providers/<id>/http.ts), read for their provider.
    expect(operationFromPath('/v3/mg.acme.example/messages', 'mailgun')).toBe('send');
    expect(operationFromPath('/v3/mg.acme.example/messages.mime', 'mailgun')).toBe('send');
    expect(operationFromPath('/email')).toBe('send');
    expect(operationFromPath('/email/withTemplate', 'postmark')).toBe('send');
    expect(operationFromPath('/email/withTemplate')).toBe('template_manage');
    expect(operationFromPath('/email/batch')).toBe('send_batch');
    expect(operationFromPath('/email/batchWithTemplates')).toBe('send_batch');
    expect(operationFromPath('/templates')).toBe('template_manage');
    expect(operationFromPath('/v3/domains/mg.acme.example')).toBe('domain_manage');
  });
});
