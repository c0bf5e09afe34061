-- The per-subject hourly risk rollup of 0014, rebuilt with 256-row granules instead of 8,192.
-- It is partitioned by day and ordered by subject, so a day's part holds one row per subject and
-- hour: ~60 k rows for 2,500 subjects, ~340 subjects' days in one 8,192-row granule. A query for
-- a few subjects over a month read a whole granule per subject and day: the rate charts' ten
-- domains over 30 days read 0.49 M rows for their 7,200, the risk trends 0.74 M for 14,400 (10 M
-- send events). At 256 rows a subject's day is one granule, or two. email_suspension_risk's
-- windows read whole days, as before.
--
-- Rebuilt from email_risk_rollup_1h, as 0014 built it: its views dropped, the table dropped,
-- created, filled, the views created again (the daily table, fed by the hourly one, is unchanged),
-- so the file may run again. Run it before the loaders start.
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
-- Daily partitions and subject first: the view's 7-day window prunes by partition, a trend of
-- its top subjects reads only their rows (by primary key) in the range.
PARTITION BY toDate(hour)
ORDER BY (scope, subject, hour)
TTL hour + INTERVAL {{rollup_ttl_days}} DAY
SETTINGS index_granularity = 256, non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000;

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
