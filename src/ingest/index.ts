/**
 * ingest: loads events (and spans) into ClickHouse as a chain of steps
 * (steps/): decode → batch → write → dead letters → commit, one chain per
 * partition (loader.ts), with the replay protocol in replay.ts. `KafkaIngest`
 * feeds chains from a consumer group; the in-memory source (memory-source.ts)
 * feeds one from this process, behind the in-process wrappers.
 */
export { decodeSendEvents, decodeDeliveryEvents, jsonLinesDecoder, COMPACT_INSERT_COLUMNS, SEND_EVENTS_TABLE, DELIVERY_EVENTS_TABLE, MAX_MESSAGE_BYTES, MAX_EVENT_LINE_BYTES } from './decode.js';
export { decodeSpans } from './decode-spans.js';
export { decodeTraceRequest, OtlpDecodeError, OTEL_TRACES_TABLE, OTEL_TRACES_INSERT_COLUMNS, MAX_SPANS_PER_MESSAGE, MAX_TRACE_MESSAGE_BYTES, rowToJson, toJsonEachRow } from './otlp-traces.js';
export type { OtelTraceRow, DecodeTraceOptions } from './otlp-traces.js';
export { PartitionBatch, DEFAULT_BATCH_LIMITS, BEHIND_WAIT_FACTOR } from './batch.js';
export type { BatchLimits } from './batch.js';
export { BatchWriter, isDataError, clickhouseErrorCode, insertBody } from './write.js';
export type { WriterOptions } from './write.js';
export { BATCH_LOG_TABLE, ReplayCursor, batchToken } from './replay.js';
export type { ReplayBoundary } from './replay.js';
export { PartitionLoader, MAX_WRITES_IN_FLIGHT } from './loader.js';
export { DecodeStep, BatchStep, WriteStep, DeadLetterStep, CommitStep, FIRST_BATCH_ROWS } from './steps/index.js';
export type { Step, DecodedMessage, WrittenBatch, CommittedBatch } from './steps/index.js';
export { MemorySource } from './memory-source.js';
export type { MemorySourceOptions } from './memory-source.js';
export type { DeadLetterSink, Commit, PartitionLoaderOptions, LoaderStats } from './loader.js';
export { InvalidRatioGuard, InvalidRatioExceeded } from './guard.js';
export { KafkaIngest, DEFAULT_GROUP_ID, DEFAULT_DEAD_LETTER_TOPIC, DEFAULT_MAX_INVALID_RATIO } from './kafka-ingest.js';
export type { IngestOptions, Log } from './kafka-ingest.js';
export type { SourceMessage, DeadLetter, Decoded, Row, TableRows } from './types.js';
export { InProcessPipeline, InProcessHandoff, InProcessSpanExporter, FileDeadLetters } from './in-process.js';
export type { InProcessOptions, InProcessHandoffOptions } from './in-process.js';
export { DEAD_LETTER_MAX_ORIGINAL_BYTES, DEAD_LETTER_HEAD_BYTES, deadLetterRecord, KafkaDeadLetters } from './dead-letter.js';
export { decompressBounded, cutRecordInfo, installBoundedGzip, installBoundedZstd, MAX_DECOMPRESSED_RECORD_BYTES, MAX_DECOMPRESSED_BATCH_BYTES, DEFAULT_DECOMPRESS_LIMITS } from './bounded-gzip.js';
export type { DecompressLimits } from './bounded-gzip.js';
