-- What the suspension-risk formula counts, per hour, provider, workspace and sender domain, so the
-- email_suspension_risk view and the risk trends sum at most 168 hourly rows per subject instead
-- of rescanning a week of one-minute rollups. Send-side counts are sums; feedback counts are uniq
-- states of event ids (a webhook redelivered in a later insert still counts once when merged).
-- Keyed by provider, workspace and sender domain (not by subject) so the dashboards' variables
-- filter the events counted exactly as they do on the minute rollups.
--
-- Fed, like the hourly rollups of 0009, by views chained on the minute rollups' inserted blocks,
-- backfilled the same way (views dropped, table emptied and refilled, views created), and run
-- before the loaders start.
DROP VIEW IF EXISTS {{db}}.email_risk_rollup_1h_send_mv {{on_cluster}};

DROP VIEW IF EXISTS {{db}}.email_risk_rollup_1h_delivery_mv {{on_cluster}};

CREATE TABLE IF NOT EXISTS {{db}}.email_risk_rollup_1h {{on_cluster}}
(
    hour DateTime('UTC'),
    provider LowCardinality(String),
    workspace LowCardinality(String),
    sender_domain LowCardinality(String),
    -- recipients of accepted sends (operation send/send_batch, outcome sent)
    sends SimpleAggregateFunction(sum, UInt64),
    -- send attempts refused with suppression.recipient_suppressed
    suppressed_sends SimpleAggregateFunction(sum, UInt64),
    account_errors SimpleAggregateFunction(sum, UInt64),
    suspensions SimpleAggregateFunction(sum, UInt64),
    delivered AggregateFunction(uniq, UUID),
    hard_bounces AggregateFunction(uniq, UUID),
    complaints AggregateFunction(uniq, UUID),
    suppressed_feedback AggregateFunction(uniq, UUID)
)
ENGINE = {{engine:AggregatingMergeTree()}}
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, provider, workspace, sender_domain)
TTL hour + INTERVAL {{rollup_ttl_days}} DAY
SETTINGS non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000;

TRUNCATE TABLE IF EXISTS {{db}}.email_risk_rollup_1h {{on_cluster}};

INSERT INTO {{db}}.email_risk_rollup_1h (hour, provider, workspace, sender_domain, sends, suppressed_sends, account_errors, suspensions)
SELECT
    toStartOfHour(minute) AS hour, provider, workspace, sender_domain,
    sumIf(recipient_count, operation IN ('send', 'send_batch') AND outcome = 'sent'),
    sumIf(attempts, code = 'suppression.recipient_suppressed'),
    sumIf(attempts, category = 'account'),
    sumIf(attempts, code IN ('account.sending_suspended', 'account.suspended'))
FROM {{db}}.email_send_rollup_1m
GROUP BY hour, provider, workspace, sender_domain;

INSERT INTO {{db}}.email_risk_rollup_1h (hour, provider, workspace, sender_domain, delivered, hard_bounces, complaints, suppressed_feedback)
SELECT
    toStartOfHour(minute) AS hour, provider, workspace, sender_domain,
    uniqMergeStateIf(events, outcome = 'delivered'),
    uniqMergeStateIf(events, outcome = 'bounced' AND bounce_type = 'hard'),
    uniqMergeStateIf(events, outcome = 'complained'),
    uniqMergeStateIf(events, outcome = 'suppressed')
FROM {{db}}.email_delivery_rollup_1m
GROUP BY hour, provider, workspace, sender_domain;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.email_risk_rollup_1h_send_mv {{on_cluster}} TO {{db}}.email_risk_rollup_1h
(
    hour DateTime('UTC'),
    provider LowCardinality(String),
    workspace LowCardinality(String),
    sender_domain LowCardinality(String),
    sends UInt64,
    suppressed_sends UInt64,
    account_errors UInt64,
    suspensions UInt64
) AS
SELECT
    toStartOfHour(minute) AS hour, provider, workspace, sender_domain,
    sumIf(recipient_count, operation IN ('send', 'send_batch') AND outcome = 'sent') AS sends,
    sumIf(attempts, code = 'suppression.recipient_suppressed') AS suppressed_sends,
    sumIf(attempts, category = 'account') AS account_errors,
    sumIf(attempts, code IN ('account.sending_suspended', 'account.suspended')) AS suspensions
FROM {{db}}.email_send_rollup_1m
GROUP BY hour, provider, workspace, sender_domain;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.email_risk_rollup_1h_delivery_mv {{on_cluster}} TO {{db}}.email_risk_rollup_1h
(
    hour DateTime('UTC'),
    provider LowCardinality(String),
    workspace LowCardinality(String),
    sender_domain LowCardinality(String),
    delivered AggregateFunction(uniq, UUID),
    hard_bounces AggregateFunction(uniq, UUID),
    complaints AggregateFunction(uniq, UUID),
    suppressed_feedback AggregateFunction(uniq, UUID)
) AS
SELECT
    toStartOfHour(minute) AS hour, provider, workspace, sender_domain,
    uniqMergeStateIf(events, outcome = 'delivered') AS delivered,
    uniqMergeStateIf(events, outcome = 'bounced' AND bounce_type = 'hard') AS hard_bounces,
    uniqMergeStateIf(events, outcome = 'complained') AS complaints,
    uniqMergeStateIf(events, outcome = 'suppressed') AS suppressed_feedback
FROM {{db}}.email_delivery_rollup_1m
GROUP BY hour, provider, workspace, sender_domain;
