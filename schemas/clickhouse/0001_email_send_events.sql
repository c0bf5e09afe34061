-- One row per attempt at a provider call: the send-event contract v1 (docs/send-event.md).
-- Column names are the event's field names, so the loader inserts the producer's JSON as is.
-- ReplacingMergeTree on a sorting key that ends in event_id: a redelivered event collapses into
-- one row (`FINAL` or a merge); the insert deduplication token keeps rollups from counting it twice.
CREATE TABLE IF NOT EXISTS {{db}}.email_send_events {{on_cluster}}
(
    event_id UUID,
    schema_version UInt8,
    occurred_at DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    service LowCardinality(String),
    environment LowCardinality(String),
    provider LowCardinality(String),
    operation LowCardinality(String),
    workspace LowCardinality(String),
    sender_domain LowCardinality(String),
    recipient_domain LowCardinality(String),
    recipient_hash String CODEC(ZSTD(1)),
    recipient_count UInt32,
    message_id String CODEC(ZSTD(1)),
    provider_message_id String CODEC(ZSTD(1)),
    attempt UInt16,
    outcome LowCardinality(String),
    status Nullable(UInt16),
    -- null in the event (a sent attempt) is stored as '' so that GROUP BY needs no null handling
    provider_code LowCardinality(String),
    code LowCardinality(String),
    category LowCardinality(String),
    retry LowCardinality(String),
    retry_after_ms Nullable(UInt32),
    error_message String CODEC(ZSTD(1)),
    latency_ms Float32,
    trace_id String CODEC(ZSTD(1)),
    span_id String CODEC(ZSTD(1)),
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX idx_event_id event_id TYPE bloom_filter(0.001) GRANULARITY 4,
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 4,
    INDEX idx_recipient_hash recipient_hash TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_code code TYPE set(200) GRANULARITY 4
)
ENGINE = {{engine:ReplacingMergeTree(ingested_at)}}
PARTITION BY toDate(occurred_at)
ORDER BY (provider, sender_domain, occurred_at, event_id)
TTL toDateTime(occurred_at) + INTERVAL {{ttl_days}} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000;
