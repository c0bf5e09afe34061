import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import type { HrTime } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_SPANS_PER_MESSAGE,
  OTEL_TRACES_INSERT_COLUMNS,
  OtlpDecodeError,
  decodeTraceRequest,
  toJsonEachRow,
} from '../../src/ingest/otlp-traces.js';
import type { OtelTraceRow } from '../../src/ingest/otlp-traces.js';
import { MIGRATIONS_DIR, createStoreClient, loadMigrations, migrate, renderStatements } from '../../src/store/index.js';
import type { MigrationSettings } from '../../src/store/index.js';

const MIGRATION_FILE = join(MIGRATIONS_DIR, '0003_otel_traces.sql');
const SETTINGS: MigrationSettings = { database: 'default', retentionDays: 90, rollupRetentionDays: 400 };

/**
 * The exporter's otel_traces columns (traces_table.sql at 2bf6b9e1f8c8716ab54eaac1635e56b4d0649900),
 * in order, as ClickHouse lists them: name, type, ALIAS or not, codec.
 */
const EXPORTER_OTEL_TRACES_COLUMNS: [string, string, string, string][] = [
  ['Timestamp', 'DateTime64(9)', '', 'CODEC(Delta(8), ZSTD(1))'],
  ['TraceId', 'String', '', 'CODEC(ZSTD(1))'],
  ['SpanId', 'String', '', 'CODEC(ZSTD(1))'],
  ['ParentSpanId', 'String', '', 'CODEC(ZSTD(1))'],
  ['TraceState', 'String', '', 'CODEC(ZSTD(1))'],
  ['SpanName', 'LowCardinality(String)', '', 'CODEC(ZSTD(1))'],
  ['SpanKind', 'LowCardinality(String)', '', 'CODEC(ZSTD(1))'],
  ['ServiceName', 'LowCardinality(String)', '', 'CODEC(ZSTD(1))'],
  ['ResourceAttributes', 'Map(LowCardinality(String), String)', '', 'CODEC(ZSTD(1))'],
  ['ScopeName', 'String', '', 'CODEC(ZSTD(1))'],
  ['ScopeVersion', 'String', '', 'CODEC(ZSTD(1))'],
  ['SpanAttributes', 'Map(LowCardinality(String), String)', '', 'CODEC(ZSTD(1))'],
  ['Duration', 'UInt64', '', 'CODEC(T64, ZSTD(1))'],
  ['StatusCode', 'LowCardinality(String)', '', 'CODEC(ZSTD(1))'],
  ['StatusMessage', 'String', '', 'CODEC(ZSTD(1))'],
  ['Events.Timestamp', 'Array(DateTime64(9))', '', 'CODEC(ZSTD(1))'],
  ['Events.Name', 'Array(LowCardinality(String))', '', 'CODEC(ZSTD(1))'],
  ['Events.Attributes', 'Array(Map(LowCardinality(String), String))', '', 'CODEC(ZSTD(1))'],
  ['Links.TraceId', 'Array(String)', '', 'CODEC(ZSTD(1))'],
  ['Links.SpanId', 'Array(String)', '', 'CODEC(ZSTD(1))'],
  ['Links.TraceState', 'Array(String)', '', 'CODEC(ZSTD(1))'],
  ['Links.Attributes', 'Array(Map(LowCardinality(String), String))', '', 'CODEC(ZSTD(1))'],
  ['ResourceAttributeItems', 'Array(String)', 'ALIAS', ''],
  ['SpanAttributeItems', 'Array(String)', 'ALIAS', ''],
];

/** The exporter's lookup table columns (traces_id_ts_lookup_table.sql at 1b08503058e58c68b9175b4d0663d0aaf16b5398). */
const EXPORTER_TRACE_ID_TS_COLUMNS: [string, string, string, string][] = [
  ['TraceId', 'String', '', 'CODEC(ZSTD(1))'],
  ['Start', 'SimpleAggregateFunction(min, DateTime)', '', 'CODEC(ZSTD(1))'],
  ['End', 'SimpleAggregateFunction(max, DateTime)', '', 'CODEC(ZSTD(1))'],
];

// ---------------------------------------------------------------------------
// Spans from the real SDK.

const REMOTE_TRACE_ID = '5b8efff798038103d269b633813fc60c';
const REMOTE_SPAN_ID = 'eee19b7ec3c1b174';
const LINKED_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const LINKED_SPAN_ID = 'b7ad6b7169203331';

function nanos(time: HrTime): bigint {
  return BigInt(time[0]) * 1_000_000_000n + BigInt(time[1]);
}

