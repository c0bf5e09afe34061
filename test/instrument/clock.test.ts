import { hrTimeToMilliseconds } from '@opentelemetry/core';
import { describe, expect, it } from 'vitest';
import { SendInstrumentation, instrumentFetch } from '../../src/instrument/index.js';
import { MemorySink, memoryTracing, until } from '../helpers/otel.js';
import { StubProvider } from '../helpers/stub-provider.js';

describe('an injected clock', () => {
  it('stamps the event and the span with simulated time while the latency stays real', async () => {
    const stub = await new StubProvider().start();
    try {
      const sink = new MemorySink();
      const tracing = memoryTracing();
      const simulated = Date.parse('2026-11-15T08:30:00.000Z');
      const instrumentation = new SendInstrumentation({ service: 'demo', sink, recipientHashKey: 'test-recipient-key-0123456789', tracer: tracing.tracer, clock: () => simulated });
      stub.reply({ status: 200, body: { id: 'm-1' } });
      await instrumentFetch(instrumentation, { provider: 'resend' })(`${stub.url}/emails`, { method: 'POST', body: '{}' });
      await until(() => sink.events.length === 1 && tracing.spans().length === 1);
      const [event] = sink.events;
      const [span] = tracing.spans();
      expect(event?.occurred_at).toBe('2026-11-15T08:30:00.000Z');
      expect(hrTimeToMilliseconds(span?.startTime ?? [0, 0])).toBe(simulated);
      const spanMs = hrTimeToMilliseconds(span?.endTime ?? [0, 0]) - simulated;
      expect(spanMs).toBeGreaterThan(0);
      expect(spanMs).toBeCloseTo(event?.latency_ms ?? -1, 0);
    } finally {
      await stub.stop();
    }
  });
});
