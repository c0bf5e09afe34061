// ESM import of the installed package: the library surface is there, and importing does nothing.
import { trace } from '@opentelemetry/api';
import * as sendlens from 'sendlens';

const names = ['instrumentFetch', 'startSendlens', 'createSendlensSpanProcessor', 'SendInstrumentation', 'normalizeResponse', 'KafkaEventSink'];
console.log(JSON.stringify({
  missing: names.filter((name) => typeof sendlens[name] !== 'function'),
  // Nothing registered at import: the API still hands out its placeholder.
  providerRegistered: trace.getTracerProvider().getDelegateTracer('probe') !== undefined,
  // What would keep a process alive or reach out: sockets and timers (stdio pipes are the test's own).
  handles: process.getActiveResourcesInfo().filter((kind) => kind !== 'TTYWrap' && kind !== 'PipeWrap'),
}));