/** `SSSSSSSSSS.nnnnnnnnn` for an HrTime, as the decoder writes DateTime64(9). */
function dateTime64(time: HrTime): string {
  return `${String(time[0]).padStart(10, '0')}.${String(time[1]).padStart(9, '0')}`;
}

interface SdkSpans {
  spans: ReadableSpan[];
  base: number;
  times: { clientStart: HrTime; clientEnd: HrTime; event: HrTime; internalStart: HrTime; internalEnd: HrTime };
}

/** A CLIENT span (with attributes of several types, an event, a link, an error) and an INTERNAL sibling, an hour ago. */
function sdkSpans(): SdkSpans {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'sendlens-test', 'service.version': '1.2.3', 'host.cpus': 8 }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('sendlens-otlp-test', '0.1.0');
  const base = Math.floor(Date.now() / 1000) - 3600;
  const times = {
    clientStart: [base, 123_456_789] as HrTime,
    clientEnd: [base + 1, 23_456_789] as HrTime,
    event: [base, 500_000_001] as HrTime,
    internalStart: [base + 2, 999_999_999] as HrTime,
    internalEnd: [base + 3, 0] as HrTime,
  };
  // A remote parent (as from a traceparent header), so the ids are known here.
  const parent = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: REMOTE_TRACE_ID,
    spanId: REMOTE_SPAN_ID,
    traceFlags: TraceFlags.SAMPLED,
    traceState: new TraceState('sendlens=abc,vendor=1'),
    isRemote: true,
  });
  const client = tracer.startSpan(
    'POST /emails',
    {
      kind: SpanKind.CLIENT,
      startTime: times.clientStart,
      attributes: {
        'email.provider': 'resend',
        'http.response.status_code': 429,
        'retry.after_s': 1.5,
        'retry.retryable': true,
        'email.recipient_domains': ['example.com', 'example.org'],
        'latency.samples_ms': [12, 40.25],
      },
      links: [
        {
          context: { traceId: LINKED_TRACE_ID, spanId: LINKED_SPAN_ID, traceFlags: TraceFlags.SAMPLED, traceState: new TraceState('linked=yes') },
          attributes: { 'link.reason': 'retry of', 'link.attempt': 2 },
        },
      ],
    },
    parent,
  );
  client.addEvent('rate_limited', { 'retry.after_ms': 1500, 'provider.code': 'rate_limit_exceeded' }, times.event);
  client.setStatus({ code: SpanStatusCode.ERROR, message: 'provider answered 429' });
  client.end(times.clientEnd);
  const internal = tracer.startSpan('normalize', { startTime: times.internalStart }, trace.setSpan(parent, client));
  internal.setStatus({ code: SpanStatusCode.OK });
  internal.end(times.internalEnd);
  return { spans: exporter.getFinishedSpans(), base, times };
}

function serialize(spans: ReadableSpan[]): Uint8Array {
  const bytes = ProtobufTraceSerializer.serializeRequest(spans);
  if (!bytes) throw new Error('the SDK serializer returned nothing');
  return bytes;
}

// ---------------------------------------------------------------------------
// Requests written by hand, with an encoder independent of the decoder under
// test (opentelemetry-proto's field numbers, every field the decoder skips included).

const TEST_PROTO = `
syntax = "proto3";
package t;
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; fixed32 flags = 16;
  string name = 5; int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9; uint32 dropped_attributes_count = 10;
  repeated Event events = 11; uint32 dropped_events_count = 12;
  repeated Link links = 13; uint32 dropped_links_count = 14; Status status = 15;
  message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
  message Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4; uint32 dropped_attributes_count = 5; fixed32 flags = 6; }
}
message Status { string message = 2; int32 code = 3; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue {
  oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
`;
const Request = protobuf.parse(TEST_PROTO).root.lookupType('t.ExportTraceServiceRequest');

function encode(request: object): Uint8Array {
  const message = Request.fromObject(request);
  return Request.encode(message).finish();
}

const id = (hex: string) => Buffer.from(hex, 'hex');
const TRACE = id('4bf92f3577b34da6a3ce929d0e0e4736');
const SPAN = id('00f067aa0ba902b7');

function oneSpan(span: object, resourceAttributes: object[] = [{ key: 'service.name', value: { stringValue: 'svc' } }]): Uint8Array {
  return encode({
    resourceSpans: [{ resource: { attributes: resourceAttributes }, scopeSpans: [{ scope: { name: 'scope' }, spans: [{ traceId: TRACE, spanId: SPAN, name: 's', ...span }] }] }],
  });
}

