-- One row per recipient per provider feedback event: the delivery-event contract v1
-- (docs/delivery-event.md), written by the webhook receiver (`sendlens webhooks`) to Kafka topic
-- email.delivery.events and loaded by `sendlens ingest`. Column names are the event's field names.
-- event_id is derived from the provider's own event identity, so a webhook the provider delivers
-- twice carries the same id: ReplacingMergeTree keeps one row, and the rollup below counts
-- distinct event ids, not inserts.
CREATE TABLE IF NOT EXISTS {{db}}.email_delivery_events {{on_cluster}}
(
    event_id UUID,
    schema_version UInt8,
    occurred_at DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    received_at DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    provider LowCardinality(String),
    provider_type LowCardinality(String),
    workspace LowCardinality(String),
    sender_domain LowCardinality(String),
    recipient_domain LowCardinality(String),
    recipient_hash String CODEC(ZSTD(1)),
    message_id String CODEC(ZSTD(1)),
    provider_message_id String CODEC(ZSTD(1)),
    provider_event_id String CODEC(ZSTD(1)),
    outcome LowCardinality(String),
    -- null in the event (not a bounce, no code) is stored as '' so GROUP BY needs no null handling
    bounce_type LowCardinality(String),
    provider_bounce_type LowCardinality(String),
    bounce_subtype LowCardinality(String),
    provider_reason String CODEC(ZSTD(1)),
    smtp_status LowCardinality(String),
    smtp_code Nullable(UInt16),
    diagnostic String CODEC(ZSTD(1)),
    code LowCardinality(String),
    category LowCardinality(String),
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX idx_event_id event_id TYPE bloom_filter(0.001) GRANULARITY 4,
    INDEX idx_recipient_hash recipient_hash TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_provider_message_id provider_message_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = {{engine:ReplacingMergeTree(ingested_at)}}
PARTITION BY toDate(occurred_at)
ORDER BY (provider, sender_domain, occurred_at, event_id)
TTL toDateTime(occurred_at) + INTERVAL {{ttl_days}} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000;

-- One-minute rollups of feedback. `events` counts distinct event ids (uniq is exact up to 65,536
-- distinct ids per state, then within about 1%), so a redelivered webhook never inflates a rate;
-- `received` counts rows as they arrived, redeliveries included (receiver load).
CREATE TABLE IF NOT EXISTS {{db}}.email_delivery_rollup_1m {{on_cluster}}
(
    minute DateTime('UTC'),
    provider LowCardinality(String),
    workspace LowCardinality(String),
    sender_domain LowCardinality(String),
    outcome LowCardinality(String),
    bounce_type LowCardinality(String),
    smtp_status LowCardinality(String),
    category LowCardinality(String),
    code LowCardinality(String),
    received SimpleAggregateFunction(sum, UInt64),
    events AggregateFunction(uniq, UUID),
    recipients AggregateFunction(uniq, String)
)
ENGINE = {{engine:AggregatingMergeTree()}}
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code)
TTL minute + INTERVAL {{rollup_ttl_days}} DAY
SETTINGS non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.email_delivery_rollup_1m_mv {{on_cluster}} TO {{db}}.email_delivery_rollup_1m AS
SELECT
    toStartOfMinute(occurred_at) AS minute,
    provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code,
    count() AS received,
    uniqState(event_id) AS events,
    uniqState(recipient_hash) AS recipients
FROM {{db}}.email_delivery_events
GROUP BY minute, provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code;
