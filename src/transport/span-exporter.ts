import { encodeTraceRequest } from './otlp-encode.js';
import type { ExportableSpan } from './otlp-encode.js';
import type { SharedProducer } from './producer.js';

/** The SDK's `ExportResultCode`, by value: an exporter needs no SDK package to answer it. */
export const ExportResultCode = { SUCCESS: 0, FAILED: 1 } as const;
export interface ExportResult {
  code: (typeof ExportResultCode)[keyof typeof ExportResultCode];
  error?: Error;
}

/** An OpenTelemetry `SpanExporter`, structurally: any SDK's span processors accept it. */
export interface SpanExporterLike {
  export(spans: ExportableSpan[], resultCallback: (result: ExportResult) => void): void;
  forceFlush?(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Spans as OTLP protobuf, one `ExportTraceServiceRequest` per delivery, to
 * wherever `deliver` puts them. Buffering and dropping are the span
 * processor's job (a BatchSpanProcessor has a bounded queue); this only
 * serializes, delivers and reports.
 */
export class OtlpProtobufSpanExporter implements SpanExporterLike {
  readonly #deliver: (request: Buffer) => Promise<void>;
  #pending = new Set<Promise<void>>();
  #shutdown = false;
  exported = 0;
  failed = 0;

  constructor(deliver: (request: Buffer) => Promise<void>) {
    this.#deliver = deliver;
  }

  export(spans: ExportableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.#shutdown) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('exporter is shut down') });
      return;
    }
    let bytes: Uint8Array;
    try {
      bytes = encodeTraceRequest(spans);
    } catch (error) {
      resultCallback({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
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
