import protobuf from 'protobufjs';

/**
 * The OTLP trace request (`ExportTraceServiceRequest`) as protobufjs reads and writes it: the
 * contract of the `otlp_spans` topic between the span exporter (transport) and the loader
 * (ingest), byte-compatible with the OpenTelemetry Collector's `otlp_proto` encoding.
 *
 * The messages are written out from opentelemetry-proto (collector/trace/v1, trace/v1, common/v1,
 * resource/v1) with their field numbers. Enums are int32 (the same varint on the wire) so a value
 * outside the enum stays visible to the reader. Fields not listed (schema_url, dropped_*_count,
 * flags, entity_refs) are neither written nor read.
 */

const repeated = (type: string, id: number) => ({ rule: 'repeated', type, id });
const field = (type: string, id: number) => ({ type, id });

const OTLP_SCHEMA = {
  nested: {
    otlp: {
      nested: {
        ExportTraceServiceRequest: { fields: { resourceSpans: repeated('ResourceSpans', 1) } },
        ResourceSpans: { fields: { resource: field('Resource', 1), scopeSpans: repeated('ScopeSpans', 2) } },
        Resource: { fields: { attributes: repeated('KeyValue', 1) } },
        ScopeSpans: { fields: { scope: field('InstrumentationScope', 1), spans: repeated('Span', 2) } },
        InstrumentationScope: { fields: { name: field('string', 1), version: field('string', 2) } },
        Span: {
          fields: {
            traceId: field('bytes', 1),
            spanId: field('bytes', 2),
            traceState: field('string', 3),
            parentSpanId: field('bytes', 4),
            name: field('string', 5),
            kind: field('int32', 6),
            startTimeUnixNano: field('fixed64', 7),
            endTimeUnixNano: field('fixed64', 8),
            attributes: repeated('KeyValue', 9),
            events: repeated('Event', 11),
            links: repeated('Link', 13),
            status: field('Status', 15),
          },
        },
        Event: { fields: { timeUnixNano: field('fixed64', 1), name: field('string', 2), attributes: repeated('KeyValue', 3) } },
        Link: {
          fields: { traceId: field('bytes', 1), spanId: field('bytes', 2), traceState: field('string', 3), attributes: repeated('KeyValue', 4) },
        },
        Status: { fields: { message: field('string', 2), code: field('int32', 3) } },
        KeyValue: { fields: { key: field('string', 1), value: field('AnyValue', 2) } },
        AnyValue: {
          oneofs: { value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] } },
          fields: {
            stringValue: field('string', 1),
            boolValue: field('bool', 2),
            intValue: field('int64', 3),
            doubleValue: field('double', 4),
            arrayValue: field('ArrayValue', 5),
            kvlistValue: field('KeyValueList', 6),
            bytesValue: field('bytes', 7),
          },
        },
        ArrayValue: { fields: { values: repeated('AnyValue', 1) } },
        KeyValueList: { fields: { values: repeated('KeyValue', 1) } },
      },
    },
  },
};


/** One `ExportTraceServiceRequest`: `encode(fromObject(…))` to write, `decode(bytes)` to read. */
export const OTLP_TRACE_REQUEST = protobuf.Root.fromJSON(OTLP_SCHEMA).lookupType('otlp.ExportTraceServiceRequest');
