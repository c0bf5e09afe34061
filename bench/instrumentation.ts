import { SpanKind, context as otelContext, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { ExportResultCode } from '@opentelemetry/core';
import { MAX_CACHED_RECIPIENTS, SendInstrumentation, fetchOutcomeReader, instrumentFetch } from '../src/instrument/index.js';
import type { OutcomeReader } from '../src/instrument/index.js';
import { BufferedSink } from '../src/transport/index.js';
import type { SendEvent } from '../src/events/index.js';
import { printTable, round, summarize } from './stats.js';

/**
 * Overhead of an instrumented call, measured side by side with the same call
 * uninstrumented and with only a plain OpenTelemetry span, all against an
 * in-process stub provider. Variants run interleaved in rounds so they share
 * whatever else the machine is doing.
 */
const ROUNDS = 40;
const CALLS_PER_ROUND = 2_500;

/** A stub provider: answers at once, like an SDK whose result is already in hand. */
const stubSdkSend = async () => ({ data: { id: 'msg-1' }, error: null });
const sdkReader: OutcomeReader<{ data: { id: string }; error: null }> = {
  fromResult: (result) => ({ outcome: 'sent', status: 200, providerMessageId: result.data.id }),
  fromError: () => {
    throw new Error('the stub never fails');
  },
};
const stubFetch = async () => new Response('{"id":"msg-1"}', { status: 200, headers: { 'content-type': 'application/json' } });

/** A real SDK span pipeline whose exporter discards, so export cost does not hide in the numbers. */
function realTracer() {
  const discard: SpanExporter = { export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }), shutdown: async () => undefined };
  return new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: discard, maxQueueSize: 65_536, maxExportBatchSize: 4096, scheduledDelayMillis: 200 })] }).getTracer('bench');
}

export interface OverheadResult {
  variant: string;
  medianUs: number;
  p99Us: number;
  meanUs: number;
  /** Wall time of the variant's rounds, including the work deferred off the send path, per call. */
  wallUs: number;
  /** The process's CPU time (all its threads: GC's too) over the same rounds, per call: unlike wall time, not inflated by other processes taking the cores. */
  cpuUs: number;
}

export async function benchInstrumentationOverhead(): Promise<{ rows: OverheadResult[]; ratios: Record<string, number> }> {
  // A service's OpenTelemetry SDK (NodeSDK, or startSendlens's own) always registers this context
  // manager, and an attempt runs its provider call in the span's context through it: without it
  // that part of the cost would be a no-op here and missing from the numbers.
  otelContext.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  try {
    return await measure();
  } finally {
    otelContext.disable();
  }
}

