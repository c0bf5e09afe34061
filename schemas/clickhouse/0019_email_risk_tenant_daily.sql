-- The risk rollup's counts (0010, 0014) per provider, workspace, sender domain and UTC day, for
-- panels over a range that group by workspace and sender domain (the bounces dashboard's rates by
-- sender). The daily rollup of 0009 keeps operation, outcome, category and code too: with
-- thousands of tenants its month is ~1.1 M rows at 10 M send events, where these counts need
-- one row per tenant and day (~3,500 a day however many events).
--
-- Chained on email_risk_rollup_1h's inserted blocks, as the per-subject tables are (0013), and
-- backfilled from it the same way: view dropped, table emptied and refilled, view created, so the
-- file may run again. Run it before the loaders start.
DROP VIEW IF EXISTS {{db}}.email_risk_tenant_1d_mv {{on_cluster}};

CREATE TABLE IF NOT EXISTS {{db}}.email_risk_tenant_1d {{on_cluster}}
(
    day DateTime('UTC'),
    provider LowCardinality(String),
    workspace LowCardinality(String),
    sender_domain LowCardinality(String),
    sends SimpleAggregateFunction(sum, UInt64),
    suppressed_sends SimpleAggregateFunction(sum, UInt64),
    account_errors SimpleAggregateFunction(sum, UInt64),
    suspensions SimpleAggregateFunction(sum, UInt64),
    delivered SimpleAggregateFunction(sum, UInt64),
    hard_bounces SimpleAggregateFunction(sum, UInt64),
    complaints SimpleAggregateFunction(sum, UInt64),
    suppressed_feedback SimpleAggregateFunction(sum, UInt64)
)
ENGINE = {{engine:AggregatingMergeTree()}}
PARTITION BY toYYYYMM(day)
ORDER BY (day, provider, workspace, sender_domain)
TTL day + INTERVAL {{rollup_ttl_days}} DAY
SETTINGS non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000;

TRUNCATE TABLE IF EXISTS {{db}}.email_risk_tenant_1d {{on_cluster}};

INSERT INTO {{db}}.email_risk_tenant_1d
SELECT
    toStartOfDay(hour) AS day, provider, workspace, sender_domain,
    sum(sends), sum(suppressed_sends), sum(account_errors), sum(suspensions),
    sum(delivered), sum(hard_bounces), sum(complaints), sum(suppressed_feedback)
FROM {{db}}.email_risk_rollup_1h
GROUP BY day, provider, workspace, sender_domain;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.email_risk_tenant_1d_mv {{on_cluster}} TO {{db}}.email_risk_tenant_1d AS
SELECT
    toStartOfDay(hour) AS day, provider, workspace, sender_domain,
    sum(sends) AS sends,
    sum(suppressed_sends) AS suppressed_sends,
    sum(account_errors) AS account_errors,
    sum(suspensions) AS suspensions,
    sum(delivered) AS delivered,
    sum(hard_bounces) AS hard_bounces,
    sum(complaints) AS complaints,
    sum(suppressed_feedback) AS suppressed_feedback
FROM {{db}}.email_risk_rollup_1h
GROUP BY day, provider, workspace, sender_domain;