function onlyRow(bytes: Uint8Array): OtelTraceRow {
  const rows = decodeTraceRequest(bytes);
  expect(rows).toHaveLength(1);
  return rows[0] as OtelTraceRow;
}

function decodeError(run: () => unknown): OtlpDecodeError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(OtlpDecodeError);
    return error as OtlpDecodeError;
  }
  throw new Error('expected an OtlpDecodeError, got a result');
}

// ---------------------------------------------------------------------------

describe('decodeTraceRequest: spans of the OTel SDK', () => {
  it('maps each span to an otel_traces row the way the collector exporter fills it', () => {
    const { spans, times } = sdkSpans();
    const rows = decodeTraceRequest(serialize(spans));
    expect(rows).toHaveLength(2);
    const [client, internal] = rows as [OtelTraceRow, OtelTraceRow];
    expect(Object.keys(client)).toEqual([...OTEL_TRACES_INSERT_COLUMNS]);

    expect(client).toEqual({
      Timestamp: dateTime64(times.clientStart),
      TraceId: REMOTE_TRACE_ID,
      SpanId: spans[0]?.spanContext().spanId,
      ParentSpanId: REMOTE_SPAN_ID,
      TraceState: 'sendlens=abc,vendor=1',
      SpanName: 'POST /emails',
      SpanKind: 'Client',
      ServiceName: 'sendlens-test',
      ResourceAttributes: { 'service.name': 'sendlens-test', 'service.version': '1.2.3', 'host.cpus': '8' },
      ScopeName: 'sendlens-otlp-test',
      ScopeVersion: '0.1.0',
      SpanAttributes: {
        'email.provider': 'resend',
        'http.response.status_code': '429',
        'retry.after_s': '1.5',
        'retry.retryable': 'true',
        'email.recipient_domains': '["example.com","example.org"]',
        'latency.samples_ms': '[12,40.25]',
      },
      Duration: String(nanos(times.clientEnd) - nanos(times.clientStart)),
      StatusCode: 'Error',
      StatusMessage: 'provider answered 429',
      'Events.Timestamp': [dateTime64(times.event)],
      'Events.Name': ['rate_limited'],
      'Events.Attributes': [{ 'retry.after_ms': '1500', 'provider.code': 'rate_limit_exceeded' }],
      'Links.TraceId': [LINKED_TRACE_ID],
      'Links.SpanId': [LINKED_SPAN_ID],
      'Links.TraceState': ['linked=yes'],
      'Links.Attributes': [{ 'link.reason': 'retry of', 'link.attempt': '2' }],
    });
    expect(client.Duration).toBe('900000000');
    expect(client.ResourceAttributes).toEqual({ 'service.name': 'sendlens-test', 'service.version': '1.2.3', 'host.cpus': '8' });

    expect(internal).toMatchObject({
      Timestamp: dateTime64(times.internalStart),
      TraceId: REMOTE_TRACE_ID,
      ParentSpanId: client.SpanId,
      SpanName: 'normalize',
      SpanKind: 'Internal',
      StatusCode: 'Ok',
      StatusMessage: '',
      Duration: '1',
      SpanAttributes: {},
      'Events.Timestamp': [],
      'Links.TraceId': [],
    });
  });

  it('gives [] for a request without spans', () => {
    expect(decodeTraceRequest(serialize([]))).toEqual([]);
    expect(decodeTraceRequest(new Uint8Array(0))).toEqual([]);
    expect(decodeTraceRequest(encode({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: [] }] }] }))).toEqual([]);
  });

  it('writes JSONEachRow lines that keep every 64-bit value exact', () => {
    const { spans } = sdkSpans();
    const rows = decodeTraceRequest(serialize(spans));
    const text = toJsonEachRow(rows);
    const lines = text.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(lines.slice(0, 2).map((line) => JSON.parse(line))).toEqual(rows);
    expect(toJsonEachRow([])).toBe('');
  });
});

