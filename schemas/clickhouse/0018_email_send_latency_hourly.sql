-- Call latency per provider, environment and hour: the hourly totals of 0012 merged over
-- operation, outcome, category and code, for the overview's latency-by-provider chart. Over 30
-- days its 3-hour points merged a t-digest state per hour and every code of the totals (0.4 M
-- states at 10 M send events, ~560 an hour); here one per provider and environment an hour
-- (~7,200 a month, whatever the traffic). Panels read it when the workspace and sender-domain
-- variables are both All and the interval is whole hours (src/dashboards/overview.ts).
--
-- Chained on the hourly totals' inserted blocks (a replayed batch counts once, as in 0009 and
-- 0012) and backfilled from them the same way: view dropped, table emptied and refilled, view
-- created, so the file may run again. Run it before the loaders start.
DROP VIEW IF EXISTS {{db}}.email_send_latency_1h_mv {{on_cluster}};

CREATE TABLE IF NOT EXISTS {{db}}.email_send_latency_1h {{on_cluster}}
(
    hour DateTime('UTC'),
    provider LowCardinality(String),
    environment LowCardinality(String),
    attempts SimpleAggregateFunction(sum, UInt64),
    latency_ms_quantiles AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), Float32)
)
ENGINE = {{engine:AggregatingMergeTree()}}
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, provider, environment)
TTL hour + INTERVAL {{rollup_ttl_days}} DAY
SETTINGS non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000;

TRUNCATE TABLE IF EXISTS {{db}}.email_send_latency_1h {{on_cluster}};

INSERT INTO {{db}}.email_send_latency_1h
SELECT
    hour, provider, environment,
    sum(attempts) AS attempts,
    quantilesTDigestMergeState(0.5, 0.9, 0.99)(latency_ms_quantiles) AS latency_ms_quantiles
FROM {{db}}.email_send_totals_1h
GROUP BY hour, provider, environment;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.email_send_latency_1h_mv {{on_cluster}} TO {{db}}.email_send_latency_1h AS
SELECT
    hour, provider, environment,
    sum(attempts) AS attempts,
    quantilesTDigestMergeState(0.5, 0.9, 0.99)(latency_ms_quantiles) AS latency_ms_quantiles
FROM {{db}}.email_send_totals_1h
GROUP BY hour, provider, environment;
