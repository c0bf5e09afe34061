// A service that starts its own OpenTelemetry SDK (NodeSDK, an in-memory exporter of its own) and
// adds sendlens's processor to it; then startSendlens. Records which module asked for the trace
// SDK, to show sendlens itself never loads one when the host has its own.
import { registerHooks } from 'node:module';

const sdkLoadsBySendlens = [];
registerHooks({
  resolve(specifier, context, nextResolve) {
    if (/^@opentelemetry\/(sdk-trace|sdk-node|resources|context-async-hooks)$/.test(specifier) && context.parentURL?.includes('/node_modules/sendlens/')) {
      sdkLoadsBySendlens.push(specifier);
    }
    return nextResolve(specifier, context);
  },
});

const { NodeSDK } = await import('@opentelemetry/sdk-node');
const { InMemorySpanExporter, SimpleSpanProcessor } = await import('@opentelemetry/sdk-trace');
const { startSendlens, createSendlensSpanProcessor } = await import('sendlens');
const { sendOnce } = await import('./send.mjs');

const memory = new InMemorySpanExporter();
const sdk = new NodeSDK({ serviceName: 'host-service', spanProcessors: [new SimpleSpanProcessor({ exporter: memory }), createSendlensSpanProcessor()], instrumentations: [] });
sdk.start();
const logs = [];
const sendlens = startSendlens({ service: 'host-service', log: (level, message) => logs.push(`${level} ${message}`) });
const parent = await sendOnce(sendlens.instrumentation);
await sendlens.shutdown();
// Read before the host's shutdown: an in-memory exporter forgets its spans when shut down.
const finished = memory.getFinishedSpans();
await sdk.shutdown();
const spans = finished.map((span) => ({
  name: span.name,
  scope: span.instrumentationScope.name,
  traceId: span.spanContext().traceId,
  spanId: span.spanContext().spanId,
  parentSpanId: span.parentSpanContext?.spanId ?? null,
}));
console.log(JSON.stringify({ tracing: sendlens.tracing, logs, parent, spans, sdkLoadsBySendlens }));