describe('decodeTraceRequest: values as pdata turns them into strings', () => {
  it('converts every kind of attribute value', () => {
    const bytes = oneSpan({
      attributes: [
        { key: 'str', value: { stringValue: 'a<b & "c"' } },
        { key: 'int.min', value: { intValue: '-9223372036854775808' } },
        { key: 'int.max', value: { intValue: '9223372036854775807' } },
        { key: 'int.zero', value: { intValue: 0 } },
        { key: 'bool.false', value: { boolValue: false } },
        { key: 'double', value: { doubleValue: 0.1 } },
        { key: 'double.big', value: { doubleValue: 1e21 } },
        { key: 'double.below', value: { doubleValue: 123456789012345680000 } },
        { key: 'double.tiny', value: { doubleValue: 1e-7 } },
        { key: 'double.small', value: { doubleValue: 0.000001 } },
        { key: 'double.negzero', value: { doubleValue: -0 } },
        { key: 'double.nan', value: { doubleValue: Number.NaN } },
        { key: 'double.inf', value: { doubleValue: Number.POSITIVE_INFINITY } },
        { key: 'double.neginf', value: { doubleValue: Number.NEGATIVE_INFINITY } },
        { key: 'bytes', value: { bytesValue: Buffer.from([0, 1, 2, 250, 255]) } },
        { key: 'empty', value: {} },
        { key: 'novalue' },
        {
          key: 'array',
          value: {
            arrayValue: {
              values: [
                { stringValue: 'x<y\u2028' },
                { intValue: '-5' },
                { doubleValue: 2.5 },
                { boolValue: true },
                {},
                { bytesValue: Buffer.from('hi') },
                { arrayValue: { values: [] } },
              ],
            },
          },
        },
        {
          key: 'map',
          value: {
            kvlistValue: {
              values: [
                { key: 'b', value: { intValue: 1 } },
                { key: 'a', value: { kvlistValue: { values: [{ key: 'z', value: { doubleValue: -0 } }] } } },
                { key: 'é', value: { stringValue: 'e' } },
                { key: '😀', value: { stringValue: 'astral' } },
                { key: '\uffff', value: { stringValue: 'bmp' } },
                { key: 'Z', value: { boolValue: false } },
                { key: 'b', value: { intValue: 2 } },
              ],
            },
          },
        },
        { key: 'array.with.nan', value: { arrayValue: { values: [{ doubleValue: 1 }, { doubleValue: Number.NaN }] } } },
        { key: 'str', value: { stringValue: 'second value of a repeated key' } },
        { key: '__proto__', value: { stringValue: 'kept as data' } },
      ],
    });
    const attributes = onlyRow(bytes).SpanAttributes;
    expect(attributes).toEqual({
      str: 'a<b & "c"',
      'int.min': '-9223372036854775808',
      'int.max': '9223372036854775807',
      'int.zero': '0',
      'bool.false': 'false',
      double: '0.1',
      'double.big': '1e+21',
      'double.below': '123456789012345680000',
      'double.tiny': '1e-7',
      'double.small': '0.000001',
      'double.negzero': '-0',
      'double.nan': 'json: unsupported value: NaN',
      'double.inf': 'json: unsupported value: +Inf',
      'double.neginf': 'json: unsupported value: -Inf',
      bytes: 'AAEC+v8=',
      empty: '',
      novalue: '',
      array: '["x<y\\u2028",-5,2.5,true,null,"aGk=",[]]',
      // Keys sorted by their UTF-8 bytes (Go's order); a repeated key keeps its last value, as in Map.AsRaw.
      map: '{"Z":false,"a":{"z":-0},"b":2,"é":"e","\uffff":"bmp","😀":"astral"}',
      'array.with.nan': '',
      ['__proto__']: 'kept as data',
    });
    expect(Object.hasOwn(attributes, '__proto__')).toBe(true);
    expect(JSON.parse(JSON.stringify(attributes)).__proto__).toBe('kept as data');
  });

  it('reads service.name whatever its type, and leaves it empty without one', () => {
    expect(onlyRow(oneSpan({}, [{ key: 'service.name', value: { intValue: 7 } }])).ServiceName).toBe('7');
    expect(onlyRow(oneSpan({}, [{ key: 'host.name', value: { stringValue: 'h' } }])).ServiceName).toBe('');
    expect(onlyRow(encode({ resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'bare' }] }] }] }))).toMatchObject({
      ServiceName: '',
      ResourceAttributes: {},
      ScopeName: '',
      ScopeVersion: '',
      TraceId: '',
      SpanId: '',
      Timestamp: '0000000000.000000000',
      Duration: '0',
      SpanKind: 'Unspecified',
      StatusCode: 'Unset',
    });
  });

  it('names kinds and status codes as pdata does, and gives an unknown one no name', () => {
    const kinds = [0, 1, 2, 3, 4, 5, 9].map((kind) => onlyRow(oneSpan({ kind })).SpanKind);
    expect(kinds).toEqual(['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer', '']);
    const codes = [0, 1, 2, 7].map((code) => onlyRow(oneSpan({ status: { code, message: 'm' } })).StatusCode);
    expect(codes).toEqual(['Unset', 'Ok', 'Error', '']);
  });

  it('keeps nanoseconds, writes all-zero ids as empty, and never lets a duration go negative', () => {
    const row = onlyRow(
      oneSpan({
        parentSpanId: Buffer.alloc(8),
        startTimeUnixNano: '9223372036854775807',
        endTimeUnixNano: '18446744073709551615',
        events: [{ timeUnixNano: '1', name: 'first ns' }],
        links: [{ traceId: Buffer.alloc(16), spanId: Buffer.alloc(0), traceState: 'x=1' }],
      }),
    );
    expect(row).toMatchObject({
      Timestamp: '9223372036.854775807',
      ParentSpanId: '',
      Duration: '9223372036854775808',
      'Events.Timestamp': ['0000000000.000000001'],
      'Links.TraceId': [''],
      'Links.SpanId': [''],
      'Links.TraceState': ['x=1'],
      'Links.Attributes': [{}],
    });
    expect(onlyRow(oneSpan({ startTimeUnixNano: '2000', endTimeUnixNano: '1000' })).Duration).toBe('0');
  });
});

