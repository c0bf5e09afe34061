import { COMMON_VARIABLES, filters } from './common.js';
import type { DashboardSpec } from './types.js';

const UID = 'sendlens-traces';

/** Opens this dashboard on one trace (Grafana data-link syntax: the cell's value, the time range, the data source). */
const TRACE_LINK = { title: 'Show this trace', url: `/d/${UID}/?var-trace_id=\${__value.raw}&\${__url_time_range}&var-datasource=\${datasource}` };

/** Attempt spans carry the send's dimensions as attributes (src/instrument/instrumentation.ts). */
const SPAN_FILTERS = filters({
  provider: "SpanAttributes['email.provider']",
  workspace: "SpanAttributes['email.workspace']",
  sender_domain: "SpanAttributes['email.sender.domain']",
  environment: "ResourceAttributes['deployment.environment.name']",
});

/**
 * The 100 latest failed attempts with a trace in the range, newest first. email_send_failures is
 * ordered by time, then event id: sorted by its own key, ClickHouse reads its newest granules and
 * stops (optimize_read_in_order; ties broken by trace id instead cost 2.5× at 10 M send events);
 * the trace join below looks up only these trace ids.
 */
const LATEST_FAILURES = `SELECT occurred_at, provider, workspace, sender_domain, code, attempt, latency_ms, trace_id
  FROM email_send_failures
  WHERE $__timeFilter(occurred_at)
    AND ${filters({ provider: 'provider', workspace: 'workspace', sender_domain: 'sender_domain', environment: 'environment' })}
  ORDER BY occurred_at DESC, event_id DESC
  LIMIT 100`;

