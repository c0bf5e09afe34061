import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import type { HrTime } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { decodeTraceRequest } from '../../src/ingest/index.js';
import { ExportResultCode, SendlensSpanProcessor, encodeTraceRequest } from '../../src/transport/index.js';
import type { ExportResult, ExportableSpan, SpanExporterLike } from '../../src/transport/index.js';

/** Spans from the real SDK: two resources, two scopes, every attribute kind, events, links, errors. */
function sdkSpans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const make = (service: string) =>
    new TracerProvider({ resource: resourceFromAttributes({ 'service.name': service, 'host.cpus': 8, 'service.flag': true }), spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const checkout = make('checkout');
  const billing = make('billing');
  const base = Math.floor(Date.now() / 1000) - 600;
  const parent = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    traceState: new TraceState('vendor=1,sendlens=abc'),
    isRemote: true,
  });
  const client = checkout.getTracer('sendlens', '0.1.0').startSpan(
    'POST /emails',
    {
      kind: SpanKind.CLIENT,
      startTime: [base, 123_456_789] as HrTime,
      attributes: {
        'email.provider': 'resend',
        'http.response.status_code': 429,
        'retry.after_s': 1.5,
        'retry.retryable': true,
        'email.recipient_domains': ['example.com', 'example.org'],
        'latency.samples_ms': [12, 40.25],
        'mixed.list': ['a', 1, true, null],
      },
      links: [{ context: { traceId: '11111111111111111111111111111111', spanId: '2222222222222222', traceFlags: 1, traceState: new TraceState('linked=yes') }, attributes: { 'link.attempt': 2 } }],
    },
    parent,
  );
  client.addEvent('retry scheduled', { 'retry.attempt': 2, 'retry.wait_ms': 1500.5 }, [base, 500_000_001] as HrTime);
  client.setStatus({ code: SpanStatusCode.ERROR, message: 'throttling.rate_limited' });
  client.end([base + 1, 23_456_789] as HrTime);
  const internal = checkout.getTracer('app').startSpan('render', { kind: SpanKind.INTERNAL, startTime: [base + 2, 0] as HrTime });
  internal.setStatus({ code: SpanStatusCode.OK });
  internal.end([base + 3, 999_999_999] as HrTime);
  const other = billing.getTracer('sendlens', '0.1.0').startSpan('POST /v3/mail/send', { kind: SpanKind.PRODUCER, startTime: [base + 4, 1] as HrTime });
  other.end([base + 4, 2] as HrTime);
  return exporter.getFinishedSpans();
}

describe('encodeTraceRequest', () => {
  it("gives the loader exactly the rows the OpenTelemetry JS transformer's bytes give, for every kind of span content", () => {
    const spans = sdkSpans();
    expect(spans).toHaveLength(3);
    const reference = ProtobufTraceSerializer.serializeRequest(spans);
    expect(reference).toBeDefined();
    const ours = decodeTraceRequest(encodeTraceRequest(spans));
    expect(ours).toEqual(decodeTraceRequest(reference!));
    // The comparison is only worth something if the rows carry the content: spot-check it.
    const client = ours.find((row) => row.SpanName === 'POST /emails');
    expect(client).toMatchObject({
      TraceId: '0af7651916cd43dd8448eb211c80319c',
      ParentSpanId: 'b7ad6b7169203331',
      TraceState: 'vendor=1,sendlens=abc',
      SpanKind: 'Client',
      ServiceName: 'checkout',
      ScopeName: 'sendlens',
      ScopeVersion: '0.1.0',
      StatusCode: 'Error',
      StatusMessage: 'throttling.rate_limited',
      Duration: '900000000',
      'Events.Name': ['retry scheduled'],
      'Links.TraceId': ['11111111111111111111111111111111'],
    });
    expect(client?.SpanAttributes).toMatchObject({ 'http.response.status_code': '429', 'retry.after_s': '1.5', 'email.recipient_domains': '["example.com","example.org"]' });
    expect(new Set(ours.map((row) => row.ServiceName))).toEqual(new Set(['checkout', 'billing']));
  });

  it('writes map attributes (API 1.10 AnyValue) and bigints, which the reference transformer does not take', () => {
    const [span] = sdkSpans();
    const withMap = { ...span!, spanContext: () => span!.spanContext(), attributes: { nested: { a: 1, b: 'x' }, big: 2n ** 40n } } as unknown as ExportableSpan;
    const [row] = decodeTraceRequest(encodeTraceRequest([withMap]));
    expect(row?.SpanAttributes).toEqual({ nested: '{"a":1,"b":"x"}', big: String(2 ** 40) });
  });

  it('encodes no span as a request without spans', () => {
    expect(decodeTraceRequest(encodeTraceRequest([]))).toEqual([]);
  });
});