describe('decodeTraceRequest: bad input', () => {
  it('refuses garbage and truncated protobuf with OtlpDecodeError', () => {
    expect(decodeError(() => decodeTraceRequest(Buffer.from('this is not protobuf'))).message).toMatch(/not an OTLP ExportTraceServiceRequest/);
    decodeError(() => decodeTraceRequest(Buffer.from('{"resourceSpans":[]}')));
    decodeError(() => decodeTraceRequest(Buffer.from([0xff, 0xff, 0xff, 0xff])));
    const valid = serialize(sdkSpans().spans);
    for (const cut of [1, 5, 20, valid.length - 1]) decodeError(() => decodeTraceRequest(valid.subarray(0, cut)));
    decodeError(() => decodeTraceRequest(null as unknown as Uint8Array));
  });

  it('refuses ids of the wrong length and instants DateTime64(9) cannot hold', () => {
    expect(decodeError(() => decodeTraceRequest(oneSpan({ traceId: id('0102030405') }))).message).toMatch(/span 0\/0\/0 trace id has 5 bytes/);
    decodeError(() => decodeTraceRequest(oneSpan({ spanId: id('01') })));
    decodeError(() => decodeTraceRequest(oneSpan({ parentSpanId: Buffer.alloc(16, 1) })));
    expect(decodeError(() => decodeTraceRequest(oneSpan({ links: [{ traceId: TRACE, spanId: id('0102') }] }))).message).toMatch(/link 0 span id/);
    expect(decodeError(() => decodeTraceRequest(oneSpan({ startTimeUnixNano: '9223372036854775808' }))).message).toMatch(/after 2262-04-11/);
    decodeError(() => decodeTraceRequest(oneSpan({ events: [{ timeUnixNano: '18446744073709551615' }] })));
  });

  it(`refuses a request of more than ${MAX_SPANS_PER_MESSAGE} spans, or more bytes than allowed`, () => {
    const spans = (n: number) => encode({ resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: n }, () => ({ traceId: TRACE, spanId: SPAN, name: 's' })) }] }] });
    expect(decodeTraceRequest(spans(MAX_SPANS_PER_MESSAGE))).toHaveLength(MAX_SPANS_PER_MESSAGE);
    expect(decodeError(() => decodeTraceRequest(spans(MAX_SPANS_PER_MESSAGE + 1))).message).toMatch(/10001 spans \(limit 10000/);
    const small = spans(3);
    decodeError(() => decodeTraceRequest(small, { maxSpans: 2 }));
    expect(decodeError(() => decodeTraceRequest(small, { maxBytes: small.length - 1 })).message).toMatch(/oversized/);
    expect(decodeTraceRequest(small, { maxBytes: small.length })).toHaveLength(3);
  });

  it('refuses attribute values nested deeper than protobuf allows', () => {
    // Written byte by byte: protobufjs' own encoder refuses to nest this deep.
    const varint = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...varint(n >>> 7)]);
    const field = (no: number, body: Uint8Array) => Uint8Array.from([...varint((no << 3) | 2), ...varint(body.length), ...body]);
    const key = field(1, Buffer.from('k'));
    let value = field(1, Buffer.from('deep')); // AnyValue.string_value
    for (let i = 0; i < 200; i += 1) value = field(6, field(1, Uint8Array.from([...key, ...field(2, value)]))); // AnyValue.kvlist_value
    const span = field(9, Uint8Array.from([...key, ...field(2, value)])); // Span.attributes
    const bytes = field(1, field(2, field(2, span))); // request.resource_spans.scope_spans.spans
    expect(decodeError(() => decodeTraceRequest(bytes)).message).toMatch(/max depth exceeded/);
  });

  it('never throws anything but OtlpDecodeError, whatever the bytes', () => {
    const valid = serialize(sdkSpans().spans);
    const check = (bytes: Uint8Array) => {
      try {
        expect(Array.isArray(decodeTraceRequest(bytes))).toBe(true);
      } catch (error) {
        expect(error).toBeInstanceOf(OtlpDecodeError);
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), check), { numRuns: 500 });
    fc.assert(
      fc.property(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }), (at, byte) => {
        const mutated = Uint8Array.from(valid);
        mutated[at] = byte;
        check(mutated);
      }),
      { numRuns: 500 },
    );
  });
});

