import { context, propagation, trace } from '@opentelemetry/api';
import type { Tracer } from '@opentelemetry/api';
import { requireOptional } from '../optional-dependency.js';
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
  TracerProvider: new (config: { resource: unknown; spanProcessors: unknown[] }) => TracerProviderLike;
}

/** What a service without an SDK of its own installs beside sendlens for startSendlens's spans. */
export const TRACE_SDK = {
  purpose: 'the OpenTelemetry trace SDK (for startSendlens in a service without an SDK of its own)',
  packages: ['@opentelemetry/sdk-trace', '@opentelemetry/resources', '@opentelemetry/core', '@opentelemetry/context-async-hooks'],
  otherwise: 'or start your own SDK with createSendlensSpanProcessor() in it',
} as const;

export interface TracerProviderLike {
  getTracer(name: string, version?: string): Tracer;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

const load = <T>(specifier: string): T => requireOptional<T>(specifier, TRACE_SDK);

/** A trace SDK tracer provider with these processors and resource, registered nowhere. */
export function createTracerProvider(spanProcessors: readonly SendlensSpanProcessor[], resourceAttributes: Record<string, string>): TracerProviderLike {
  const { TracerProvider } = load<TraceSdk>('@opentelemetry/sdk-trace');
  const { resourceFromAttributes } = load<{ resourceFromAttributes(attributes: Record<string, string>): unknown }>('@opentelemetry/resources');
  return new TracerProvider({ resource: resourceFromAttributes(resourceAttributes), spanProcessors: [...spanProcessors] });
}

export function startOwnSdk(processor: SendlensSpanProcessor, resourceAttributes: Record<string, string>): OwnSdk {
  const provider = createTracerProvider([processor], resourceAttributes);
  const { AsyncLocalStorageContextManager } = load<{ AsyncLocalStorageContextManager: new () => { enable(): never } }>('@opentelemetry/context-async-hooks');
  const { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } = load<{
    CompositePropagator: new (config: { propagators: unknown[] }) => never;
    W3CBaggagePropagator: new () => unknown;
    W3CTraceContextPropagator: new () => unknown;
  }>('@opentelemetry/core');
  trace.setGlobalTracerProvider(provider);
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
