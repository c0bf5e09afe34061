import { decodeTraceRequest, OtlpDecodeError, OTEL_TRACES_TABLE, rowToJson } from './otlp-traces.js';
import { cutWhileDecompressing, deadLetter } from './dead-letter.js';
import type { Decoded, Row, SourceMessage } from './types.js';

/**
 * Decodes a message of the spans topic (`otlp_spans`): one OTLP protobuf
 * ExportTraceServiceRequest, as KafkaSpanExporter and the Collector's Kafka
 * exporter write it. Every span becomes a row of `otel_traces`; `line` is the
 * span's place in the request, so a row the engine refuses is dead-lettered
 * as that span alone.
 *
 * A message that is not a request (or breaks a limit) is refused whole: its
 * spans cannot be told apart, so it goes to the dead letters as one unit.
 */
export function decodeSpans(message: SourceMessage): Decoded {
  const cut = cutWhileDecompressing(message);
  if (cut) return cut;
  if (message.value === null || message.value.length === 0) {
    // An empty protobuf message is a valid, empty request: nothing to load, nothing lost.
    return { rows: new Map(), deadLetters: [], judged: 0, invalid: 0 };
  }
  try {
    const spans = decodeTraceRequest(message.value);
    const rows: Row[] = spans.map((span, index) => ({ text: rowToJson(span), offset: message.offset, line: index }));
    return { rows: new Map([[OTEL_TRACES_TABLE, rows]]), deadLetters: [], judged: rows.length, invalid: 0 };
  } catch (error) {
    if (!(error instanceof OtlpDecodeError)) throw error;
    const reason = error.message;
    return {
      rows: new Map(),
      deadLetters: [deadLetter(message, reason, null, message.value)],
      judged: 1,
      invalid: 1,
    };
  }
}
