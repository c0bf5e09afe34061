import { OTLP_TRACE_REQUEST } from '../events/index.js';

/**
 * OTLP spans → rows of `otel_traces`, the OpenTelemetry Collector ClickHouse
 * exporter's table (schemas/clickhouse/0003_otel_traces.sql).
 *
 * `decodeTraceRequest` reads one protobuf `ExportTraceServiceRequest` (what
 * `ProtobufTraceSerializer.serializeRequest` writes, one per Kafka message of
 * `otlp_spans`) and maps every span to one row filled the way the exporter
 * fills it:
 *   - Timestamp: the span's start; Duration: end − start in nanoseconds;
 *   - TraceId / SpanId / ParentSpanId: lowercase hex, '' for an absent or all-zero id;
 *   - SpanKind: Unspecified | Internal | Server | Client | Producer | Consumer;
 *   - StatusCode: Unset | Ok | Error (pdata's names; '' for a value outside the enum);
 *   - ServiceName: the resource attribute `service.name` as a string, '' without one;
 *   - ScopeName / ScopeVersion: the instrumentation scope;
 *   - attributes (resource, span, event, link): Map(LowCardinality(String), String), every
 *     value converted to a string as pdata's `Value.AsString` does: ints in decimal, doubles
 *     as ES6/Go print them, booleans true/false, bytes in base64, arrays and maps as JSON
 *     (map keys sorted), an empty value as ''. A key given twice keeps its first value.
 *   - Events.* / Links.*: the Nested columns as parallel arrays.
 * Deliberate difference: a span that ends before it starts gets Duration 0 (the exporter's
 * unsigned subtraction would wrap to ~1.8e19 ns).
 *
 * Bad input never escapes as anything but `OtlpDecodeError`, so a caller can
 * dead-letter the message: bytes that are not a request, ids of the wrong
 * length (the collector refuses those too), a timestamp DateTime64(9) cannot
 * hold, more than `MAX_SPANS_PER_MESSAGE` spans or more than
 * `MAX_TRACE_MESSAGE_BYTES` bytes. A valid request without spans gives [].
 */

/** The table the rows are for. */
export const OTEL_TRACES_TABLE = 'otel_traces';

/** At most this many spans from one message (one `ExportTraceServiceRequest`); more is refused whole. */
export const MAX_SPANS_PER_MESSAGE = 10_000;

/** At most this many bytes in one message; a larger one is refused before it is parsed. */
export const MAX_TRACE_MESSAGE_BYTES = 16 * 1024 * 1024;

/** The last instant DateTime64(9) can hold: 2262-04-11T23:47:16.854775807Z, in ns since the epoch (2^63 − 1). */
export const MAX_DATETIME64_9_NANOS = 9_223_372_036_854_775_807n;

/** One row of `otel_traces`: keys are its column names, values what a JSONEachRow insert of them accepts. */
export interface OtelTraceRow {
  /**
   * DateTime64(9) as `SSSSSSSSSS.nnnnnnnnn` (seconds since the epoch, zero-padded to 10 digits, and
   * 9 fraction digits): ClickHouse reads it exactly, whatever the server time zone and with either
   * `date_time_input_format` (basic or best_effort).
   */
  Timestamp: string;
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  TraceState: string;
  SpanName: string;
  SpanKind: string;
  ServiceName: string;
  ResourceAttributes: Record<string, string>;
  ScopeName: string;
  ScopeVersion: string;
  SpanAttributes: Record<string, string>;
  /** UInt64 nanoseconds, in decimal: a JSON string, so no 64-bit value is rounded on the way. */
  Duration: string;
  StatusCode: string;
  StatusMessage: string;
  'Events.Timestamp': string[];
  'Events.Name': string[];
  'Events.Attributes': Record<string, string>[];
  'Links.TraceId': string[];
  'Links.SpanId': string[];
  'Links.TraceState': string[];
  'Links.Attributes': Record<string, string>[];
}

/** The columns a row fills, in the table's order (the exporter's INSERT column list). */
export const OTEL_TRACES_INSERT_COLUMNS = [
  'Timestamp',
  'TraceId',
  'SpanId',
  'ParentSpanId',
  'TraceState',
  'SpanName',
  'SpanKind',
  'ServiceName',
  'ResourceAttributes',
  'ScopeName',
  'ScopeVersion',
  'SpanAttributes',
  'Duration',
  'StatusCode',
  'StatusMessage',
  'Events.Timestamp',
  'Events.Name',
  'Events.Attributes',
  'Links.TraceId',
  'Links.SpanId',
  'Links.TraceState',
  'Links.Attributes',
] as const satisfies readonly (keyof OtelTraceRow)[];

