import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendInstrumentation, instrumentFetch } from '../../src/instrument/index.js';
import { MemorySink, memoryTracing } from '../helpers/otel.js';
import { StubProvider } from '../helpers/stub-provider.js';

describe('SendInstrumentation.settle', () => {
  const stub = new StubProvider();
  beforeAll(() => stub.start());
  afterAll(() => stub.stop());

  it('leaves no attempt behind: a failure whose body is still being read has its event and ended span once settle resolves', async () => {
    const sink = new MemorySink();
    const tracing = memoryTracing();
    const instrumentation = new SendInstrumentation({ service: 'checkout', sink, recipientHashKey: 'settle-test-key-0123456789', tracer: tracing.tracer });
    const send = instrumentFetch(instrumentation, { provider: 'resend' });
    stub.reply({ status: 429, headers: { 'retry-after': '3' }, body: { statusCode: 429, name: 'rate_limit_exceeded', message: 'Too many requests.' } }, { status: 200, body: { id: 'msg-1' } });
    const failed = await send(`${stub.url}/emails`, { method: 'POST', body: '{}' });
    const sent = await send(`${stub.url}/emails`, { method: 'POST', body: '{}' });
    expect([failed.status, sent.status]).toEqual([429, 200]);
    // Straight after the calls return, without yielding: the failure's body read has not finished.
    await instrumentation.settle();
    expect(sink.events.map((event) => event.code)).toEqual(['throttling.rate_limited', null]);
    expect(tracing.spans()).toHaveLength(2);
  });
});
