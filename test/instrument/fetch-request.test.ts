import { afterEach, describe, expect, it, vi } from 'vitest';
import { SendInstrumentation, instrumentFetch, operationFromPath } from '../../src/instrument/index.js';
import type { SendlensRequestInit } from '../../src/instrument/index.js';
import { MemorySink, memoryTracing } from '../helpers/otel.js';

/**
 * What the fetch adapter reads from a request (operation, From, To), and that
 * reading a JSON body is left off the send path.
 */
const KEY = 'fetch-request-test-key-0123456789';
const answer = async () => new Response('{"id":"m-1"}', { status: 200, headers: { 'content-type': 'application/json' } });
const resendBody = JSON.stringify({ from: 'Acme <billing@mail.acme.com>', to: ['jane.doe@example.com', 'b@other.example'], subject: 'Receipt' });

function setup(provider: 'resend' | 'mailgun' | 'postmark' = 'resend') {
  const sink = new MemorySink();
  const instrumentation = new SendInstrumentation({ service: 'checkout', sink, recipientHashKey: KEY, tracer: memoryTracing().tracer });
  return { sink, instrumentation, send: instrumentFetch(instrumentation, { provider, fetch: answer }) };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the fetch adapter reading its request', () => {
  it('parses a JSON request body after the call has returned, not on the send path', async () => {
    const { sink, instrumentation, send } = setup();
    const parse = vi.spyOn(JSON, 'parse');
    const response = await send('https://api.resend.com/emails', { method: 'POST', body: resendBody });
    expect(response.status).toBe(200);
    expect(parse.mock.calls.filter(([text]) => text === resendBody)).toHaveLength(0);
    await instrumentation.settle();
    expect(parse.mock.calls.filter(([text]) => text === resendBody)).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({ sender_domain: 'mail.acme.com', recipient_domain: 'example.com', recipient_count: 2, operation: 'send' });
  });

  it('gives what init.sendlens says precedence over the body, key by key, as before', async () => {
    const cases: [SendlensRequestInit['sendlens'], { sender_domain: string; recipient_domain: string; recipient_count: number }][] = [
      [undefined, { sender_domain: 'mail.acme.com', recipient_domain: 'example.com', recipient_count: 2 }],
      [{ workspace: 'acme' }, { sender_domain: 'mail.acme.com', recipient_domain: 'example.com', recipient_count: 2 }],
      [{ to: 'x@given.example' }, { sender_domain: 'mail.acme.com', recipient_domain: 'given.example', recipient_count: 1 }],
      [{ from: 'given.example' }, { sender_domain: 'given.example', recipient_domain: 'example.com', recipient_count: 2 }],
      [{ from: 'a@f.example', to: ['t@t.example'] }, { sender_domain: 'f.example', recipient_domain: 't.example', recipient_count: 1 }],
      // A key present but undefined overrides too (it did when the parsed context was spread under it).
      [{ to: undefined }, { sender_domain: 'mail.acme.com', recipient_domain: '', recipient_count: 0 }],
      [{ from: undefined }, { sender_domain: '', recipient_domain: 'example.com', recipient_count: 2 }],
    ];
    for (const [sendlens, expected] of cases) {
      const { sink, instrumentation, send } = setup();
      await send('https://api.resend.com/emails', { method: 'POST', body: resendBody, ...(sendlens !== undefined && { sendlens }) });
      await instrumentation.settle();
      expect(sink.events[0], JSON.stringify(sendlens)).toMatchObject(expected);
    }
  });

  it('leaves the addresses out of a body that is not JSON after all, and still emits the event', async () => {
    const { sink, instrumentation, send } = setup();
    await send('https://api.resend.com/emails', { method: 'POST', body: '{"from": "a@b.example", broken' });
    await send('https://api.resend.com/emails', { method: 'POST', body: '["a@b.example"]' });
    await instrumentation.settle();
    expect(sink.events.map((e) => [e.sender_domain, e.recipient_count])).toEqual([['', 0], ['', 0]]);
    expect(instrumentation.internalErrors).toBe(0);
  });

  it('reads a form body at once (a form can change after the call)', async () => {
    const { sink, instrumentation, send } = setup('mailgun');
    const form = new URLSearchParams({ from: 'a@mg.acme.example', to: 'r@example.org' });
    await send('https://api.mailgun.net/v3/acme.example/messages', { method: 'POST', body: form });
    form.set('to', 'changed@elsewhere.example');
    await instrumentation.settle();
    expect(sink.events[0]).toMatchObject({ sender_domain: 'mg.acme.example', recipient_domain: 'example.org', operation: 'send' });
  });

  it('a failing address reader of a caller\'s own is counted and the event still goes out without addresses', async () => {
    const sink = new MemorySink();
    const instrumentation = new SendInstrumentation({ service: 'checkout', sink, recipientHashKey: KEY, tracer: memoryTracing().tracer });
    await instrumentation.attempt({ provider: 'resend', readAddresses: () => { throw new Error('reader broke'); } }, async () => 'ok', { fromResult: () => ({ outcome: 'sent', status: 200 }), fromError: () => { throw new Error('unused'); } });
    await instrumentation.settle();
    expect(instrumentation.internalErrors).toBe(1);
    expect(sink.events[0]).toMatchObject({ sender_domain: '', recipient_count: 0, outcome: 'sent' });
  });

  it('names each URL\'s operation as operationFromPath does, per provider, past the bound of its cache', async () => {
    const urls = ['https://api.mailgun.net/v3/acme.example/messages', 'https://api.postmarkapp.com/email/withTemplate', 'https://api.resend.com/emails/batch', 'https://api.resend.com/domains/d-1/verify', 'not a url'];
    for (let i = 0; i < 300; i += 1) urls.push(`https://api.example.com/v1/${i % 2 === 0 ? 'templates' : 'webhooks'}/${i}`);
    for (const provider of ['mailgun', 'postmark', 'resend'] as const) {
      const { sink, instrumentation, send } = setup(provider);
      for (const url of urls) await send(url, { method: 'POST', body: '{}' });
      await instrumentation.settle();
      const expected = urls.map((url) => {
        try {
          return operationFromPath(new URL(url).pathname, provider);
        } catch {
          return 'other';
        }
      });
      expect(sink.events.map((e) => e.operation)).toEqual(expected);
    }
  });
});
