import type { ExportableSpan } from './otlp-encode.js';
import { ExportResultCode } from './span-exporter.js';
import type { SpanExporterLike } from './span-exporter.js';

/**
 * A span processor a host adds to its own OpenTelemetry SDK so that the send-path spans also reach
 * `otlp_spans`, while the host's exporter keeps receiving every span as before.
 *
 * Why not the SDK's BatchSpanProcessor: a host that brings its own SDK must not get a second SDK
 * loaded by sendlens (two copies disagree on classes and globals), so this is the batching such a
 * processor needs and nothing more, written against the SpanProcessor interface's shape. It keeps
 * only sampled spans that `accept` takes (by default sendlens's own: instrumentation scope
 * `sendlens`), in a bounded queue that drops the oldest when full, exported in batches by one
 * delivery at a time, every `scheduledDelayMillis` or as soon as a batch is full.
 */

/** The instrumentation scope of the spans `SendInstrumentation` makes. */
export const SEND_PATH_SCOPE = 'sendlens';

export interface SendlensSpanProcessorOptions {
  /** Spans held for export at most; the oldest is dropped past it. Default 4,096. */
  maxQueueSize?: number;
  /** Spans in one export at most. Default 512. */
  maxExportBatchSize?: number;
  /** How long a span may wait for a full batch. Default 1,000 ms. */
  scheduledDelayMillis?: number;
  /** Which finished spans to export; default: the send path's (scope `sendlens`). */
  accept?: (span: ExportableSpan) => boolean;
}

export interface SpanProcessorStats {
  exported: number;
  failed: number;
  dropped: number;
  queued: number;
}

const SAMPLED = 0x1;
export const isSendPathSpan = (span: ExportableSpan): boolean => span.instrumentationScope.name === SEND_PATH_SCOPE;

export class SendlensSpanProcessor {
  readonly #exporter: SpanExporterLike;
  readonly #maxQueue: number;
  readonly #maxBatch: number;
  readonly #delayMs: number;
  readonly #accept: (span: ExportableSpan) => boolean;
  #queue: ExportableSpan[] = [];
  #timer: NodeJS.Timeout | undefined;
  #exporting: Promise<void> | undefined;
  #shutdown = false;
  readonly stats: SpanProcessorStats = { exported: 0, failed: 0, dropped: 0, queued: 0 };

  constructor(exporter: SpanExporterLike, options: SendlensSpanProcessorOptions = {}) {
    this.#exporter = exporter;
    this.#maxQueue = options.maxQueueSize ?? 4096;
    this.#maxBatch = Math.min(options.maxExportBatchSize ?? 512, this.#maxQueue);
    this.#delayMs = options.scheduledDelayMillis ?? 1000;
    this.#accept = options.accept ?? isSendPathSpan;
  }

  onStart(): void {
    // Nothing to do when a span starts: only finished spans are exported.
  }

  onEnd(span: ExportableSpan): void {
    if (this.#shutdown) return;
    const flags = (span.spanContext() as { traceFlags?: number }).traceFlags ?? SAMPLED;
    if ((flags & SAMPLED) === 0 || !this.#accept(span)) return;
    if (this.#queue.length >= this.#maxQueue) {
      this.#queue.shift();
      this.stats.dropped++;
    }
    this.#queue.push(span);
    this.stats.queued = this.#queue.length;
    if (this.#queue.length >= this.#maxBatch) this.#drainSoon(0);
    else this.#drainSoon(this.#delayMs);
  }

  /** Exports everything queued so far; resolves when the deliveries are done (or failed). */
  async forceFlush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#exporting || this.#queue.length > 0) {
      if (this.#exporting) await this.#exporting;
      else this.#exporting = this.#exportBatch();
    }
    await this.#exporter.forceFlush?.();
  }

  async shutdown(): Promise<void> {
    if (this.#shutdown) return;
    await this.forceFlush();
    this.#shutdown = true;
    await this.#exporter.shutdown();
  }

  #drainSoon(delayMs: number): void {
    if (this.#exporting) return; // the running export drains again when it ends
    if (this.#timer && delayMs > 0) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#exporting) this.#exporting = this.#exportBatch();
    }, delayMs);
    this.#timer.unref();
  }

  async #exportBatch(): Promise<void> {
    const batch = this.#queue.splice(0, this.#maxBatch);
    this.stats.queued = this.#queue.length;
    if (batch.length > 0) {
      await new Promise<void>((resolve) => {
        try {
          this.#exporter.export(batch, (result) => {
            if (result.code === ExportResultCode.SUCCESS) this.stats.exported += batch.length;
            else this.stats.failed += batch.length;
            resolve();
          });
        } catch {
          this.stats.failed += batch.length;
          resolve();
        }
      });
    }
    this.#exporting = undefined;
    if (this.#queue.length > 0 && !this.#shutdown) this.#drainSoon(this.#queue.length >= this.#maxBatch ? 0 : this.#delayMs);
  }
}
