-- The per-subject hourly risk rollup of 0016, rebuilt with 8,192-row granules again instead of 256.
-- 0016 made them small for the risk trends and the rate charts, which read a few subjects over a
-- month; those read email_risk_subject_by_month_1h now (0021, 256-row granules, unchanged). Its one
-- reader left is email_suspension_risk, which reads every subject of its windows' hours: ~100 k rows
-- of a scope at 10 M send events in ~400 granules of 256, each a seek and a small block to
-- decompress per column. Measured on a copy of the 10 M bench store with 0023's view (the
-- workspaces' risk table, interleaved, medians of 21): 135-139 ms over 256-row granules, 115 over
-- 8,192 (1,024: 114-130).
--
-- Rebuilt from email_risk_rollup_1h as 0016 did: the views that read or fill it dropped, the
-- table dropped, created, filled, the views created again (the daily and by-month tables they fill
-- are unchanged), so the file may run again. Run it before the loaders start.
DROP VIEW IF EXISTS {{db}}.email_risk_subject_by_month_1h_mv {{on_cluster}};

DROP VIEW IF EXISTS {{db}}.email_risk_subject_1d_mv {{on_cluster}};

DROP VIEW IF EXISTS {{db}}.email_risk_subject_1h_mv {{on_cluster}};

DROP TABLE IF EXISTS {{db}}.email_risk_subject_1h {{on_cluster}};

CREATE TABLE IF NOT EXISTS {{db}}.email_risk_subject_1h {{on_cluster}}
(
    hour DateTime('UTC'),
    -- 'sender_domain' or 'workspace'
    scope LowCardinality(String),
    subject LowCardinality(String),
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
-- Daily partitions: the view's windows prune by partition.
PARTITION BY toDate(hour)
ORDER BY (scope, subject, hour)
TTL hour + INTERVAL {{rollup_ttl_days}} DAY
SETTINGS index_granularity = 8192, non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000;

INSERT INTO {{db}}.email_risk_subject_1h
SELECT
    hour, key.1 AS scope, key.2 AS subject,
    sum(sends), sum(suppressed_sends), sum(account_errors), sum(suspensions),
    sum(delivered), sum(hard_bounces), sum(complaints), sum(suppressed_feedback)
FROM {{db}}.email_risk_rollup_1h
ARRAY JOIN [('sender_domain', sender_domain), ('workspace', workspace)] AS key
WHERE subject != ''
GROUP BY hour, scope, subject;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.email_risk_subject_1h_mv {{on_cluster}} TO {{db}}.email_risk_subject_1h AS
SELECT
    hour, key.1 AS scope, key.2 AS subject,
    sum(sends) AS sends,
    sum(suppressed_sends) AS suppressed_sends,
    sum(account_errors) AS account_errors,
    sum(suspensions) AS suspensions,
    sum(delivered) AS delivered,
    sum(hard_bounces) AS hard_bounces,
    sum(complaints) AS complaints,
    sum(suppressed_feedback) AS suppressed_feedback
FROM {{db}}.email_risk_rollup_1h
ARRAY JOIN [('sender_domain', sender_domain), ('workspace', workspace)] AS key
WHERE subject != ''
GROUP BY hour, scope, subject;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.email_risk_subject_1d_mv {{on_cluster}} TO {{db}}.email_risk_subject_1d AS
SELECT
    toStartOfDay(hour) AS day, scope, subject,
    sum(sends) AS sends,
    sum(suppressed_sends) AS suppressed_sends,
    sum(account_errors) AS account_errors,
    sum(suspensions) AS suspensions,
    sum(delivered) AS delivered,
    sum(hard_bounces) AS hard_bounces,
    sum(complaints) AS complaints,
    sum(suppressed_feedback) AS suppressed_feedback
FROM {{db}}.email_risk_subject_1h
GROUP BY day, scope, subject;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.email_risk_subject_by_month_1h_mv {{on_cluster}} TO {{db}}.email_risk_subject_by_month_1h AS
SELECT
    hour, scope, subject,
    sum(sends) AS sends,
    sum(suppressed_sends) AS suppressed_sends,
    sum(account_errors) AS account_errors,
    sum(suspensions) AS suspensions,
    sum(delivered) AS delivered,
    sum(hard_bounces) AS hard_bounces,
    sum(complaints) AS complaints,
    sum(suppressed_feedback) AS suppressed_feedback
FROM {{db}}.email_risk_subject_1h
GROUP BY hour, scope, subject;
