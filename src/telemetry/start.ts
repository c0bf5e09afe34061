import { trace } from '@opentelemetry/api';
import type { ProxyTracerProvider } from '@opentelemetry/api';
import { SendInstrumentation, INSTRUMENTATION_NAME } from '../instrument/index.js';
import type { SendEventSink } from '../instrument/index.js';
import { KafkaEventSink, KafkaSpanExporter, SendlensSpanProcessor, SharedProducer, describeKafka, kafkaSettingsFromEnv } from '../transport/index.js';
import type { Compression, KafkaSettings, SinkLimits } from '../transport/index.js';
import { startOwnSdk } from './own-sdk.js';
import type { OwnSdk } from './own-sdk.js';

export interface SendlensOptions {
  /** The sending service (OTel `service.name`). */
  service: string;
  environment?: string;
  /** HMAC key for recipient hashes; default `SENDLENS_RECIPIENT_KEY`. Required. */
  recipientHashKey?: string;
  /** Where to produce; default from `KAFKA_BROKERS` and friends. */
  kafka?: KafkaSettings | null;
  /** Use this sink for events instead of Kafka (single-process mode, tests). */
  sink?: SendEventSink;
  sinkLimits?: Partial<SinkLimits>;
  /** How events are compressed on Kafka; default the settings' (`SENDLENS_KAFKA_COMPRESSION`), else zstd. */
  compression?: Compression;
  /**
   * Without a tracer provider of the host's: start and register one, with spans going to Kafka
   * (default true when Kafka is configured). With one, nothing is registered either way.
   */
  registerTracing?: boolean;
  log?: (level: string, message: string) => void;
}

export interface Sendlens {
  instrumentation: SendInstrumentation;
  eventSink: SendEventSink;
  /** Waits until buffered events and spans are handed to Kafka; false on timeout. */
  flush(timeoutMs?: number): Promise<boolean>;
  /** Flushes, then stops the SDK and disconnects. */
  shutdown(timeoutMs?: number): Promise<void>;
  /**
   * Whose tracer provider the send spans go to: `host` (one was registered before startSendlens;
   * add `createSendlensSpanProcessor()` to it for spans on otlp_spans), `sendlens` (started here,
   * spans to otlp_spans), or `none` (no provider: spans are not recorded).
   */
  tracing: 'host' | 'sendlens' | 'none';
}

/**
 * Whether a tracer provider is registered (the host started its own OpenTelemetry SDK). The API
 * always hands out its proxy provider; one is registered when the proxy has a delegate to make
 * tracers with. Read by shape, not class: a host's API instance (its CommonJS copy, say) shares the
 * global registration but not our copy's classes.
 */
export function hostTracerProviderRegistered(): boolean {
  const provider = trace.getTracerProvider() as Partial<Pick<ProxyTracerProvider, 'getDelegateTracer'>>;
  if (typeof provider.getDelegateTracer !== 'function') return true;
  return provider.getDelegateTracer(INSTRUMENTATION_NAME) !== undefined;
}

/**
 * One call that wires the send-path instrumentation: events into Kafka
 * (`email.send.events`), spans into Kafka as OTLP (`otlp_spans`), and the
 * instrumentation that feeds both.
 *
 * A good citizen inside the host's OpenTelemetry: when the host has registered a tracer provider,
 * startSendlens registers nothing, makes its spans with the host's provider (so they join the
 * host's traces) and says so once in its log; the host adds `createSendlensSpanProcessor()` to its
 * SDK for the spans to reach otlp_spans too. Only without one does it start a trace SDK of its own.
 */
export function startSendlens(options: SendlensOptions): Sendlens {
  const key = options.recipientHashKey ?? process.env.SENDLENS_RECIPIENT_KEY;
  if (!key) throw new Error('sendlens needs a recipient hash key: pass recipientHashKey or set SENDLENS_RECIPIENT_KEY (at least 16 bytes)');
  const log = options.log ?? (() => undefined);
  const kafka = options.kafka === undefined ? kafkaSettingsFromEnv() : options.kafka;
  if (!kafka && !options.sink) throw new Error('sendlens needs somewhere to send events: set KAFKA_BROKERS, or pass a sink');

  const producer = kafka ? new SharedProducer(kafka, log) : undefined;
  const kafkaSink = kafka && producer && !options.sink
    ? new KafkaEventSink({ producer, topic: kafka.eventsTopic, ...(options.sinkLimits && { limits: options.sinkLimits }), ...(options.compression && { compression: options.compression }) })
    : undefined;
  const eventSink: SendEventSink = options.sink ?? (kafkaSink as SendEventSink);

  let ownSdk: OwnSdk | undefined;
  let tracing: Sendlens['tracing'] = 'none';
  if (hostTracerProviderRegistered()) {
    tracing = 'host';
    log('info', "sendlens: using the host's OpenTelemetry tracer provider (nothing registered); add createSendlensSpanProcessor() to it for send spans on otlp_spans");
  } else if (kafka && producer && options.registerTracing !== false) {
    const processor = new SendlensSpanProcessor(new KafkaSpanExporter(producer, kafka.spansTopic));
    ownSdk = startOwnSdk(processor, { 'service.name': options.service, ...(options.environment && { 'deployment.environment.name': options.environment }) });
    tracing = 'sendlens';
    log('info', `sendlens: events and spans to ${describeKafka(kafka)}`);
  }

  const instrumentation = new SendInstrumentation({
    service: options.service,
    ...(options.environment !== undefined && { environment: options.environment }),
    sink: eventSink,
    recipientHashKey: key,
    tracer: trace.getTracer(INSTRUMENTATION_NAME),
    onInternalError: (error) => log('warn', `sendlens: instrumentation error ignored: ${error instanceof Error ? error.message : String(error)}`),
  });

  const flush = async (timeoutMs = 10_000): Promise<boolean> => {
    // Finished attempts complete (event built, span ended) a turn later, some after their body is read.
    await instrumentation.settle();
    const [events] = await Promise.all([kafkaSink ? kafkaSink.flush(timeoutMs) : true, ownSdk?.forceFlush()]);
    return events;
  };

  return {
    instrumentation,
    eventSink,
    tracing,
    flush,
    async shutdown(timeoutMs = 10_000) {
      await instrumentation.settle();
      await kafkaSink?.close(timeoutMs);
      await ownSdk?.shutdown();
      await producer?.disconnect();
    },
  };
}
