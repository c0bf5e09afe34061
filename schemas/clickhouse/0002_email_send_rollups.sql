-- One-minute rollups of send attempts, fed by a materialized view on every insert into
-- email_send_events; dashboards and alerts read these instead of raw rows. Counts are
-- SimpleAggregateFunction(sum) so a plain sum() reads them; distributions are t-digest states
-- (read with quantilesTDigestMerge), distinct recipients an HLL state (uniqMerge).
CREATE TABLE IF NOT EXISTS {{db}}.email_send_rollup_1m {{on_cluster}}
(
    minute DateTime('UTC'),
    provider LowCardinality(String),
    environment LowCardinality(String),
    workspace LowCardinality(String),
    sender_domain LowCardinality(String),
    operation LowCardinality(String),
    outcome LowCardinality(String),
    category LowCardinality(String),
    code LowCardinality(String),
    attempts SimpleAggregateFunction(sum, UInt64),
    -- recipients addressed (a batch send counts each): the denominator of bounce rates
    recipient_count SimpleAggregateFunction(sum, UInt64),
    retried_attempts SimpleAggregateFunction(sum, UInt64),
    latency_ms_sum SimpleAggregateFunction(sum, Float64),
    latency_ms_max SimpleAggregateFunction(max, Float32),
    latency_ms_quantiles AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), Float32),
    retry_after_count SimpleAggregateFunction(sum, UInt64),
    retry_after_ms_quantiles AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), UInt32),
    recipients AggregateFunction(uniq, String)
)
ENGINE = {{engine:AggregatingMergeTree()}}
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, provider, environment, workspace, sender_domain, operation, outcome, category, code)
TTL minute + INTERVAL {{rollup_ttl_days}} DAY
SETTINGS non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.email_send_rollup_1m_mv {{on_cluster}} TO {{db}}.email_send_rollup_1m AS
SELECT
    toStartOfMinute(occurred_at) AS minute,
    provider, environment, workspace, sender_domain, operation, outcome, category, code,
    count() AS attempts,
    sum(toUInt64(recipient_count)) AS recipient_count,
    countIf(attempt > 1) AS retried_attempts,
    sum(toFloat64(latency_ms)) AS latency_ms_sum,
    max(latency_ms) AS latency_ms_max,
    quantilesTDigestState(0.5, 0.9, 0.99)(latency_ms) AS latency_ms_quantiles,
    countIf(retry_after_ms IS NOT NULL) AS retry_after_count,
    quantilesTDigestStateIf(0.5, 0.9, 0.99)(assumeNotNull(retry_after_ms), retry_after_ms IS NOT NULL) AS retry_after_ms_quantiles,
    uniqState(recipient_hash) AS recipients
FROM {{db}}.email_send_events
GROUP BY minute, provider, environment, workspace, sender_domain, operation, outcome, category, code;
