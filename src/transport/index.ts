/**
 * transport: gets events and spans off the send path and into Kafka, with a
 * bounded buffer that never blocks or fails a send.
 */
export { BufferedSink, DEFAULT_SINK_LIMITS } from './buffered-sink.js';
export type { SinkLimits, SinkStats, SinkHooks, SinkPolicy } from './buffered-sink.js';
export { KafkaEventSink, partitionKey, packByKey, isPermanentKafkaError, isTooLargeKafkaError, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_COMPRESSED_BATCH_BYTES } from './event-sink.js';
export type { KafkaEventSinkOptions } from './event-sink.js';
export { KafkaSpanExporter, OtlpProtobufSpanExporter, ExportResultCode } from './span-exporter.js';
export type { ExportResult, SpanExporterLike } from './span-exporter.js';
export { SendlensSpanProcessor, isSendPathSpan, SEND_PATH_SCOPE } from './span-processor.js';
export type { SendlensSpanProcessorOptions, SpanProcessorStats } from './span-processor.js';
export { encodeTraceRequest } from './otlp-encode.js';
export type { ExportableSpan } from './otlp-encode.js';
export { SharedProducer } from './producer.js';
export { GZIP_LEVEL, ZSTD_LEVEL, codecInstalled } from './gzip-codec.js';
export { KafkaHandoff } from './handoff.js';
export type { Compression } from './producer.js';
export { kafkaSettingsFromEnv, kafkaClientConfig, describeKafka, DEFAULT_EVENTS_TOPIC, DEFAULT_SPANS_TOPIC, DEFAULT_DELIVERY_TOPIC, DEFAULT_COMPRESSION } from './config.js';
export type { KafkaSettings } from './config.js';
