-- Totals across workspaces and sender domains, per hour and per UTC day: the hourly and daily
-- rollups of 0009 without those two dimensions. With thousands of tenants most minute, hour and
-- even day cells of the full rollups hold a few events, so a panel over every workspace reads
-- nearly as many rows from them as events; these hold one row per provider, environment,
-- operation, outcome and code (send) or provider, outcome, bounce type, SMTP status and code
-- (feedback) per hour or day. Panels read them when the workspace and sender-domain variables
-- are both All and the panel does not group by either (rollupSource in src/dashboards/common.ts).
--
-- Chained on the hourly rollups' inserted blocks (a replayed batch counts once, as in 0009) and
-- backfilled from them the same way: views dropped, tables emptied and refilled, views created.

DROP VIEW IF EXISTS {{db}}.email_send_totals_1h_mv {{on_cluster}};

DROP VIEW IF EXISTS {{db}}.email_send_totals_1d_mv {{on_cluster}};

DROP VIEW IF EXISTS {{db}}.email_delivery_totals_1h_mv {{on_cluster}};

DROP VIEW IF EXISTS {{db}}.email_delivery_totals_1d_mv {{on_cluster}};

CREATE TABLE IF NOT EXISTS {{db}}.email_send_totals_1h {{on_cluster}}
(
    hour DateTime('UTC'),
    provider LowCardinality(String),
    environment LowCardinality(String),
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
ORDER BY (hour, provider, environment, operation, outcome, category, code)
TTL hour + INTERVAL {{rollup_ttl_days}} DAY
SETTINGS non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.email_send_totals_1d {{on_cluster}}
(
    day DateTime('UTC'),
    provider LowCardinality(String),
    environment LowCardinality(String),
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
ORDER BY (day, provider, environment, operation, outcome, category, code)
TTL day + INTERVAL {{rollup_ttl_days}} DAY
SETTINGS non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.email_delivery_totals_1h {{on_cluster}}
(
    hour DateTime('UTC'),
    provider LowCardinality(String),
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
ORDER BY (hour, provider, outcome, bounce_type, smtp_status, category, code)
TTL hour + INTERVAL {{rollup_ttl_days}} DAY
SETTINGS non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.email_delivery_totals_1d {{on_cluster}}
(
    day DateTime('UTC'),
    provider LowCardinality(String),
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
ORDER BY (day, provider, outcome, bounce_type, smtp_status, category, code)
TTL day + INTERVAL {{rollup_ttl_days}} DAY
SETTINGS non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000;

TRUNCATE TABLE IF EXISTS {{db}}.email_send_totals_1h {{on_cluster}};

TRUNCATE TABLE IF EXISTS {{db}}.email_send_totals_1d {{on_cluster}};

TRUNCATE TABLE IF EXISTS {{db}}.email_delivery_totals_1h {{on_cluster}};

TRUNCATE TABLE IF EXISTS {{db}}.email_delivery_totals_1d {{on_cluster}};

INSERT INTO {{db}}.email_send_totals_1h
SELECT
    hour, provider, environment, operation, outcome, category, code,
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
GROUP BY hour, provider, environment, operation, outcome, category, code;

INSERT INTO {{db}}.email_send_totals_1d
SELECT
    day, provider, environment, operation, outcome, category, code,
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
FROM {{db}}.email_send_rollup_1d
GROUP BY day, provider, environment, operation, outcome, category, code;

INSERT INTO {{db}}.email_delivery_totals_1h
SELECT
    hour, provider, outcome, bounce_type, smtp_status, category, code,
    sum(received) AS received,
    uniqMergeState(events) AS events,
    uniqMergeState(recipients) AS recipients
FROM {{db}}.email_delivery_rollup_1h
GROUP BY hour, provider, outcome, bounce_type, smtp_status, category, code;

INSERT INTO {{db}}.email_delivery_totals_1d
SELECT
    day, provider, outcome, bounce_type, smtp_status, category, code,
    sum(received) AS received,
    uniqMergeState(events) AS events,
    uniqMergeState(recipients) AS recipients
FROM {{db}}.email_delivery_rollup_1d
GROUP BY day, provider, outcome, bounce_type, smtp_status, category, code;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.email_send_totals_1h_mv {{on_cluster}} TO {{db}}.email_send_totals_1h AS
SELECT
    hour, provider, environment, operation, outcome, category, code,
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
GROUP BY hour, provider, environment, operation, outcome, category, code;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.email_send_totals_1d_mv {{on_cluster}} TO {{db}}.email_send_totals_1d AS
SELECT
    day, provider, environment, operation, outcome, category, code,
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
FROM {{db}}.email_send_rollup_1d
GROUP BY day, provider, environment, operation, outcome, category, code;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.email_delivery_totals_1h_mv {{on_cluster}} TO {{db}}.email_delivery_totals_1h AS
SELECT
    hour, provider, outcome, bounce_type, smtp_status, category, code,
    sum(received) AS received,
    uniqMergeState(events) AS events,
    uniqMergeState(recipients) AS recipients
FROM {{db}}.email_delivery_rollup_1h
GROUP BY hour, provider, outcome, bounce_type, smtp_status, category, code;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.email_delivery_totals_1d_mv {{on_cluster}} TO {{db}}.email_delivery_totals_1d AS
SELECT
    day, provider, outcome, bounce_type, smtp_status, category, code,
    sum(received) AS received,
    uniqMergeState(events) AS events,
    uniqMergeState(recipients) AS recipients
FROM {{db}}.email_delivery_rollup_1d
GROUP BY day, provider, outcome, bounce_type, smtp_status, category, code;
