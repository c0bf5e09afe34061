import { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import type { Sampler, SamplingResult } from '@opentelemetry/sdk-trace';
import type { Attributes } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { SendInstrumentation } from '../../src/instrument/index.js';
import type { OutcomeReader } from '../../src/instrument/index.js';
import { MemorySink } from '../helpers/otel.js';

const KEY = 'span-start-test-key-0123456789';

/** A tracer whose sampler records what it was shown at span creation. */
function samplingTracing() {
  const seen: { name: string; attributes: Attributes }[] = [];
  const sampler: Sampler = {
    shouldSample: (_context, _traceId, name, _kind, attributes): SamplingResult => {
      seen.push({ name, attributes: { ...attributes } });
      return { decision: 2 };
    },
    toString: () => 'recording sampler',
  };
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ sampler, spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  return { tracer: provider.getTracer('sendlens-test'), seen, spans: () => exporter.getFinishedSpans() };
}

const sent: OutcomeReader<string> = { fromResult: () => ({ outcome: 'sent', status: 202 }), fromError: () => { throw new Error('unused'); } };

describe('span start', () => {
  it('shows samplers each endpoint\'s own method and server, however many endpoints share the per-endpoint cache', async () => {
    const tracing = samplingTracing();
    const instrumentation = new SendInstrumentation({ service: 'checkout', sink: new MemorySink(), recipientHashKey: KEY, tracer: tracing.tracer });
    await instrumentation.attempt({ provider: 'resend', url: 'https://api.resend.com/emails' }, async () => 'ok', sent);
    await instrumentation.attempt({ provider: 'resend', url: 'https://api.resend.com/emails', method: 'put', operation: 'send_batch' }, async () => 'ok', sent);
    await instrumentation.attempt({ provider: 'sendgrid', url: new URL('http://localhost:8025/v3/mail/send') }, async () => 'ok', sent);
    await instrumentation.attempt({ provider: 'smtp' }, async () => 'ok', sent);
    await instrumentation.attempt({ provider: 'resend', url: 'https://api.resend.com/emails' }, async () => 'ok', sent);
    expect(tracing.seen).toEqual([
      { name: 'send resend', attributes: { 'http.request.method': 'POST', 'server.address': 'api.resend.com', 'server.port': 443 } },
      { name: 'send_batch resend', attributes: { 'http.request.method': 'PUT', 'server.address': 'api.resend.com', 'server.port': 443 } },
      { name: 'send sendgrid', attributes: { 'http.request.method': 'POST', 'server.address': 'localhost', 'server.port': 8025 } },
      { name: 'send smtp', attributes: {} },
      { name: 'send resend', attributes: { 'http.request.method': 'POST', 'server.address': 'api.resend.com', 'server.port': 443 } },
    ]);
    await instrumentation.settle();
    // Every finished span carries its provider, set at completion.
    expect(tracing.spans().map((span) => span.attributes['email.provider'])).toEqual(['resend', 'resend', 'sendgrid', 'smtp', 'resend']);
  });

  it('a tracer that adds to the start attributes it is given does not leak them into the next span', async () => {
    const tracing = samplingTracing();
    const meddling = {
      startSpan: (name: string, options: { attributes?: Attributes }) => {
        if (options.attributes) options.attributes['added.by.tracer'] = name;
        return tracing.tracer.startSpan(name, options);
      },
    };
    const instrumentation = new SendInstrumentation({ service: 'checkout', sink: new MemorySink(), recipientHashKey: KEY, tracer: meddling as never });
    await instrumentation.attempt({ provider: 'resend', url: 'https://api.resend.com/emails' }, async () => 'ok', sent);
    await instrumentation.attempt({ provider: 'resend', url: 'https://api.resend.com/emails', operation: 'other' }, async () => 'ok', sent);
    expect(tracing.seen.map((s) => s.attributes['added.by.tracer'])).toEqual(['send resend', 'other resend']);
    await instrumentation.attempt({ provider: 'resend', url: 'https://api.resend.com/emails' }, async () => 'ok', sent);
    expect(tracing.seen[2]?.attributes['added.by.tracer']).toBe('send resend');
  });

  it('a span whose outcome could not be read still ends with its provider', async () => {
    const tracing = samplingTracing();
    const errors: unknown[] = [];
    const instrumentation = new SendInstrumentation({ service: 'checkout', sink: new MemorySink(), recipientHashKey: KEY, tracer: tracing.tracer, onInternalError: (error) => errors.push(error) });
    const broken: OutcomeReader<string> = { fromResult: () => { throw new Error('reader broke'); }, fromError: () => { throw new Error('unused'); } };
    const brokenLater: OutcomeReader<string> = { fromResult: async () => { throw new Error('async reader broke'); }, fromError: () => { throw new Error('unused'); } };
    expect(await instrumentation.attempt({ provider: 'postmark', url: 'https://api.postmarkapp.com/email' }, async () => 'ok', broken)).toBe('ok');
    expect(await instrumentation.attempt({ provider: 'mailgun', url: 'https://api.mailgun.net/v3/x/messages' }, async () => 'ok', brokenLater)).toBe('ok');
    await instrumentation.settle();
    expect(errors).toHaveLength(2);
    expect(tracing.spans().map((span) => span.attributes['email.provider'])).toEqual(['postmark', 'mailgun']);
  });
});
