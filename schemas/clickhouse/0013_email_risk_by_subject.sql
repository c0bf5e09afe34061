-- What the suspension-risk formula counts, per subject (a sender domain or a workspace) and hour,
-- and per subject and day, across providers. email_risk_rollup_1h (0010) is keyed by provider,
-- workspace and sender domain so the dashboards' variables can filter the events counted; with
-- thousands of workspaces most of its cells hold one event, so it grows with the events. These
-- grow with subjects × hours instead (at most 2 × 2,000 + 500 subjects × 24 rows a day, however
-- many events), which is what the risk view, the risk trends and their ranking read when no
-- provider, workspace or sender-domain variable narrows them (src/dashboards/risk.ts).
--
-- Chained like 0009: the hourly table is fed the blocks inserted into email_risk_rollup_1h, the
-- daily one the blocks inserted into the hourly one, so a replayed loader batch (dropped by its
-- deduplication token, deduplicate_blocks_in_dependent_materialized_views) counts once in both.
-- Backfilled the same way: views dropped, tables emptied and refilled from the level below, views
-- created. Run it, as every migration, before the loaders start.
DROP VIEW IF EXISTS {{db}}.email_risk_subject_1d_mv {{on_cluster}};

DROP VIEW IF EXISTS {{db}}.email_risk_subject_1h_mv {{on_cluster}};

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
    delivered AggregateFunction(uniq, UUID),
    hard_bounces AggregateFunction(uniq, UUID),
    complaints AggregateFunction(uniq, UUID),
    suppressed_feedback AggregateFunction(uniq, UUID)
)
ENGINE = {{engine:AggregatingMergeTree()}}
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, scope, subject)
TTL hour + INTERVAL {{rollup_ttl_days}} DAY
SETTINGS non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.email_risk_subject_1d {{on_cluster}}
(
    day DateTime('UTC'),
    scope LowCardinality(String),
    subject LowCardinality(String),
    sends SimpleAggregateFunction(sum, UInt64),
    suppressed_sends SimpleAggregateFunction(sum, UInt64),
    account_errors SimpleAggregateFunction(sum, UInt64),
    suspensions SimpleAggregateFunction(sum, UInt64),
    delivered AggregateFunction(uniq, UUID),
    hard_bounces AggregateFunction(uniq, UUID),
    complaints AggregateFunction(uniq, UUID),
    suppressed_feedback AggregateFunction(uniq, UUID)
)
ENGINE = {{engine:AggregatingMergeTree()}}
PARTITION BY toYYYYMM(day)
ORDER BY (day, scope, subject)
TTL day + INTERVAL {{rollup_ttl_days}} DAY
SETTINGS non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000;

TRUNCATE TABLE IF EXISTS {{db}}.email_risk_subject_1h {{on_cluster}};

TRUNCATE TABLE IF EXISTS {{db}}.email_risk_subject_1d {{on_cluster}};

INSERT INTO {{db}}.email_risk_subject_1h
SELECT
    hour, key.1 AS scope, key.2 AS subject,
    sum(sends), sum(suppressed_sends), sum(account_errors), sum(suspensions),
    uniqMergeState(delivered), uniqMergeState(hard_bounces), uniqMergeState(complaints), uniqMergeState(suppressed_feedback)
FROM {{db}}.email_risk_rollup_1h
ARRAY JOIN [('sender_domain', sender_domain), ('workspace', workspace)] AS key
WHERE subject != ''
GROUP BY hour, scope, subject;

INSERT INTO {{db}}.email_risk_subject_1d
SELECT
    toStartOfDay(hour) AS day, scope, subject,
    sum(sends), sum(suppressed_sends), sum(account_errors), sum(suspensions),
    uniqMergeState(delivered), uniqMergeState(hard_bounces), uniqMergeState(complaints), uniqMergeState(suppressed_feedback)
