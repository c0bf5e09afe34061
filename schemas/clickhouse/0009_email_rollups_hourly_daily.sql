-- Hourly and daily rollups of the one-minute ones, so a panel over days or weeks reads a few
-- rows per hour or day instead of every minute (src/dashboards/common.ts picks the coarsest
-- rollup that covers each part of the time range exactly). Same dimensions and states as the
-- minute rollups; first_minute/last_minute keep the minute an hour or day was first and last
-- seen in, for panels that show when something happened.
--
-- Chained: each view is fed the block inserted into the rollup below it (email_send_rollup_1m's
-- block is its own view's output for one insert into email_send_events), not the whole table.
-- A replayed loader batch is dropped by its insert deduplication token in the raw table, and
-- with deduplicate_blocks_in_dependent_materialized_views in every view below it, these included
-- (test/store/rollups.test.ts replays a batch; test/ingest/crash.kafka.test.ts kills a loader).
--
-- Backfill: the views are dropped, the new tables emptied and refilled from the rollup below,
-- then the views created, so the whole file may run again after being cut short. Run it, as
-- every migration, before the loaders start: rows inserted meanwhile would be missed or doubled.
DROP VIEW IF EXISTS {{db}}.email_send_rollup_1d_mv {{on_cluster}};

DROP VIEW IF EXISTS {{db}}.email_send_rollup_1h_mv {{on_cluster}};

DROP VIEW IF EXISTS {{db}}.email_delivery_rollup_1d_mv {{on_cluster}};

DROP VIEW IF EXISTS {{db}}.email_delivery_rollup_1h_mv {{on_cluster}};

CREATE TABLE IF NOT EXISTS {{db}}.email_send_rollup_1h {{on_cluster}}
(
    hour DateTime('UTC'),
    provider LowCardinality(String),
    environment LowCardinality(String),
    workspace LowCardinality(String),
    sender_domain LowCardinality(String),
    operation LowCardinality(String),
    outcome LowCardinality(String),
    category LowCardinality(String),
    code LowCardinality(String),
    attempts SimpleAggregateFunction(sum, UInt64),
    recipient_count SimpleAggregateFunction(sum, UInt64),
    retried_attempts SimpleAggregateFunction(sum, UInt64),
    latency_ms_sum SimpleAggregateFunction(sum, Float64),
    latency_ms_max SimpleAggregateFunction(max, Float32),
    latency_ms_quantiles AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), Float32),
    retry_after_count SimpleAggregateFunction(sum, UInt64),
    retry_after_ms_quantiles AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), UInt32),
    recipients AggregateFunction(uniq, String),
    first_minute SimpleAggregateFunction(min, DateTime('UTC')),
    last_minute SimpleAggregateFunction(max, DateTime('UTC'))
)
ENGINE = {{engine:AggregatingMergeTree()}}
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, provider, environment, workspace, sender_domain, operation, outcome, category, code)
TTL hour + INTERVAL {{rollup_ttl_days}} DAY
SETTINGS non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.email_send_rollup_1d {{on_cluster}}
(
    day DateTime('UTC'),
    provider LowCardinality(String),
    environment LowCardinality(String),
    workspace LowCardinality(String),
    sender_domain LowCardinality(String),
    operation LowCardinality(String),
    outcome LowCardinality(String),
    category LowCardinality(String),
    code LowCardinality(String),
    attempts SimpleAggregateFunction(sum, UInt64),
    recipient_count SimpleAggregateFunction(sum, UInt64),
    retried_attempts SimpleAggregateFunction(sum, UInt64),
    latency_ms_sum SimpleAggregateFunction(sum, Float64),
    latency_ms_max SimpleAggregateFunction(max, Float32),
    latency_ms_quantiles AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), Float32),
    retry_after_count SimpleAggregateFunction(sum, UInt64),
    retry_after_ms_quantiles AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), UInt32),
    recipients AggregateFunction(uniq, String),
    first_minute SimpleAggregateFunction(min, DateTime('UTC')),
    last_minute SimpleAggregateFunction(max, DateTime('UTC'))
)
ENGINE = {{engine:AggregatingMergeTree()}}
PARTITION BY toYYYYMM(day)
ORDER BY (day, provider, environment, workspace, sender_domain, operation, outcome, category, code)
TTL day + INTERVAL {{rollup_ttl_days}} DAY
SETTINGS non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.email_delivery_rollup_1h {{on_cluster}}
(
    hour DateTime('UTC'),
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
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code)
TTL hour + INTERVAL {{rollup_ttl_days}} DAY
SETTINGS non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.email_delivery_rollup_1d {{on_cluster}}
(
    day DateTime('UTC'),
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
PARTITION BY toYYYYMM(day)
ORDER BY (day, provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code)
TTL day + INTERVAL {{rollup_ttl_days}} DAY
SETTINGS non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000;

TRUNCATE TABLE IF EXISTS {{db}}.email_send_rollup_1h {{on_cluster}};

TRUNCATE TABLE IF EXISTS {{db}}.email_send_rollup_1d {{on_cluster}};

TRUNCATE TABLE IF EXISTS {{db}}.email_delivery_rollup_1h {{on_cluster}};

TRUNCATE TABLE IF EXISTS {{db}}.email_delivery_rollup_1d {{on_cluster}};

INSERT INTO {{db}}.email_send_rollup_1h
SELECT
    toStartOfHour(minute) AS hour,
    provider, environment, workspace, sender_domain, operation, outcome, category, code,
    sum(attempts), sum(recipient_count), sum(retried_attempts), sum(latency_ms_sum), max(latency_ms_max),
    quantilesTDigestMergeState(0.5, 0.9, 0.99)(latency_ms_quantiles),
    sum(retry_after_count),
    quantilesTDigestMergeState(0.5, 0.9, 0.99)(retry_after_ms_quantiles),
    uniqMergeState(recipients),
    min(minute), max(minute)
FROM {{db}}.email_send_rollup_1m
GROUP BY hour, provider, environment, workspace, sender_domain, operation, outcome, category, code;

INSERT INTO {{db}}.email_send_rollup_1d
SELECT
    toStartOfDay(hour) AS day,
    provider, environment, workspace, sender_domain, operation, outcome, category, code,
    sum(attempts), sum(recipient_count), sum(retried_attempts), sum(latency_ms_sum), max(latency_ms_max),
    quantilesTDigestMergeState(0.5, 0.9, 0.99)(latency_ms_quantiles),
    sum(retry_after_count),
    quantilesTDigestMergeState(0.5, 0.9, 0.99)(retry_after_ms_quantiles),
    uniqMergeState(recipients),
    min(first_minute), max(last_minute)
FROM {{db}}.email_send_rollup_1h
GROUP BY day, provider, environment, workspace, sender_domain, operation, outcome, category, code;

INSERT INTO {{db}}.email_delivery_rollup_1h
SELECT
    toStartOfHour(minute) AS hour,
    provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code,
    sum(received), uniqMergeState(events), uniqMergeState(recipients)
FROM {{db}}.email_delivery_rollup_1m
GROUP BY hour, provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code;

INSERT INTO {{db}}.email_delivery_rollup_1d
SELECT
    toStartOfDay(hour) AS day,
    provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code,
    sum(received), uniqMergeState(events), uniqMergeState(recipients)
FROM {{db}}.email_delivery_rollup_1h
GROUP BY day, provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.email_send_rollup_1h_mv {{on_cluster}} TO {{db}}.email_send_rollup_1h AS
SELECT
    toStartOfHour(minute) AS hour,
    provider, environment, workspace, sender_domain, operation, outcome, category, code,
    sum(attempts) AS attempts,
    sum(recipient_count) AS recipient_count,
    sum(retried_attempts) AS retried_attempts,
    sum(latency_ms_sum) AS latency_ms_sum,
    max(latency_ms_max) AS latency_ms_max,
    quantilesTDigestMergeState(0.5, 0.9, 0.99)(latency_ms_quantiles) AS latency_ms_quantiles,
    sum(retry_after_count) AS retry_after_count,
    quantilesTDigestMergeState(0.5, 0.9, 0.99)(retry_after_ms_quantiles) AS retry_after_ms_quantiles,
    uniqMergeState(recipients) AS recipients,
    min(minute) AS first_minute,
    max(minute) AS last_minute
FROM {{db}}.email_send_rollup_1m
GROUP BY hour, provider, environment, workspace, sender_domain, operation, outcome, category, code;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.email_send_rollup_1d_mv {{on_cluster}} TO {{db}}.email_send_rollup_1d AS
SELECT
    toStartOfDay(hour) AS day,
    provider, environment, workspace, sender_domain, operation, outcome, category, code,
    sum(attempts) AS attempts,
    sum(recipient_count) AS recipient_count,
    sum(retried_attempts) AS retried_attempts,
    sum(latency_ms_sum) AS latency_ms_sum,
    max(latency_ms_max) AS latency_ms_max,
    quantilesTDigestMergeState(0.5, 0.9, 0.99)(latency_ms_quantiles) AS latency_ms_quantiles,
    sum(retry_after_count) AS retry_after_count,
    quantilesTDigestMergeState(0.5, 0.9, 0.99)(retry_after_ms_quantiles) AS retry_after_ms_quantiles,
    uniqMergeState(recipients) AS recipients,
    min(first_minute) AS first_minute,
    max(last_minute) AS last_minute
FROM {{db}}.email_send_rollup_1h
GROUP BY day, provider, environment, workspace, sender_domain, operation, outcome, category, code;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.email_delivery_rollup_1h_mv {{on_cluster}} TO {{db}}.email_delivery_rollup_1h AS
SELECT
    toStartOfHour(minute) AS hour,
    provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code,
    sum(received) AS received,
    uniqMergeState(events) AS events,
    uniqMergeState(recipients) AS recipients
FROM {{db}}.email_delivery_rollup_1m
GROUP BY hour, provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.email_delivery_rollup_1d_mv {{on_cluster}} TO {{db}}.email_delivery_rollup_1d AS
SELECT
    toStartOfDay(hour) AS day,
    provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code,
    sum(received) AS received,
    uniqMergeState(events) AS events,
    uniqMergeState(recipients) AS recipients
FROM {{db}}.email_delivery_rollup_1h
GROUP BY day, provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code;
