import { OTLP_TRACE_REQUEST } from '../events/index.js';

/**
 * Finished spans → one OTLP `ExportTraceServiceRequest` in protobuf, the bytes the loader reads
 * from `otlp_spans` (and the OpenTelemetry Collector's Kafka receiver with `otlp_proto`).
 *
 * Written against the span's shape, not an SDK class: whichever OpenTelemetry SDK made the span
 * (the host's, or the one `startSendlens` starts), its finished spans have these fields. That is
 * what lets a host that brings its own SDK ship sendlens's spans without sendlens loading an SDK.
 * Values map as the OpenTelemetry JS transformer maps them: integers as intValue, other numbers as
 * doubleValue, arrays as arrayValue, byte arrays as bytesValue, plain objects as kvlistValue; an
 * undefined attribute is left out, and a value of no such kind (a function, a symbol) is empty.
 */

type HrTime = readonly [number, number];
// The API (1.10) types attribute values as anything, maps included; the encoder takes what comes.
type Attributes = Readonly<Record<string, unknown>>;

interface SpanContextLike {
  traceId: string;
  spanId: string;
  traceState?: { serialize(): string } | undefined;
}

/** What an SDK's finished span (`ReadableSpan` in every OpenTelemetry JS SDK since 2.0) offers. */
export interface ExportableSpan {
  readonly name: string;
  readonly kind: number;
  spanContext(): SpanContextLike;
  readonly parentSpanContext?: { spanId: string } | undefined;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly status: { code: number; message?: string | undefined };
  readonly attributes: Attributes;
  readonly events: readonly { name: string; time: HrTime; attributes?: Attributes | undefined }[];
  readonly links: readonly { context: SpanContextLike; attributes?: Attributes | undefined }[];
  readonly resource: { readonly attributes: Attributes };
  readonly instrumentationScope: { name: string; version?: string | undefined };
}

interface Fixed64 {
  low: number;
  high: number;
  unsigned: true;
}

/** Epoch nanoseconds pass 2^53, so they travel as the two 32-bit halves protobufjs writes. */
function nanos([seconds, nanoseconds]: HrTime): Fixed64 {
  const total = BigInt(Math.trunc(seconds)) * 1_000_000_000n + BigInt(Math.trunc(nanoseconds));
  return { low: Number(total & 0xffff_ffffn) | 0, high: Number((total >> 32n) & 0xffff_ffffn) | 0, unsigned: true };
}

const id = (hex: string | undefined): Uint8Array => (hex ? Buffer.from(hex, 'hex') : new Uint8Array(0));

function anyValue(value: unknown): Record<string, unknown> {
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'number':
      return Number.isInteger(value) ? { intValue: value } : { doubleValue: value };
    case 'bigint': {
      const bits = BigInt.asUintN(64, value);
      return { intValue: { low: Number(bits & 0xffff_ffffn) | 0, high: Number(bits >> 32n) | 0, unsigned: false } };
    }
    case 'object':
      if (value === null) return {};
      if (value instanceof Uint8Array) return { bytesValue: value };
      if (Array.isArray(value)) return { arrayValue: { values: value.map((item) => anyValue(item)) } };
      return { kvlistValue: { values: keyValues(value as Attributes) } };
    default:
      return {};
  }
}

function keyValues(attributes: Attributes | undefined): Record<string, unknown>[] {
  if (!attributes) return [];
  const out: Record<string, unknown>[] = [];
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined) out.push({ key, value: anyValue(value) });
  }
  return out;
}

function spanMessage(span: ExportableSpan): Record<string, unknown> {
  const context = span.spanContext();
  return {
    traceId: id(context.traceId),
    spanId: id(context.spanId),
    traceState: context.traceState?.serialize() ?? '',
    parentSpanId: id(span.parentSpanContext?.spanId),
    name: span.name,
    // OTLP counts kinds from 1 (0 is unspecified); the API's SpanKind counts from 0.
    kind: span.kind + 1,
    startTimeUnixNano: nanos(span.startTime),
    endTimeUnixNano: nanos(span.endTime),
    attributes: keyValues(span.attributes),
    events: span.events.map((event) => ({ timeUnixNano: nanos(event.time), name: event.name, attributes: keyValues(event.attributes) })),
    links: span.links.map((link) => ({
      traceId: id(link.context.traceId),
      spanId: id(link.context.spanId),
      traceState: link.context.traceState?.serialize() ?? '',
      attributes: keyValues(link.attributes),
    })),
    status: { code: span.status.code, ...(span.status.message && { message: span.status.message }) },
  };
}

/** Spans grouped by resource, then by instrumentation scope, as OTLP nests them. */
export function encodeTraceRequest(spans: readonly ExportableSpan[]): Uint8Array {
  const byResource = new Map<ExportableSpan['resource'], Map<string, { scope: ExportableSpan['instrumentationScope']; spans: Record<string, unknown>[] }>>();
  for (const span of spans) {
    let scopes = byResource.get(span.resource);
    if (!scopes) byResource.set(span.resource, (scopes = new Map()));
    const scopeKey = `${span.instrumentationScope.name}@${span.instrumentationScope.version ?? ''}`;
    let scope = scopes.get(scopeKey);
    if (!scope) scopes.set(scopeKey, (scope = { scope: span.instrumentationScope, spans: [] }));
    scope.spans.push(spanMessage(span));
  }
  const resourceSpans = [...byResource].map(([resource, scopes]) => ({
    resource: { attributes: keyValues(resource.attributes) },
    scopeSpans: [...scopes.values()].map(({ scope, spans: encoded }) => ({
      scope: { name: scope.name, ...(scope.version && { version: scope.version }) },
      spans: encoded,
    })),
  }));
  return OTLP_TRACE_REQUEST.encode({ resourceSpans }).finish();
}