/** The message is not an OTLP trace request this loader can store; dead-letter it. */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
}

export interface DecodeTraceOptions {
  /** Defaults to MAX_SPANS_PER_MESSAGE. */
  maxSpans?: number;
  /** Defaults to MAX_TRACE_MESSAGE_BYTES. */
  maxBytes?: number;
}


// What protobufjs decodes into (message instances; absent fields read as their defaults).
interface PbLong {
  low: number;
  high: number;
}
type PbU64 = PbLong | number | null | undefined;
interface PbKeyValue {
  key?: string;
  value?: PbAnyValue | null;
}
interface PbAnyValue {
  /** protobufjs' oneof getter: the name of the member that is set, if any. */
  value?: string;
  stringValue?: string;
  boolValue?: boolean;
  intValue?: PbU64;
  doubleValue?: number;
  arrayValue?: { values?: PbAnyValue[] } | null;
  kvlistValue?: { values?: PbKeyValue[] } | null;
  bytesValue?: Uint8Array;
}
interface PbEvent {
  timeUnixNano?: PbU64;
  name?: string;
  attributes?: PbKeyValue[];
}
interface PbLink {
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  traceState?: string;
  attributes?: PbKeyValue[];
}
interface PbSpan {
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  traceState?: string;
  parentSpanId?: Uint8Array;
  name?: string;
  kind?: number;
  startTimeUnixNano?: PbU64;
  endTimeUnixNano?: PbU64;
  attributes?: PbKeyValue[];
  events?: PbEvent[];
  links?: PbLink[];
  status?: { message?: string; code?: number } | null;
}
interface PbScopeSpans {
  scope?: { name?: string; version?: string } | null;
  spans?: PbSpan[];
}
interface PbResourceSpans {
  resource?: { attributes?: PbKeyValue[] } | null;
  scopeSpans?: PbScopeSpans[];
}
interface PbRequest {
  resourceSpans?: PbResourceSpans[];
}

// ---------------------------------------------------------------------------

const SPAN_KINDS = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
const STATUS_CODES = ['Unset', 'Ok', 'Error'];
const SERVICE_NAME = 'service.name';

function u64(value: PbU64, signed = false): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  const raw = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
  return signed ? BigInt.asIntN(64, raw) : raw;
}

/** Nanoseconds since the epoch → `SSSSSSSSSS.nnnnnnnnn`, or OtlpDecodeError past what DateTime64(9) holds. */
function dateTime64(nanos: bigint, what: () => string): string {
  if (nanos > MAX_DATETIME64_9_NANOS) {
    throw new OtlpDecodeError(`${what()} is ${nanos} ns since the epoch, after 2262-04-11T23:47:16.854775807Z, the last instant DateTime64(9) can hold`);
  }
  const seconds = nanos / 1_000_000_000n;
  const fraction = nanos % 1_000_000_000n;
  return `${seconds.toString().padStart(10, '0')}.${fraction.toString().padStart(9, '0')}`;
}