FROM {{db}}.email_risk_subject_1h
GROUP BY day, scope, subject;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.email_risk_subject_1h_mv {{on_cluster}} TO {{db}}.email_risk_subject_1h AS
SELECT
    hour, key.1 AS scope, key.2 AS subject,
    sum(sends) AS sends,
    sum(suppressed_sends) AS suppressed_sends,
    sum(account_errors) AS account_errors,
    sum(suspensions) AS suspensions,
    uniqMergeState(delivered) AS delivered,
    uniqMergeState(hard_bounces) AS hard_bounces,
    uniqMergeState(complaints) AS complaints,
    uniqMergeState(suppressed_feedback) AS suppressed_feedback
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
    uniqMergeState(delivered) AS delivered,
    uniqMergeState(hard_bounces) AS hard_bounces,
    uniqMergeState(complaints) AS complaints,
    uniqMergeState(suppressed_feedback) AS suppressed_feedback
FROM {{db}}.email_risk_subject_1h
GROUP BY day, scope, subject;

-- email_suspension_risk, the same columns, formula and windows as 0006 and 0011
-- (docs/suspension-risk.md), its whole hours now from email_risk_subject_1h: a week is at most
-- 168 rows per subject, however many events or provider × workspace × domain cells it held.
-- The minutes of each window's first, partial hour still come from the minute rollups.
DROP VIEW IF EXISTS {{db}}.email_suspension_risk {{on_cluster}};

CREATE VIEW IF NOT EXISTS {{db}}.email_suspension_risk {{on_cluster}} AS
WITH
    0.05 AS bounce_review,
    0.10 AS bounce_pause,
    0.001 AS complaint_review,
    0.005 AS complaint_pause,
    500 AS min_sends,
    3 AS min_events,
    toTimeZone(now(), 'UTC') - INTERVAL 1 DAY AS start_24h,
    toTimeZone(now(), 'UTC') - INTERVAL 7 DAY AS start_7d,
    toStartOfHour(start_24h) + INTERVAL 1 HOUR AS first_whole_hour_24h,
    toStartOfHour(start_7d) + INTERVAL 1 HOUR AS first_whole_hour_7d
SELECT
    scope,
    subject,
    window,
    now() AS evaluated_at,
    sends,
    delivered,
    hard_bounces,
    complaints,
    suppressed_hits,
    account_errors,
    suspensions,
    if(sends > 0, hard_bounces / sends, 0) AS bounce_rate,
    if(delivered > 0, delivered, sends) AS complaint_base,
    if(complaint_base > 0, complaints / complaint_base, 0) AS complaint_rate,
    sends >= min_sends AS enough_volume,
    enough_volume AND hard_bounces >= min_events AS bounce_counts,
    enough_volume AND complaints >= min_events AS complaint_counts,
    round(greatest(bounce_rate / bounce_pause, complaint_rate / complaint_pause), 4) AS score,
    multiIf(
        suspensions > 0 OR (bounce_counts AND bounce_rate >= bounce_pause) OR (complaint_counts AND complaint_rate >= complaint_pause), 'at_risk',
        (bounce_counts AND bounce_rate >= bounce_review) OR (complaint_counts AND complaint_rate >= complaint_review), 'review',
        account_errors > 0 OR bounce_rate >= bounce_review / 2 OR complaint_rate >= complaint_review / 2 OR (suppressed_hits > 0 AND suppressed_hits >= sends * 0.01), 'watch',
        'healthy'
    ) AS level,
    arrayStringConcat(arrayFilter(x -> x != '', [
        if(suspensions > 0, 'account suspended', ''),
        if(bounce_rate >= bounce_pause, 'hard bounces >= 10% (SES pause line)', if(bounce_rate >= bounce_review, 'hard bounces >= 5% (SES review line)', if(bounce_rate >= bounce_review / 2, 'hard bounces >= 2.5%', ''))),
        if(complaint_rate >= complaint_pause, 'complaints >= 0.5% (SES pause line)', if(complaint_rate >= complaint_review, 'complaints >= 0.1% (SES review line)', if(complaint_rate >= complaint_review / 2, 'complaints >= 0.05%', ''))),
        if(account_errors > suspensions, 'account errors', ''),
        if(suppressed_hits > 0 AND suppressed_hits >= sends * 0.01, 'suppressed recipients >= 1% of sends', ''),
        if(NOT enough_volume AND (bounce_rate >= bounce_review OR complaint_rate >= complaint_review), 'below minimum volume (500 sends)', ''),
        if(enough_volume AND ((NOT bounce_counts AND bounce_rate >= bounce_review) OR (NOT complaint_counts AND complaint_rate >= complaint_review)), 'fewer than 3 events behind a rate', '')
    ]), '; ') AS reasons