describe('the otel_traces migration', () => {
  const sql = readFileSync(MIGRATION_FILE, 'utf8');

  it('renders ON CLUSTER and Replicated engines for a cluster', () => {
    const statements = renderStatements(sql, { ...SETTINGS, cluster: 'c1' });
    expect(statements).toHaveLength(3);
    const [traces, lookup, view] = statements as [string, string, string];
    for (const statement of statements) expect(statement).toContain("ON CLUSTER 'c1'");
    expect(traces).toMatch(/^CREATE TABLE IF NOT EXISTS default\.otel_traces ON CLUSTER 'c1'/);
    expect(traces).toContain("ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')");
    expect(traces).toContain('TTL toDateTime(Timestamp) + toIntervalDay(90)');
    expect(lookup).toMatch(/^CREATE TABLE IF NOT EXISTS default\.otel_traces_trace_id_ts ON CLUSTER 'c1'/);
    expect(lookup).toContain("ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')");
    expect(lookup).toContain('TTL toDateTime(Start) + toIntervalDay(90)');
    expect(view).toMatch(/^CREATE MATERIALIZED VIEW IF NOT EXISTS default\.otel_traces_trace_id_ts_mv ON CLUSTER 'c1'\s+TO default\.otel_traces_trace_id_ts/);
    expect(view).not.toContain('ENGINE');
  });

  it('renders plain engines without a cluster, and the retention it is given', () => {
    const statements = renderStatements(sql, { ...SETTINGS, database: 'otel', retentionDays: 7 });
    expect(statements.join('\n')).not.toContain('ON CLUSTER');
    expect(statements.join('\n')).not.toContain('Replicated');
    expect(statements[0]).toContain('ENGINE = MergeTree()');
    expect(statements[0]).toContain('CREATE TABLE IF NOT EXISTS otel.otel_traces');
    expect(statements[0]).toContain('toIntervalDay(7)');
    expect(statements[1]).toContain('ENGINE = AggregatingMergeTree()');
    expect(statements[2]).toContain('FROM otel.otel_traces');
  });
});

