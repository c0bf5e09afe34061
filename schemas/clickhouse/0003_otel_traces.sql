-- Spans in the OpenTelemetry Collector ClickHouse exporter's schema, so that Grafana's ClickHouse
-- plugin (OTel mode) and any collector can read and write the same tables. Matched column by column
-- to open-telemetry/opentelemetry-collector-contrib exporter/clickhouseexporter/internal/sqltemplates:
--   traces_table.sql               at 2bf6b9e1f8c8716ab54eaac1635e56b4d0649900
--   traces_id_ts_lookup_table.sql  at 1b08503058e58c68b9175b4d0663d0aaf16b5398
--   traces_id_ts_lookup_mv.sql     the template version (min/max of toDateTime(Timestamp))
-- with the exporter's defaults: table otel_traces, engine MergeTree() (the lookup table
-- AggregatingMergeTree(), Replicated* on a cluster), TTL of `ttl` whole days as
-- `TTL toDateTime(<col>) + toIntervalDay(N)`.
-- Skip indexes: the exporter's bloom_filter set, which it creates on ClickHouse < 26.2 and whenever
-- it cannot read the server version. On 26.2+ it creates text(tokenizer = 'array') indexes instead
-- (idx_res_attr_items / idx_span_attr_items in place of the mapValues bloom filters); columns, types,
-- codecs, keys, partitioning and TTL are the same in both.
CREATE TABLE IF NOT EXISTS {{db}}.otel_traces {{on_cluster}}
(
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Duration UInt64 CODEC(T64, ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    StatusMessage String CODEC(ZSTD(1)),
    Events Nested (
        Timestamp DateTime64(9),
        Name LowCardinality(String),
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    Links Nested (
        TraceId String,
        SpanId String,
        TraceState String,
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    ResourceAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(ResourceAttributes, 'Array(Tuple(String, String))')),
    SpanAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(SpanAttributes, 'Array(Tuple(String, String))')),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1,
    INDEX idx_lower_span_name lower(SpanName) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
)
ENGINE = {{engine:MergeTree()}}
PARTITION BY toDate(Timestamp)
PRIMARY KEY (ServiceName, SpanName, toDateTime(Timestamp))
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp)
TTL toDateTime(Timestamp) + toIntervalDay({{ttl_days}})
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

-- Trace id -> [Start, End] in whole seconds: what Grafana reads first to narrow a trace lookup to
-- the partitions that hold it. One row per trace id once merged (AggregatingMergeTree).
CREATE TABLE IF NOT EXISTS {{db}}.otel_traces_trace_id_ts {{on_cluster}}
(
    TraceId String CODEC(ZSTD(1)),
    Start SimpleAggregateFunction(min, DateTime) CODEC(ZSTD(1)),
    End SimpleAggregateFunction(max, DateTime) CODEC(ZSTD(1))
)
ENGINE = {{engine:AggregatingMergeTree()}}
PARTITION BY toStartOfWeek(Start)
ORDER BY (TraceId)
TTL toDateTime(Start) + toIntervalDay({{ttl_days}})
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.otel_traces_trace_id_ts_mv {{on_cluster}}
TO {{db}}.otel_traces_trace_id_ts
AS SELECT
    TraceId,
    min(toDateTime(Timestamp)) AS Start,
    max(toDateTime(Timestamp)) AS End
FROM {{db}}.otel_traces
WHERE TraceId != ''
GROUP BY TraceId;
