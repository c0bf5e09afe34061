import { KafkaSpanExporter, SendlensSpanProcessor, SharedProducer, kafkaSettingsFromEnv } from '../transport/index.js';
import type { KafkaSettings, SendlensSpanProcessorOptions } from '../transport/index.js';

export interface HostSpanProcessorOptions extends SendlensSpanProcessorOptions {
  /** Where to produce; default from `KAFKA_BROKERS` and friends. */
  kafka?: KafkaSettings;
  log?: (level: string, message: string) => void;
}

/**
 * The piece a host with its own OpenTelemetry SDK adds to it, so the send-path spans also reach
 * `otlp_spans` (the host's own exporters still get every span):
 *
 *   new NodeSDK({ spanProcessors: [yourProcessor, createSendlensSpanProcessor()] }).start();
 *
 * Connects to Kafka on the first export, not here; its shutdown (the host SDK's) disconnects.
 */
export function createSendlensSpanProcessor(options: HostSpanProcessorOptions = {}): SendlensSpanProcessor {
  const kafka = options.kafka ?? kafkaSettingsFromEnv();
  if (!kafka) throw new Error('createSendlensSpanProcessor needs Kafka: set KAFKA_BROKERS, or pass kafka');
  const producer = new SharedProducer(kafka, options.log);
  const exporter = new KafkaSpanExporter(producer, kafka.spansTopic);
  const shutdownExporter = exporter.shutdown.bind(exporter);
  exporter.shutdown = async () => {
    await shutdownExporter();
    await producer.disconnect();
  };
  return new SendlensSpanProcessor(exporter, options);
}