FROM
(
    SELECT scope, subject, window,
        sum(sends) AS sends, uniqMerge(delivered_state) AS delivered, uniqMerge(hard_bounce_state) AS hard_bounces, uniqMerge(complaint_state) AS complaints,
        sum(suppressed_sends) + uniqMerge(suppressed_feedback_state) AS suppressed_hits, sum(account_errors) AS account_errors, sum(suspensions) AS suspensions
    FROM
    (
        -- whole hours (and the current one) from the hourly table per subject, row by row: aggregated once, below
        SELECT
            scope, subject, window,
            sends, suppressed_sends, account_errors, suspensions,
            delivered AS delivered_state, hard_bounces AS hard_bounce_state,
            complaints AS complaint_state, suppressed_feedback AS suppressed_feedback_state
        FROM {{db}}.email_risk_subject_1h
        ARRAY JOIN if(hour >= first_whole_hour_24h, ['24h', '7d'], ['7d']) AS window
        WHERE hour >= first_whole_hour_7d
        UNION ALL
        -- the minutes of each window's first, partial hour from the minute rollups
        SELECT
            key.1 AS scope, key.2 AS subject, window,
            sumIf(recipient_count, operation IN ('send', 'send_batch') AND outcome = 'sent') AS sends,
            sumIf(attempts, code = 'suppression.recipient_suppressed') AS suppressed_sends,
            sumIf(attempts, category = 'account') AS account_errors,
            sumIf(attempts, code IN ('account.sending_suspended', 'account.suspended')) AS suspensions,
            uniqStateIf(toUUID('00000000-0000-0000-0000-000000000000'), 0) AS delivered_state,
            delivered_state AS hard_bounce_state, delivered_state AS complaint_state, delivered_state AS suppressed_feedback_state
        FROM {{db}}.email_send_rollup_1m
        ARRAY JOIN [('sender_domain', sender_domain), ('workspace', workspace)] AS key
        ARRAY JOIN if(minute >= start_24h, ['24h'], ['7d']) AS window
        WHERE (minute >= start_24h AND minute < first_whole_hour_24h) OR (minute >= start_7d AND minute < first_whole_hour_7d)
        GROUP BY scope, subject, window
        UNION ALL
        SELECT
            key.1 AS scope, key.2 AS subject, window,
            toUInt64(0) AS sends, toUInt64(0) AS suppressed_sends, toUInt64(0) AS account_errors, toUInt64(0) AS suspensions,
            uniqMergeStateIf(events, outcome = 'delivered') AS delivered_state,
            uniqMergeStateIf(events, outcome = 'bounced' AND bounce_type = 'hard') AS hard_bounce_state,
            uniqMergeStateIf(events, outcome = 'complained') AS complaint_state,
            uniqMergeStateIf(events, outcome = 'suppressed') AS suppressed_feedback_state
        FROM {{db}}.email_delivery_rollup_1m
        ARRAY JOIN [('sender_domain', sender_domain), ('workspace', workspace)] AS key
        ARRAY JOIN if(minute >= start_24h, ['24h'], ['7d']) AS window
        WHERE (minute >= start_24h AND minute < first_whole_hour_24h) OR (minute >= start_7d AND minute < first_whole_hour_7d)
        GROUP BY scope, subject, window
    )
    WHERE subject != ''
    GROUP BY scope, subject, window
);
