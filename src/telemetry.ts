import { NodeSDK } from '@opentelemetry/sdk-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import { trace } from '@opentelemetry/api';
import { SendInstrumentation, INSTRUMENTATION_NAME } from './instrument/index.js';
import type { SendEventSink } from './instrument/index.js';
import { KafkaEventSink, KafkaSpanExporter, SharedProducer, describeKafka, kafkaSettingsFromEnv } from './transport/index.js';
import type { Compression, KafkaSettings, SinkLimits } from './transport/index.js';

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
  compression?: Compression;
  /** Register the OpenTelemetry NodeSDK with spans going to Kafka (default true when Kafka is configured). */
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
}

/**
 * One call that wires the send-path instrumentation: events into Kafka
 * (`email.send.events`), spans into Kafka as OTLP (`otlp_spans`) through the
 * OpenTelemetry NodeSDK, and the instrumentation that feeds both.
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

  let sdk: NodeSDK | undefined;
  let spanProcessor: BatchSpanProcessor | undefined;
  if (kafka && producer && options.registerTracing !== false) {
    spanProcessor = new BatchSpanProcessor({ exporter: new KafkaSpanExporter(producer, kafka.spansTopic), maxQueueSize: 4096, maxExportBatchSize: 512, scheduledDelayMillis: 1000 });
    sdk = new NodeSDK({
      resource: resourceFromAttributes({ 'service.name': options.service, ...(options.environment && { 'deployment.environment.name': options.environment }) }),
      spanProcessors: [spanProcessor],
      instrumentations: [],
    });
    sdk.start();
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
    const [events] = await Promise.all([kafkaSink ? kafkaSink.flush(timeoutMs) : true, spanProcessor?.forceFlush()]);
    return events;
  };

  return {
    instrumentation,
    eventSink,
    flush,
    async shutdown(timeoutMs = 10_000) {
      await kafkaSink?.close(timeoutMs);
      await sdk?.shutdown().catch(() => undefined);
      await producer?.disconnect();
    },
  };
}
