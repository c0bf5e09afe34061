import { createRequire } from 'node:module';
import { context, propagation, trace } from '@opentelemetry/api';
import type { SendlensSpanProcessor } from '../transport/index.js';

/**
 * The OpenTelemetry SDK sendlens starts for a service that has none of its own: a tracer provider
 * with sendlens's span processor, AsyncLocalStorage context and W3C propagation, registered as the
 * globals. Only the trace SDK, not NodeSDK (which brings every exporter, 41 MB installed).
 *
 * The SDK packages are loaded with `require` when startOwnSdk runs, never at import: a host that
 * brings its own SDK never loads them, and startSendlens stays synchronous.
 */
export interface OwnSdk {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

interface TraceSdk {
  TracerProvider: new (config: { resource: unknown; spanProcessors: unknown[] }) => { shutdown(): Promise<void> };
}

export function startOwnSdk(processor: SendlensSpanProcessor, resourceAttributes: Record<string, string>): OwnSdk {
  const require = createRequire(import.meta.url);
  const { TracerProvider } = require('@opentelemetry/sdk-trace') as TraceSdk;
  const { resourceFromAttributes } = require('@opentelemetry/resources') as { resourceFromAttributes(attributes: Record<string, string>): unknown };
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks') as { AsyncLocalStorageContextManager: new () => { enable(): never } };
  const { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } = require('@opentelemetry/core') as {
    CompositePropagator: new (config: { propagators: unknown[] }) => never;
    W3CBaggagePropagator: new () => unknown;
    W3CTraceContextPropagator: new () => unknown;
  };
  const provider = new TracerProvider({ resource: resourceFromAttributes(resourceAttributes), spanProcessors: [processor] });
  trace.setGlobalTracerProvider(provider as never);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  return {
    forceFlush: () => processor.forceFlush(),
    async shutdown() {
      await provider.shutdown().catch(() => undefined);
      // Unregister what we registered, so a later start (or the host's) can register again.
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
