/**
 * Where an instrumented attempt's cost goes: the attempt rebuilt step by step,
 * each step adding one piece of what `SendInstrumentation.attempt` does, run
 * the way bench/instrumentation.ts runs it (rounds of 2,500 awaited calls, the
 * deferred work drained after each round, steps interleaved), reporting the
 * median per call on the send path and the CPU per call including the
 * deferred work. The difference between two steps is that piece's cost.
 * For profiling (`npx tsx bench/instrumentation-phases.ts [--als]`); the
 * numbers that count are the side-by-side ones of `npm run bench -- instrumentation`.
 */
import { SpanKind, context as otelContext, trace } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { ExportResultCode } from '@opentelemetry/core';
import { RecipientHasher, uuidv7 } from '../src/events/index.js';
import type { SendEvent } from '../src/events/index.js';
import { SendInstrumentation } from '../src/instrument/index.js';
import type { OutcomeReader } from '../src/instrument/index.js';
import { BufferedSink } from '../src/transport/index.js';
import { printTable, round, summarize } from './stats.js';

const withAls = process.argv.includes('--als');
if (withAls) otelContext.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const ROUNDS = 30;
const CALLS_PER_ROUND = 2_500;

const discard: SpanExporter = { export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }), shutdown: async () => undefined };
const tracer = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: discard, maxQueueSize: 65_536, maxExportBatchSize: 4096, scheduledDelayMillis: 200 })] }).getTracer('bench');
const sink = new BufferedSink<SendEvent>(async () => undefined, { maxBufferedItems: 100_000, maxBatchItems: 5_000, lingerMs: 50 });
const instrumentation = new SendInstrumentation({ service: 'bench', environment: 'bench', sink: { emit: (e) => sink.push(e) }, recipientHashKey: 'bench-recipient-key-0123456789', tracer });
const context = { provider: 'resend' as const, operation: 'send' as const, from: 'a@mail.acme.com', to: 'jane.doe@example.com', workspace: 'acme', url: 'https://api.resend.com/emails' };
const hasher = new RecipientHasher('bench-recipient-key-0123456789');
const startAttributes = { 'http.request.method': 'POST', 'server.address': 'api.resend.com', 'server.port': 443 };
const stubSdkSend = async () => ({ data: { id: 'msg-1' }, error: null });
const sdkReader: OutcomeReader<{ data: { id: string }; error: null }> = {
  fromResult: (result) => ({ outcome: 'sent', status: 200, providerMessageId: result.data.id }),
  fromError: () => {
    throw new Error('the stub never fails');
  },
};

/** Spans (and what else a step keeps) waiting for the end of the round, as the instrumentation's pending attempts do. */
let pending: { span: Span; at: number }[] = [];
const completeWith = (finish: (entry: { span: Span; at: number }) => void) => () => {
  const batch = pending;
  pending = [];
  for (const entry of batch) finish(entry);
};

const setCompletionAttributes = (span: Span) => {
  span.setAttribute('email.provider', 'resend');
  span.setAttribute('email.operation', 'send');
  span.setAttribute('email.attempt', 1);
  span.setAttribute('email.recipient.count', 1);
  span.setAttribute('email.workspace', 'acme');
  span.setAttribute('email.sender.domain', 'mail.acme.com');
  span.setAttribute('email.recipient.domain', 'example.com');
  span.setAttribute('http.response.status_code', 200);
  span.setAttribute('email.provider.message.id', 'msg-1');
  span.setAttribute('email.outcome', 'sent');
};

async function inSpan(): Promise<unknown> {
  const at = Date.now();
  const span = tracer.startSpan('send resend', { kind: SpanKind.CLIENT, attributes: { ...startAttributes }, startTime: at });
  const result = await otelContext.with(trace.setSpan(otelContext.active(), span), stubSdkSend);
  pending.push({ span, at });
  return result;
}

interface Step {
  name: string;
  call: () => Promise<unknown>;
  /** The deferred part, run after the round. */
  complete?: () => void;
}

const steps: Step[] = [
  { name: '0 uninstrumented', call: stubSdkSend },
  {
    name: '1 plain span (start, end at once)',
    call: async () => {
      const span = tracer.startSpan('send resend', { kind: SpanKind.CLIENT });
      const result = await stubSdkSend();
      span.end();
      return result;
    },
  },
  {
    name: '2 + 3 start attributes, startTime',
    call: async () => {
      const span = tracer.startSpan('send resend', { kind: SpanKind.CLIENT, attributes: { ...startAttributes }, startTime: Date.now() });
      const result = await stubSdkSend();
      span.end();
      return result;
    },
  },
  {
    name: '3 + active during the call (context.with)',
    call: async () => {
      const span = tracer.startSpan('send resend', { kind: SpanKind.CLIENT, attributes: { ...startAttributes }, startTime: Date.now() });
      const result = await otelContext.with(trace.setSpan(otelContext.active(), span), stubSdkSend);
      span.end();
      return result;
    },
  },
  { name: '4 + end deferred to the end of the round', call: inSpan, complete: completeWith(({ span }) => span.end()) },
  {
    name: '5 + 10 completion attributes',
    call: inSpan,
    complete: completeWith(({ span }) => {
      setCompletionAttributes(span);
      span.end();
    }),
  },
  {
    name: '6 + HMAC of the recipient',
    call: inSpan,
    complete: completeWith(({ span }) => {
      hasher.facts('jane.doe@example.com');
      setCompletionAttributes(span);
      span.end();
    }),
  },
  {
    name: '7 + UUIDv7, ISO time, event to the sink',
    call: inSpan,
    complete: completeWith(({ span, at }) => {
      const recipient = hasher.facts('jane.doe@example.com');
      setCompletionAttributes(span);
      span.end();
      sink.push({ event_id: uuidv7(at), occurred_at: new Date(at).toISOString(), recipient_hash: recipient.hash, trace_id: span.spanContext().traceId } as unknown as SendEvent);
    }),
  },
  { name: '8 SendInstrumentation.attempt', call: () => instrumentation.attempt(context, stubSdkSend, sdkReader), complete: () => instrumentation.drain() },
];

const samples = new Map<string, number[]>(steps.map((s) => [s.name, []]));
const cpu = new Map<string, number>(steps.map((s) => [s.name, 0]));
for (const step of steps) for (let i = 0; i < 5_000; i += 1) await step.call();
for (const step of steps) step.complete?.();
await sink.flush();

for (let r = 0; r < ROUNDS; r += 1) {
  for (const step of r % 2 === 0 ? steps : [...steps].reverse()) {
    const bucket = samples.get(step.name) as number[];
    const cpuStart = process.cpuUsage();
    for (let i = 0; i < CALLS_PER_ROUND; i += 1) {
      const start = process.hrtime.bigint();
      await step.call();
      bucket.push(Number(process.hrtime.bigint() - start) / 1000);
    }
    await new Promise((resolve) => setImmediate(resolve));
    step.complete?.();
    await sink.flush();
    const used = process.cpuUsage(cpuStart);
    cpu.set(step.name, (cpu.get(step.name) ?? 0) + used.user + used.system);
  }
}

printTable(
  `Instrumentation cost step by step (context manager: ${withAls ? 'AsyncLocalStorage' : 'none, the no-op'}; ${ROUNDS} rounds × ${CALLS_PER_ROUND} calls, interleaved; µs per call)`,
  ['step', 'median µs', 'CPU µs/call incl. deferred'],
  steps.map((s) => [s.name, round(summarize(samples.get(s.name) as number[]).median, 3), round((cpu.get(s.name) ?? 0) / (ROUNDS * CALLS_PER_ROUND), 3)]),
);