describe('otel_traces on the embedded engine', () => {
  // chDB binds one data directory per process: one for this whole file.
  const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-otel-traces-'));
  let client: ClickHouseClient;

  beforeAll(async () => {
    client = await createStoreClient({ dataDir });
    const only3 = loadMigrations().filter((migration) => migration.version === 3);
    expect(only3.map((migration) => migration.name)).toEqual(['0003_otel_traces']);
    expect(await migrate(client, SETTINGS, only3)).toEqual({ applied: ['0003_otel_traces'], alreadyApplied: [] });
  });

  afterAll(async () => {
    await client?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function rows<T>(query: string): Promise<T[]> {
    const result = await client.query({ query, format: 'JSONEachRow' });
    return (await result.json()) as T[];
  }

  it('is idempotent', async () => {
    expect(await migrate(client, SETTINGS, loadMigrations().filter((migration) => migration.version === 3))).toEqual({
      applied: [],
      alreadyApplied: ['0003_otel_traces'],
    });
    for (const statement of renderStatements(readFileSync(MIGRATION_FILE, 'utf8'), SETTINGS)) await client.command({ query: statement });
  });

  it('creates otel_traces with the exporter’s columns, in order, with their types and codecs', async () => {
    const columns = await rows<{ name: string; type: string; default_kind: string; compression_codec: string }>(
      "SELECT name, type, default_kind, compression_codec FROM system.columns WHERE database = 'default' AND table = 'otel_traces' ORDER BY position",
    );
    expect(columns.map((c) => [c.name, c.type, c.default_kind, c.compression_codec])).toEqual(EXPORTER_OTEL_TRACES_COLUMNS);
    const lookup = await rows<{ name: string; type: string; default_kind: string; compression_codec: string }>(
      "SELECT name, type, default_kind, compression_codec FROM system.columns WHERE database = 'default' AND table = 'otel_traces_trace_id_ts' ORDER BY position",
    );
    expect(lookup.map((c) => [c.name, c.type, c.default_kind, c.compression_codec])).toEqual(EXPORTER_TRACE_ID_TS_COLUMNS);
    // Every column a row fills is a real (non-ALIAS) column, in the same order.
    expect(EXPORTER_OTEL_TRACES_COLUMNS.filter((c) => c[2] === '').map((c) => c[0])).toEqual([...OTEL_TRACES_INSERT_COLUMNS]);
  });

  it('has the exporter’s keys, partitioning, TTL, settings and skip indexes', async () => {
    const tables = await rows<{ name: string; engine_full: string; sorting_key: string; primary_key: string; partition_key: string; as_select: string }>(
      "SELECT name, engine_full, sorting_key, primary_key, partition_key, as_select FROM system.tables WHERE database = 'default' AND name LIKE 'otel_traces%' ORDER BY name",
    );
    expect(tables.map((t) => t.name)).toEqual(['otel_traces', 'otel_traces_trace_id_ts', 'otel_traces_trace_id_ts_mv']);
    const [traces, lookup, view] = tables as [(typeof tables)[0], (typeof tables)[0], (typeof tables)[0]];
    expect(traces.engine_full).toBe(
      'MergeTree PARTITION BY toDate(Timestamp) PRIMARY KEY (ServiceName, SpanName, toDateTime(Timestamp)) ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp) TTL toDateTime(Timestamp) + toIntervalDay(90) SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1',
    );
    expect(lookup.engine_full).toBe(
      'AggregatingMergeTree PARTITION BY toStartOfWeek(Start) ORDER BY (TraceId) TTL toDateTime(Start) + toIntervalDay(90) SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1',
    );
    expect(view.as_select).toBe(
      "SELECT TraceId, min(toDateTime(Timestamp)) AS Start, max(toDateTime(Timestamp)) AS End FROM default.otel_traces WHERE TraceId != '' GROUP BY TraceId",
    );
    const indexes = await rows<{ name: string; type_full: string; expr: string; granularity: number }>(
      "SELECT name, type_full, expr, granularity FROM system.data_skipping_indices WHERE database = 'default' AND table = 'otel_traces'",
    );
    expect(indexes.map((i) => [i.name, i.expr, i.type_full, Number(i.granularity)])).toEqual([
      ['idx_trace_id', 'TraceId', 'bloom_filter(0.001)', 1],
      ['idx_res_attr_key', 'mapKeys(ResourceAttributes)', 'bloom_filter(0.01)', 1],
      ['idx_res_attr_value', 'mapValues(ResourceAttributes)', 'bloom_filter(0.01)', 1],
      ['idx_span_attr_key', 'mapKeys(SpanAttributes)', 'bloom_filter(0.01)', 1],
      ['idx_span_attr_value', 'mapValues(SpanAttributes)', 'bloom_filter(0.01)', 1],
      ['idx_duration', 'Duration', 'minmax', 1],
      ['idx_lower_span_name', 'lower(SpanName)', 'tokenbf_v1(32768, 3, 0)', 8],
    ]);
  });

  it('stores decoded rows with nanosecond timestamps, readable attributes and the trace id lookup', async () => {
    const { spans, base, times } = sdkSpans();
    const decoded = decodeTraceRequest(serialize(spans));
    await client.insert({ table: 'otel_traces', values: decoded, format: 'JSONEachRow' });

    interface Stored {
      SpanName: string;
      SpanKind: string;
      ServiceName: string;
      TraceId: string;
      ParentSpanId: string;
      TraceState: string;
      ns: string;
      Duration: string;
      StatusCode: string;
      StatusMessage: string;
      SpanAttributes: Record<string, string>;
      status_code: string;
      service_version: string;
      items: string[];
      event_ns: string[];
      event_names: string[];
      event_attributes: Record<string, string>[];
      link_trace_ids: string[];
      link_attributes: Record<string, string>[];
    }
    const stored = await rows<Stored>(`
      SELECT SpanName, SpanKind, ServiceName, TraceId, ParentSpanId, TraceState,
             toString(toUnixTimestamp64Nano(Timestamp)) AS ns, toString(Duration) AS Duration, StatusCode, StatusMessage,
             SpanAttributes, SpanAttributes['http.response.status_code'] AS status_code,
             ResourceAttributes['service.version'] AS service_version, arraySort(SpanAttributeItems) AS items,
             arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS event_ns, Events.Name AS event_names,
             Events.Attributes AS event_attributes, Links.TraceId AS link_trace_ids, Links.Attributes AS link_attributes
      FROM otel_traces WHERE TraceId = '${REMOTE_TRACE_ID}' ORDER BY Timestamp`);
    expect(stored).toHaveLength(2);
    const [client_, internal] = stored as [Stored, Stored];
    expect(client_).toMatchObject({
      SpanName: 'POST /emails',
      SpanKind: 'Client',
      ServiceName: 'sendlens-test',
      ParentSpanId: REMOTE_SPAN_ID,
      TraceState: 'sendlens=abc,vendor=1',
      ns: String(nanos(times.clientStart)),
      Duration: '900000000',
      StatusCode: 'Error',
      StatusMessage: 'provider answered 429',
      SpanAttributes: decoded[0]?.SpanAttributes,
      status_code: '429',
      service_version: '1.2.3',
      event_ns: [String(nanos(times.event))],
      event_names: ['rate_limited'],
      event_attributes: [{ 'retry.after_ms': '1500', 'provider.code': 'rate_limit_exceeded' }],
      link_trace_ids: [LINKED_TRACE_ID],
      link_attributes: [{ 'link.reason': 'retry of', 'link.attempt': '2' }],
    });
    expect(client_.items).toContain('http.response.status_code=429');
    expect(internal).toMatchObject({ SpanName: 'normalize', SpanKind: 'Internal', ns: String(nanos(times.internalStart)), Duration: '1', StatusCode: 'Ok' });

    // The lookup table: the trace's first and last span start, in whole seconds.
    const lookup = await rows<{ TraceId: string; start: number; end: number }>(
      `SELECT TraceId, toUnixTimestamp(min(Start)) AS start, toUnixTimestamp(max(End)) AS end FROM otel_traces_trace_id_ts WHERE TraceId = '${REMOTE_TRACE_ID}' GROUP BY TraceId`,
    );
    expect(lookup).toEqual([{ TraceId: REMOTE_TRACE_ID, start: base, end: base + 2 }]);
  });

  it('takes the JSONEachRow text too, whatever date_time_input_format, with exact 64-bit values', async () => {
    const now = BigInt(Math.floor(Date.now() / 1000) - 60) * 1_000_000_000n + 999_999_999n;
    const traceId = id('11111111111111111111111111111111');
    const bytes = encode({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'raw' } }] },
          scopeSpans: [
            {
              spans: [
                { traceId, spanId: SPAN, name: 'long', startTimeUnixNano: now.toString(), endTimeUnixNano: (now + 9_007_199_254_740_993n).toString() },
                { traceId, spanId: id('0000000000000001'), name: 'later', startTimeUnixNano: (now + 5_000_000_000n).toString(), endTimeUnixNano: (now + 5_000_000_000n).toString() },
              ],
            },
          ],
        },
      ],
    });
    const text = toJsonEachRow(decodeTraceRequest(bytes));
    for (const mode of ['basic', 'best_effort'] as const) {
      // As the loader writes a batch: the text as the body of an INSERT … FORMAT JSONEachRow.
      const result = await client.exec({
        query: 'INSERT INTO default.otel_traces FORMAT JSONEachRow',
        values: Readable.from([Buffer.from(text)], { objectMode: false }),
        clickhouse_settings: { date_time_input_format: mode },
      });
      await finished(result.stream.resume());
    }
    const stored = await rows<{ SpanName: string; ns: string; Duration: string; SpanId: string }>(
      `SELECT SpanName, toString(toUnixTimestamp64Nano(Timestamp)) AS ns, toString(Duration) AS Duration, SpanId FROM otel_traces WHERE TraceId = '${traceId.toString('hex')}' ORDER BY SpanName, ns`,
    );
    const long = { SpanName: 'long', ns: now.toString(), Duration: '9007199254740993', SpanId: SPAN.toString('hex') };
    const later = { SpanName: 'later', ns: (now + 5_000_000_000n).toString(), Duration: '0', SpanId: '0000000000000001' };
    expect(stored).toEqual([later, later, long, long]);
    const lookup = await rows<{ start: number; end: number }>(
      `SELECT toUnixTimestamp(min(Start)) AS start, toUnixTimestamp(max(End)) AS end FROM otel_traces_trace_id_ts WHERE TraceId = '${traceId.toString('hex')}'`,
    );
    const seconds = Number(now / 1_000_000_000n);
    expect(lookup).toEqual([{ start: seconds, end: seconds + 5 }]);
  });
});