export const traces: DashboardSpec = {
  name: 'traces',
  uid: UID,
  title: 'sendlens / Traces',
  description:
    'The OpenTelemetry traces of sends (otel_traces, the Collector ClickHouse exporter schema): failed attempts with their trace, the slowest calls, and one trace in the trace view. email_send_events.trace_id joins otel_traces.TraceId.',
  tags: ['sendlens', 'email', 'traces'],
  time: { from: 'now-6h', to: 'now' },
  variables: [
    ...COMMON_VARIABLES,
    { kind: 'textbox', name: 'trace_id', label: 'Trace id', description: 'The trace shown in the trace view (32 hex digits); click a trace id in a table to set it.', defaultValue: '' },
  ],
  panels: [
    {
      key: 'failed-sends',
      title: 'Failed attempts and their traces',
      description: 'The latest failed attempts (email_send_failures: the failed attempts of email_send_events that carry a trace, ordered by time; the rollups keep no trace ids), joined to their traces in otel_traces: how many spans the trace has and how long it took.',
      visualization: 'table',
      unit: 'short',
      sql: `SELECT e.occurred_at AS time, e.provider AS provider_name, e.workspace AS tenant, e.sender_domain AS domain, e.code AS error_code, e.attempt AS attempt_number,
  e.latency_ms AS call_ms, e.trace_id AS trace, t.span_count, t.trace_ms
FROM (${LATEST_FAILURES}) AS e
LEFT JOIN
(
  SELECT TraceId, count() AS span_count, max(Duration) / 1e6 AS trace_ms
  FROM otel_traces
  WHERE $__timeFilter(Timestamp) AND TraceId IN (SELECT trace_id FROM (${LATEST_FAILURES}))
  GROUP BY TraceId
) AS t ON t.TraceId = e.trace_id
ORDER BY time DESC, trace
LIMIT 100`,
      format: 'table',
      fields: [
        { name: 'time', type: 'time' },
        { name: 'provider_name', type: 'string' },
        { name: 'tenant', type: 'string' },
        { name: 'domain', type: 'string' },
        { name: 'error_code', type: 'string' },
        { name: 'attempt_number', type: 'number' },
        { name: 'call_ms', type: 'number', unit: 'ms' },
        { name: 'trace', type: 'string', link: TRACE_LINK },
        { name: 'span_count', type: 'number' },
        { name: 'trace_ms', type: 'number', unit: 'ms' },
      ],
      width: 24,
      height: 9,
    },
    {
      key: 'trace',
      title: 'Trace',
      description: 'The spans of the trace chosen in the trace id variable, in Grafana\'s trace view. The trace-id lookup table narrows the read to the partitions that hold it.',
      visualization: 'traces',
      unit: 'none',
      sql: `SELECT TraceId AS traceID, SpanId AS spanID, ParentSpanId AS parentSpanID, ServiceName AS serviceName, SpanName AS operationName,
  multiply(toUnixTimestamp64Nano(Timestamp), 0.000001) AS startTime,
  multiply(Duration, 0.000001) AS duration,
  arrayMap(key -> map('key', key, 'value', SpanAttributes[key]), mapKeys(SpanAttributes)) AS tags,
  arrayMap(key -> map('key', key, 'value', ResourceAttributes[key]), mapKeys(ResourceAttributes)) AS serviceTags,
  if(StatusCode IN ('Error', 'STATUS_CODE_ERROR'), 2, 0) AS statusCode
FROM otel_traces
WHERE TraceId = \${trace_id:sqlstring}
  AND Timestamp >= (SELECT min(Start) FROM otel_traces_trace_id_ts WHERE TraceId = \${trace_id:sqlstring})
  AND Timestamp <= (SELECT max(End) + 1 FROM otel_traces_trace_id_ts WHERE TraceId = \${trace_id:sqlstring})
ORDER BY startTime`,
      format: 'traces',
      fields: [
        { name: 'traceID', type: 'string' },
        { name: 'spanID', type: 'string' },
        { name: 'parentSpanID', type: 'string' },
        { name: 'serviceName', type: 'string' },
        { name: 'operationName', type: 'string' },
        { name: 'startTime', type: 'number' },
        { name: 'duration', type: 'number' },
        { name: 'tags', type: 'other' },
        { name: 'serviceTags', type: 'other' },
        { name: 'statusCode', type: 'number' },
      ],
      width: 24,
      height: 12,
    },
    {
      key: 'slowest-calls',
      title: 'Slowest provider calls',
      description: 'The longest attempt spans (email.provider set) in the time range.',
      visualization: 'table',
      unit: 'ms',
      sql: `SELECT Timestamp AS time, SpanAttributes['email.provider'] AS provider_name, SpanName AS span, Duration / 1e6 AS call_ms,
  StatusCode AS status, SpanAttributes['error.type'] AS error_code, TraceId AS trace
FROM otel_traces
WHERE $__timeFilter(Timestamp)
  AND SpanAttributes['email.provider'] != ''
  AND ${SPAN_FILTERS}
ORDER BY Duration DESC, trace
LIMIT 50`,
      format: 'table',
      fields: [
        { name: 'time', type: 'time' },
        { name: 'provider_name', type: 'string' },
        { name: 'span', type: 'string' },
        { name: 'call_ms', type: 'number' },
        { name: 'status', type: 'string' },
        { name: 'error_code', type: 'string' },
        { name: 'trace', type: 'string', link: TRACE_LINK },
      ],
      width: 12,
      height: 9,
    },
    {
      key: 'error-spans',
      title: 'Failed calls by provider (spans)',
      description: 'Attempt spans with status Error per interval, by provider: the same failures as the send events, seen from the traces.',
      visualization: 'timeseries',
      unit: 'short',
      sql: `SELECT $__timeInterval(Timestamp) AS time, SpanAttributes['email.provider'] AS provider_name, count() AS error_spans
FROM otel_traces
WHERE $__timeFilter(Timestamp)
  AND StatusCode = 'Error'
  AND SpanAttributes['email.provider'] != ''
  AND ${SPAN_FILTERS}
GROUP BY time, provider_name
ORDER BY time, provider_name`,
      format: 'time_series',
      fields: [
        { name: 'time', type: 'time' },
        { name: 'provider_name', type: 'string' },
        { name: 'error_spans', type: 'number' },
      ],
      width: 12,
      height: 9,
    },
  ],
};
