import { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { SendEvent } from '../../src/events/index.js';
import type { SendEventSink } from '../../src/instrument/index.js';

/** A real OTel SDK tracer whose finished spans a test can read. */
export function memoryTracing(): { tracer: ReturnType<TracerProvider['getTracer']>; spans: () => ReadableSpan[] } {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  return { tracer: provider.getTracer('sendlens-test'), spans: () => exporter.getFinishedSpans() };
}

/** A sink that keeps events in an array. */
export class MemorySink implements SendEventSink {
  readonly events: SendEvent[] = [];
  emit(event: SendEvent): void {
    this.events.push(event);
  }
}

/** Polls until `check` returns true (events from fetch are emitted after the body clone is read). */
export async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