async function measure(): Promise<{ rows: OverheadResult[]; ratios: Record<string, number> }> {
  const tracer = realTracer();
  const sink = new BufferedSink<SendEvent>(async () => undefined, { maxBufferedItems: 100_000, maxBatchItems: 5_000, lingerMs: 50 });
  const instrumentation = new SendInstrumentation({ service: 'bench', environment: 'bench', sink: { emit: (e) => sink.push(e) }, recipientHashKey: 'bench-recipient-key-0123456789', tracer });
  const context = { provider: 'resend' as const, operation: 'send' as const, from: 'a@mail.acme.com', to: 'jane.doe@example.com', workspace: 'acme', url: 'https://api.resend.com/emails' };
  // The same call to a recipient not seen lately (more distinct ones than the instrumentation's
  // recipient cache holds, in turn): what each attempt costs when its recipient's hash is computed anew.
  const freshRecipientContexts = Array.from({ length: 4 * MAX_CACHED_RECIPIENTS }, (_, i) => ({ ...context, to: `user${i}@example.com` }));
  let nextFresh = 0;
  const freshContext = () => freshRecipientContexts[(nextFresh = (nextFresh + 1) % freshRecipientContexts.length)] ?? context;
  const readFetch = fetchOutcomeReader('resend');
  const readFetchBodies = fetchOutcomeReader('resend', { readSuccessBody: true });
  // The fetch adapter as a service calls it: it reads the URL and the JSON request body for the
  // operation, From and To itself (the rows above hand the attempt a ready context).
  const adapterFetch = instrumentFetch(instrumentation, { provider: 'resend', fetch: stubFetch });
  const requestBody = JSON.stringify({ from: 'Acme <billing@mail.acme.com>', to: ['jane.doe@example.com'], subject: 'Your receipt #4521', html: `<p>${'Thank you for your order. '.repeat(60)}</p>`, text: 'Thank you for your order.' });

  const variants: [string, () => Promise<unknown>][] = [
    ['uninstrumented', () => stubSdkSend()],
    ['plain OTel span', async () => {
      const span = tracer.startSpan('send resend', { kind: SpanKind.CLIENT });
      const result = await stubSdkSend();
      span.end();
      return result;
    }],
    // For reference, not a target: what any instrumentation pays to have its span active during the
    // call, so that the client's own spans (HTTP, AWS SDK) nest under it, as sendlens's do.
    ['plain OTel span, active in the call', async () => {
      const span = tracer.startSpan('send resend', { kind: SpanKind.CLIENT });
      const result = await otelContext.with(trace.setSpan(otelContext.active(), span), stubSdkSend);
      span.end();
      return result;
    }],
    ['sendlens (SDK result)', () => instrumentation.attempt(context, stubSdkSend, sdkReader)],
    ['sendlens (SDK, new recipient)', () => instrumentation.attempt(freshContext(), stubSdkSend, sdkReader)],
    ['uninstrumented fetch', () => stubFetch()],
    ['sendlens (fetch Response)', () => instrumentation.attempt(context, stubFetch, readFetch)],
    ['sendlens (fetch, reading bodies)', () => instrumentation.attempt(context, stubFetch, readFetchBodies)],
    ['sendlens instrumentFetch (2 KB JSON request)', () => adapterFetch('https://api.resend.com/emails', { method: 'POST', headers: { 'content-type': 'application/json' }, body: requestBody })],
  ];
  const samples = new Map<string, number[]>(variants.map(([name]) => [name, []]));
  /** Wall time of each variant's rounds including its deferred work, over its calls. */
  const totals = new Map<string, number>(variants.map(([name]) => [name, 0]));
  /** CPU time of the same, read from the process: what a call really costs, even on a busy machine. */
  const cpuTotals = new Map<string, number>(variants.map(([name]) => [name, 0]));

  // Warm up every path so the JIT has seen them all before measuring.
  for (const [, run] of variants) for (let i = 0; i < 5_000; i += 1) await run();
  await sink.flush();

  for (let round = 0; round < ROUNDS; round += 1) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const [name, run] of order) {
      const bucket = samples.get(name) as number[];
      const roundStart = process.hrtime.bigint();
      const cpuStart = process.cpuUsage();
      for (let i = 0; i < CALLS_PER_ROUND; i += 1) {
        const start = process.hrtime.bigint();
        await run();
        bucket.push(Number(process.hrtime.bigint() - start) / 1000);
      }
      // Background work (span ends, events, body clones) is finished here and billed to this variant.
      await new Promise((resolve) => setImmediate(resolve));
      instrumentation.drain();
      await sink.flush();
      totals.set(name, (totals.get(name) ?? 0) + Number(process.hrtime.bigint() - roundStart) / 1000);
      const cpu = process.cpuUsage(cpuStart);
      cpuTotals.set(name, (cpuTotals.get(name) ?? 0) + cpu.user + cpu.system);
    }
  }

  const rows = variants.map(([name]) => {
    const s = summarize(samples.get(name) as number[]);
    const perCall = (total: number | undefined) => round((total ?? 0) / (ROUNDS * CALLS_PER_ROUND), 3);
    return { variant: name, medianUs: round(s.median, 3), p99Us: round(s.p99, 3), meanUs: round(s.mean, 3), wallUs: perCall(totals.get(name)), cpuUs: perCall(cpuTotals.get(name)) };
  });
  const med = (name: string) => rows.find((r) => r.variant === name)?.medianUs ?? Number.NaN;
  const ratios = {
    overheadVsUninstrumentedUs: round(med('sendlens (SDK result)') - med('uninstrumented'), 3),
    overheadVsPlainSpanUs: round(med('sendlens (SDK result)') - med('plain OTel span'), 3),
    ratioVsUninstrumented: round(med('sendlens (SDK result)') / med('uninstrumented'), 2),
    ratioVsPlainSpan: round(med('sendlens (SDK result)') / med('plain OTel span'), 2),
    ratioVsActiveSpan: round(med('sendlens (SDK result)') / med('plain OTel span, active in the call'), 2),
    fetchOverheadUs: round(med('sendlens (fetch Response)') - med('uninstrumented fetch'), 3),
  };
  printTable(
    `Instrumentation overhead (${ROUNDS} rounds × ${CALLS_PER_ROUND} calls per variant, interleaved; µs per call)`,
    ['variant', 'median µs', 'p99 µs', 'mean µs', 'wall µs/call incl. deferred', 'CPU µs/call incl. deferred'],
    rows.map((r) => [r.variant, r.medianUs, r.p99Us, r.meanUs, r.wallUs, r.cpuUs]),
  );
  console.log(`median overhead: ${ratios.overheadVsUninstrumentedUs} µs over uninstrumented (×${ratios.ratioVsUninstrumented}), ${ratios.overheadVsPlainSpanUs} µs over a plain span (×${ratios.ratioVsPlainSpan}; ×${ratios.ratioVsActiveSpan} of one active in the call); fetch adapter ${ratios.fetchOverheadUs} µs`);
  return { rows, ratios };
}
