-- The loader's batch log: before it inserts a batch, the loader records the offset range and the
-- insert deduplication token. A consumer resuming a partition at offset N replays exactly the
-- logged batch that starts at N with the same token, so ClickHouse drops it if it had already
-- landed (in the tables and in the rollups fed by materialized views): no double count after a
-- crash or a rebalance.
CREATE TABLE IF NOT EXISTS {{db}}.sendlens_ingest_batches {{on_cluster}}
(
    consumer_group LowCardinality(String),
    topic LowCardinality(String),
    partition UInt32,
    first_offset UInt64,
    last_offset UInt64,
    token String,
    written_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {{engine:ReplacingMergeTree(written_at)}}
ORDER BY (consumer_group, topic, partition, first_offset)
TTL toDateTime(written_at) + INTERVAL 30 DAY;