/** An exporter that records batches and answers as told. */
class RecordingExporter implements SpanExporterLike {
  batches: string[][] = [];
  answer: ExportResult['code'] = ExportResultCode.SUCCESS;
  shutDown = false;
  export(spans: ExportableSpan[], done: (result: ExportResult) => void): void {
    this.batches.push(spans.map((span) => span.name));
    setImmediate(() => done({ code: this.answer }));
  }
  async shutdown(): Promise<void> {
    this.shutDown = true;
  }
}

function finishedSpan(name: string, scope = 'sendlens', sampled = true): ExportableSpan {
  return {
    name,
    kind: 2,
    spanContext: () => ({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: sampled ? 1 : 0 }),
    startTime: [1, 0],
    endTime: [2, 0],
    status: { code: 0 },
    attributes: {},
    events: [],
    links: [],
    resource: { attributes: {} },
    instrumentationScope: { name: scope },
  } as ExportableSpan;
}

describe('SendlensSpanProcessor', () => {
  it("exports only the send path's sampled spans, in batches of at most maxExportBatchSize", async () => {
    const exporter = new RecordingExporter();
    const processor = new SendlensSpanProcessor(exporter, { maxExportBatchSize: 2, scheduledDelayMillis: 60_000 });
    processor.onEnd(finishedSpan('a'));
    processor.onEnd(finishedSpan('host http span', 'http'));
    processor.onEnd(finishedSpan('unsampled', 'sendlens', false));
    processor.onEnd(finishedSpan('b'));
    processor.onEnd(finishedSpan('c'));
    await processor.forceFlush();
    expect(exporter.batches).toEqual([['a', 'b'], ['c']]);
    expect(processor.stats).toMatchObject({ exported: 3, failed: 0, dropped: 0, queued: 0 });
  });

  it('holds at most maxQueueSize spans, dropping the oldest, and counts failed exports', async () => {
    const exporter = new RecordingExporter();
    exporter.answer = ExportResultCode.FAILED;
    const processor = new SendlensSpanProcessor(exporter, { maxQueueSize: 3, maxExportBatchSize: 3, scheduledDelayMillis: 60_000 });
    for (const name of ['1', '2', '3', '4', '5']) processor.onEnd(finishedSpan(name));
    await processor.forceFlush();
    expect(exporter.batches.flat()).toEqual(expect.arrayContaining(['3', '4', '5']));
    expect(processor.stats.dropped + processor.stats.failed).toBe(5);
    expect(processor.stats.dropped).toBeGreaterThan(0);
  });

  it('exports on its own after scheduledDelayMillis, and shuts the exporter down after a last flush', async () => {
    const exporter = new RecordingExporter();
    const processor = new SendlensSpanProcessor(exporter, { scheduledDelayMillis: 5 });
    processor.onEnd(finishedSpan('timed'));
    await expect.poll(() => exporter.batches, { timeout: 10_000 }).toEqual([['timed']]);
    processor.onEnd(finishedSpan('last'));
    await processor.shutdown();
    expect(exporter.batches).toEqual([['timed'], ['last']]);
    expect(exporter.shutDown).toBe(true);
    processor.onEnd(finishedSpan('after shutdown'));
    await processor.forceFlush();
    expect(exporter.batches.flat()).not.toContain('after shutdown');
  });
});
