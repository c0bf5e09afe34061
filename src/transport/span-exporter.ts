import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { SharedProducer } from './producer.js';

/**
 * Spans as OTLP protobuf, one `ExportTraceServiceRequest` per delivery, to
 * wherever `deliver` puts them. Buffering and dropping are the span
 * processor's job (a BatchSpanProcessor has a bounded queue); this only
 * serializes, delivers and reports.
 */
export class OtlpProtobufSpanExporter implements SpanExporter {
  readonly #deliver: (request: Buffer) => Promise<void>;
  #pending = new Set<Promise<void>>();
  #shutdown = false;
  exported = 0;
  failed = 0;

  constructor(deliver: (request: Buffer) => Promise<void>) {
    this.#deliver = deliver;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.#shutdown) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('exporter is shut down') });
      return;
    }
    let bytes: Uint8Array | undefined;
    try {
      bytes = ProtobufTraceSerializer.serializeRequest(spans);
    } catch (error) {
      resultCallback({ code: ExportResultCode.FAILED, error: error as Error });
      return;
    }
    if (!bytes) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('spans could not be serialized') });
      return;
    }
    const delivering = this.#deliver(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).then(
      () => {
        this.exported += spans.length;
        resultCallback({ code: ExportResultCode.SUCCESS });
      },
      (error: unknown) => {
        this.failed += spans.length;
        resultCallback({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
      },
    );
    this.#pending.add(delivering);
    void delivering.finally(() => this.#pending.delete(delivering));
  }

  async forceFlush(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }

  async shutdown(): Promise<void> {
    this.#shutdown = true;
    await this.forceFlush();
  }
}

/**
 * Spans onto Kafka as OTLP protobuf, one `ExportTraceServiceRequest` per
 * message: the encoding (`otlp_proto`) and topic (`otlp_spans`) the
 * OpenTelemetry Collector's Kafka receiver reads by default, so a collector
 * can consume the same topic.
 */
export class KafkaSpanExporter extends OtlpProtobufSpanExporter {
  constructor(producer: SharedProducer, topic: string) {
    super((value) => producer.send(topic, [{ value }], 'none'));
  }
}