/** An id as lowercase hex; '' when absent or all zero; OtlpDecodeError when it has the wrong length. */
function hexId(bytes: Uint8Array | undefined, size: 8 | 16, what: () => string): string {
  if (!bytes || bytes.length === 0) return '';
  if (bytes.length !== size) throw new OtlpDecodeError(`${what()} has ${bytes.length} bytes; an id has ${size} (or none)`);
  if (bytes.every((b) => b === 0)) return '';
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** A double as Go's encoding/json (and so pdata) prints it: ES6 number formatting, but -0 stays "-0". */
function goFloat(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

/** A JSON string as Go's encoder writes it without HTML escaping (it still escapes U+2028 and U+2029). */
function jsonString(value: string): string {
  return JSON.stringify(value).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/** Map keys in Go's order: by their UTF-8 bytes, which is code point order. */
function byCodePoint(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Go's json.Marshal refuses NaN and ±Inf anywhere inside a value; pdata then yields ''. */
class UnsupportedJsonValue extends Error {}

/** `json.Marshal(value.AsRaw())` for a value inside an array or a map. */
function anyValueJson(value: PbAnyValue | null | undefined): string {
  switch (value?.value) {
    case 'stringValue':
      return jsonString(value.stringValue ?? '');
    case 'boolValue':
      return value.boolValue ? 'true' : 'false';
    case 'intValue':
      return u64(value.intValue, true).toString();
    case 'doubleValue': {
      const d = value.doubleValue ?? 0;
      if (!Number.isFinite(d)) throw new UnsupportedJsonValue();
      return goFloat(d);
    }
    case 'bytesValue':
      return `"${base64(value.bytesValue ?? new Uint8Array())}"`;
    case 'arrayValue':
      return `[${(value.arrayValue?.values ?? []).map(anyValueJson).join(',')}]`;
    case 'kvlistValue':
      return kvlistJson(value.kvlistValue?.values ?? []);
    default:
      return 'null';
  }
}

/** A map as JSON: a key given twice keeps its last value (as `Map.AsRaw` builds it), keys sorted. */
function kvlistJson(values: PbKeyValue[]): string {
  const raw = new Map<string, PbAnyValue | null | undefined>();
  for (const kv of values) raw.set(kv.key ?? '', kv.value);
  const keys = [...raw.keys()].sort(byCodePoint);
  return `{${keys.map((key) => `${jsonString(key)}:${anyValueJson(raw.get(key))}`).join(',')}}`;
}

function asJsonOrEmpty(render: () => string): string {
  try {
    return render();
  } catch (error) {
    if (error instanceof UnsupportedJsonValue) return '';
    throw error;
  }
}

/** pdata's `Value.AsString`: how the exporter turns every attribute value into the String of a Map. */
function anyValueString(value: PbAnyValue | null | undefined): string {
  switch (value?.value) {
    case 'stringValue':
      return value.stringValue ?? '';
    case 'boolValue':
      return value.boolValue ? 'true' : 'false';
    case 'intValue':
      return u64(value.intValue, true).toString();
    case 'doubleValue': {
      const d = value.doubleValue ?? 0;
      if (Number.isNaN(d)) return 'json: unsupported value: NaN';
      if (!Number.isFinite(d)) return `json: unsupported value: ${d > 0 ? '+Inf' : '-Inf'}`;
      return goFloat(d);
    }
    case 'bytesValue':
      return base64(value.bytesValue ?? new Uint8Array());
    case 'arrayValue':
      return asJsonOrEmpty(() => `[${(value.arrayValue?.values ?? []).map(anyValueJson).join(',')}]`);
    case 'kvlistValue':
      return asJsonOrEmpty(() => kvlistJson(value.kvlistValue?.values ?? []));
    default:
      return '';
  }
}

/** Attributes as a Map(LowCardinality(String), String) value; a repeated key keeps its first value (pdata's `Get`). */
function attributeMap(attributes: PbKeyValue[] | undefined): Record<string, string> {
  const entries: [string, string][] = [];
  const seen = new Set<string>();
  for (const kv of attributes ?? []) {
    const key = kv.key ?? '';
    if (seen.has(key)) continue;
    seen.add(key);
    entries.push([key, anyValueString(kv.value)]);
  }
  // Object.fromEntries defines own properties, so even a key named __proto__ is kept as data.
  return Object.fromEntries(entries);
}

function countSpans(request: PbRequest): number {
  let spans = 0;
  for (const resourceSpans of request.resourceSpans ?? []) {
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) spans += scopeSpans.spans?.length ?? 0;
  }
  return spans;
}

function spanRow(span: PbSpan, where: string, resourceAttributes: Record<string, string>, serviceName: string, scopeName: string, scopeVersion: string): OtelTraceRow {
  const start = u64(span.startTimeUnixNano);
  const end = u64(span.endTimeUnixNano);
  const row: OtelTraceRow = {
    Timestamp: dateTime64(start, () => `${where} start time`),
    TraceId: hexId(span.traceId, 16, () => `${where} trace id`),
    SpanId: hexId(span.spanId, 8, () => `${where} span id`),
    ParentSpanId: hexId(span.parentSpanId, 8, () => `${where} parent span id`),
    TraceState: span.traceState ?? '',
    SpanName: span.name ?? '',
    SpanKind: SPAN_KINDS[span.kind ?? 0] ?? '',
    ServiceName: serviceName,
    ResourceAttributes: { ...resourceAttributes },
    ScopeName: scopeName,
    ScopeVersion: scopeVersion,
    SpanAttributes: attributeMap(span.attributes),
    Duration: (end >= start ? end - start : 0n).toString(),
    StatusCode: STATUS_CODES[span.status?.code ?? 0] ?? '',
    StatusMessage: span.status?.message ?? '',
    'Events.Timestamp': [],
    'Events.Name': [],
    'Events.Attributes': [],
    'Links.TraceId': [],
    'Links.SpanId': [],
    'Links.TraceState': [],
    'Links.Attributes': [],
  };
  (span.events ?? []).forEach((event, e) => {
    row['Events.Timestamp'].push(dateTime64(u64(event.timeUnixNano), () => `${where} event ${e} time`));
    row['Events.Name'].push(event.name ?? '');
    row['Events.Attributes'].push(attributeMap(event.attributes));
  });
  (span.links ?? []).forEach((link, l) => {
    row['Links.TraceId'].push(hexId(link.traceId, 16, () => `${where} link ${l} trace id`));
    row['Links.SpanId'].push(hexId(link.spanId, 8, () => `${where} link ${l} span id`));
    row['Links.TraceState'].push(link.traceState ?? '');
    row['Links.Attributes'].push(attributeMap(link.attributes));
  });
  return row;
}

/**
 * Decodes one OTLP protobuf `ExportTraceServiceRequest` into `otel_traces` rows, one per span, in
 * the request's order. Throws only OtlpDecodeError.
 */
export function decodeTraceRequest(bytes: Uint8Array, options: DecodeTraceOptions = {}): OtelTraceRow[] {
  const maxSpans = options.maxSpans ?? MAX_SPANS_PER_MESSAGE;
  const maxBytes = options.maxBytes ?? MAX_TRACE_MESSAGE_BYTES;
  if (!(bytes instanceof Uint8Array)) throw new OtlpDecodeError('not an OTLP trace request: the message has no bytes');
  if (bytes.length > maxBytes) throw new OtlpDecodeError(`oversized OTLP trace request: ${bytes.length} bytes (limit ${maxBytes})`);
  let request: PbRequest;
  try {
    request = OTLP_TRACE_REQUEST.decode(bytes) as unknown as PbRequest;
  } catch (error) {
    throw new OtlpDecodeError(`not an OTLP ExportTraceServiceRequest (protobuf): ${error instanceof Error ? error.message : String(error)}`);
  }
  const spans = countSpans(request);
  if (spans > maxSpans) throw new OtlpDecodeError(`oversized OTLP trace request: ${spans} spans (limit ${maxSpans} per message)`);
  const rows: OtelTraceRow[] = [];
  try {
    (request.resourceSpans ?? []).forEach((resourceSpans, r) => {
      const resourceAttributes = attributeMap(resourceSpans.resource?.attributes);
      const serviceName = Object.hasOwn(resourceAttributes, SERVICE_NAME) ? (resourceAttributes[SERVICE_NAME] ?? '') : '';
      (resourceSpans.scopeSpans ?? []).forEach((scopeSpans, s) => {
        const scopeName = scopeSpans.scope?.name ?? '';
        const scopeVersion = scopeSpans.scope?.version ?? '';
        (scopeSpans.spans ?? []).forEach((span, i) => {
          rows.push(spanRow(span, `span ${r}/${s}/${i}`, resourceAttributes, serviceName, scopeName, scopeVersion));
        });
      });
    });
  } catch (error) {
    if (error instanceof OtlpDecodeError) throw error;
    throw new OtlpDecodeError(`unreadable OTLP trace request: ${error instanceof Error ? error.message : String(error)}`);
  }
  return rows;
}

/** One row as a JSONEachRow line (no newline). Every value is a string, array or object: nothing 64-bit is rounded. */
export function rowToJson(row: OtelTraceRow): string {
  return JSON.stringify(row);
}

/** Rows as a JSONEachRow body: one line each, newline-terminated; '' for none. */
export function toJsonEachRow(rows: readonly OtelTraceRow[]): string {
  return rows.map((row) => `${rowToJson(row)}\n`).join('');
}
