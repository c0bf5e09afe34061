-- Feedback events are counted once when they arrive, so the rollups hold counts (sums) instead of
-- uniq states of event ids. A uniq state stores the ids themselves: every read of one, however
-- grouped, costs in proportion to the deliveries it covers (30 days of the daily per-subject risk
-- table took 140 ms at 1 M send events, all of it on `delivered`; at 50 M a week merges ~16 M ids).
-- A sum costs one number per row.
--
-- How an event is counted once: an event id always falls in exactly one rollup cell (its minute,
-- provider, workspace, domain, outcome, ...: all fields of the event), so "distinct ids" only has
-- to hold within a cell. Each insert into email_delivery_events passes through
-- email_delivery_first_seen (a Null table: nothing stored), which marks every row `first_seen`
-- unless its id is already in email_delivery_event_ids; the minute rollup counts distinct
-- first-seen ids per cell of the insert, and the marked ids are recorded. A webhook the provider
-- redelivers hours later, in another insert, is marked not first-seen and adds to `received` only.
--
-- Replays: a loader batch replayed after a crash carries the same insert deduplication token; ids
-- recorded under that token do not count as seen (getSetting('insert_deduplication_token')), so a
-- replay that a crash cut between recording the ids and writing the rollup rows counts them, and
-- the rollups' own token deduplication drops what the first attempt did write.
-- Limit: two inserts written at the same moment that both carry a never-seen id (a redelivery
-- racing its first delivery into the store within one loader write) both count it. The raw table
-- still keeps one row (ReplacingMergeTree). uniq itself was not exact either (32-bit hashes, and
-- approximate above 65,536 ids per state: docs/suspension-risk.md).
--
-- The uniq state `events` stays in the feedback rollups for ad hoc queries written against it;
-- the dashboards, alerts and email_suspension_risk read `event_count` (feedback rollups) and the
-- risk tables' counts, which are now plain sums under the same column names.
--
-- Upgrade: the views fed by the feedback rollups are dropped first; the minute rollup's existing
-- rows get their counts from their own uniq states (one correction row per cell, only when no row
-- has a count yet, so a run cut short and run again adds none twice, unless it was cut inside
-- that one INSERT); the hourly, daily and totals rollups are emptied and refilled from it; the
-- risk tables are dropped and rebuilt with counts; ids already stored are recorded. Run it, as
-- every migration, before the loaders start.
DROP VIEW IF EXISTS {{db}}.email_suspension_risk {{on_cluster}};

DROP VIEW IF EXISTS {{db}}.email_risk_subject_1d_mv {{on_cluster}};

DROP VIEW IF EXISTS {{db}}.email_risk_subject_1h_mv {{on_cluster}};

DROP VIEW IF EXISTS {{db}}.email_risk_rollup_1h_send_mv {{on_cluster}};

DROP VIEW IF EXISTS {{db}}.email_risk_rollup_1h_delivery_mv {{on_cluster}};

DROP VIEW IF EXISTS {{db}}.email_delivery_totals_1d_mv {{on_cluster}};

DROP VIEW IF EXISTS {{db}}.email_delivery_totals_1h_mv {{on_cluster}};

DROP VIEW IF EXISTS {{db}}.email_delivery_rollup_1d_mv {{on_cluster}};

DROP VIEW IF EXISTS {{db}}.email_delivery_rollup_1h_mv {{on_cluster}};

DROP VIEW IF EXISTS {{db}}.email_delivery_rollup_1m_mv {{on_cluster}};

DROP VIEW IF EXISTS {{db}}.email_delivery_event_ids_mv {{on_cluster}};

DROP VIEW IF EXISTS {{db}}.email_delivery_first_seen_mv {{on_cluster}};

-- Every event id stored, with the token of the insert that first brought it ('' without one).
-- Ordered by id: the first-seen check looks up one insert's ids by primary key.
CREATE TABLE IF NOT EXISTS {{db}}.email_delivery_event_ids {{on_cluster}}
(
    event_id UUID,
    day Date,
    insert_token String
)
ENGINE = {{engine:MergeTree()}}
PARTITION BY toYYYYMM(day)
ORDER BY event_id
TTL day + INTERVAL {{ttl_days}} DAY
SETTINGS non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.email_delivery_first_seen {{on_cluster}}
(
    event_id UUID,
    occurred_at DateTime64(3, 'UTC'),
    provider LowCardinality(String),
    workspace LowCardinality(String),
    sender_domain LowCardinality(String),
    outcome LowCardinality(String),
    bounce_type LowCardinality(String),
    smtp_status LowCardinality(String),
    category LowCardinality(String),
    code LowCardinality(String),
    recipient_hash String,
    first_seen UInt8
)
ENGINE = Null;

ALTER TABLE {{db}}.email_delivery_rollup_1m {{on_cluster}} ADD COLUMN IF NOT EXISTS event_count SimpleAggregateFunction(sum, UInt64);

ALTER TABLE {{db}}.email_delivery_rollup_1h {{on_cluster}} ADD COLUMN IF NOT EXISTS event_count SimpleAggregateFunction(sum, UInt64);

ALTER TABLE {{db}}.email_delivery_rollup_1d {{on_cluster}} ADD COLUMN IF NOT EXISTS event_count SimpleAggregateFunction(sum, UInt64);

ALTER TABLE {{db}}.email_delivery_totals_1h {{on_cluster}} ADD COLUMN IF NOT EXISTS event_count SimpleAggregateFunction(sum, UInt64);

ALTER TABLE {{db}}.email_delivery_totals_1d {{on_cluster}} ADD COLUMN IF NOT EXISTS event_count SimpleAggregateFunction(sum, UInt64);

INSERT INTO {{db}}.email_delivery_rollup_1m (minute, provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code, event_count)
SELECT minute, provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code, uniqMerge(events)
FROM {{db}}.email_delivery_rollup_1m
WHERE (SELECT count() FROM {{db}}.email_delivery_rollup_1m WHERE event_count > 0) = 0
GROUP BY minute, provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code;

TRUNCATE TABLE IF EXISTS {{db}}.email_delivery_rollup_1h {{on_cluster}};

TRUNCATE TABLE IF EXISTS {{db}}.email_delivery_rollup_1d {{on_cluster}};

TRUNCATE TABLE IF EXISTS {{db}}.email_delivery_totals_1h {{on_cluster}};

TRUNCATE TABLE IF EXISTS {{db}}.email_delivery_totals_1d {{on_cluster}};

INSERT INTO {{db}}.email_delivery_rollup_1h (hour, provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code, received, event_count, events, recipients)
SELECT
    toStartOfHour(minute) AS hour,
    provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code,
    sum(received), sum(event_count), uniqMergeState(events), uniqMergeState(recipients)
FROM {{db}}.email_delivery_rollup_1m
GROUP BY hour, provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code;

INSERT INTO {{db}}.email_delivery_rollup_1d (day, provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code, received, event_count, events, recipients)
SELECT
    toStartOfDay(hour) AS day,
    provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code,
    sum(received), sum(event_count), uniqMergeState(events), uniqMergeState(recipients)
FROM {{db}}.email_delivery_rollup_1h
GROUP BY day, provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code;

INSERT INTO {{db}}.email_delivery_totals_1h (hour, provider, outcome, bounce_type, smtp_status, category, code, received, event_count, events, recipients)
SELECT
    hour, provider, outcome, bounce_type, smtp_status, category, code,
    sum(received), sum(event_count), uniqMergeState(events), uniqMergeState(recipients)
FROM {{db}}.email_delivery_rollup_1h
GROUP BY hour, provider, outcome, bounce_type, smtp_status, category, code;

INSERT INTO {{db}}.email_delivery_totals_1d (day, provider, outcome, bounce_type, smtp_status, category, code, received, event_count, events, recipients)
SELECT
    day, provider, outcome, bounce_type, smtp_status, category, code,
    sum(received), sum(event_count), uniqMergeState(events), uniqMergeState(recipients)
FROM {{db}}.email_delivery_rollup_1d
GROUP BY day, provider, outcome, bounce_type, smtp_status, category, code;

TRUNCATE TABLE IF EXISTS {{db}}.email_delivery_event_ids {{on_cluster}};

INSERT INTO {{db}}.email_delivery_event_ids (event_id, day, insert_token)
SELECT DISTINCT event_id, toDate(occurred_at), ''
FROM {{db}}.email_delivery_events;

-- The risk tables of 0010 and 0013 again, their feedback columns now counts (same names), the
-- per-subject ones keyed by subject first.
DROP TABLE IF EXISTS {{db}}.email_risk_subject_1d {{on_cluster}};

DROP TABLE IF EXISTS {{db}}.email_risk_subject_1h {{on_cluster}};

DROP TABLE IF EXISTS {{db}}.email_risk_rollup_1h {{on_cluster}};

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
    -- feedback events, each counted once (above)
    delivered SimpleAggregateFunction(sum, UInt64),
    hard_bounces SimpleAggregateFunction(sum, UInt64),
    complaints SimpleAggregateFunction(sum, UInt64),
    suppressed_feedback SimpleAggregateFunction(sum, UInt64)
)
ENGINE = {{engine:AggregatingMergeTree()}}
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, provider, workspace, sender_domain)
TTL hour + INTERVAL {{rollup_ttl_days}} DAY
SETTINGS non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000;

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
    delivered SimpleAggregateFunction(sum, UInt64),
    hard_bounces SimpleAggregateFunction(sum, UInt64),
    complaints SimpleAggregateFunction(sum, UInt64),
    suppressed_feedback SimpleAggregateFunction(sum, UInt64)
)
ENGINE = {{engine:AggregatingMergeTree()}}
PARTITION BY toYYYYMM(day)
ORDER BY (scope, subject, day)
TTL day + INTERVAL {{rollup_ttl_days}} DAY
SETTINGS non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000;

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
    sumIf(event_count, outcome = 'delivered'),
    sumIf(event_count, outcome = 'bounced' AND bounce_type = 'hard'),
    sumIf(event_count, outcome = 'complained'),
    sumIf(event_count, outcome = 'suppressed')
FROM {{db}}.email_delivery_rollup_1m
GROUP BY hour, provider, workspace, sender_domain;

INSERT INTO {{db}}.email_risk_subject_1h
SELECT
    hour, key.1 AS scope, key.2 AS subject,
    sum(sends), sum(suppressed_sends), sum(account_errors), sum(suspensions),
    sum(delivered), sum(hard_bounces), sum(complaints), sum(suppressed_feedback)
FROM {{db}}.email_risk_rollup_1h
ARRAY JOIN [('sender_domain', sender_domain), ('workspace', workspace)] AS key
WHERE subject != ''
GROUP BY hour, scope, subject;

INSERT INTO {{db}}.email_risk_subject_1d
SELECT
    toStartOfDay(hour) AS day, scope, subject,
    sum(sends), sum(suppressed_sends), sum(account_errors), sum(suspensions),
    sum(delivered), sum(hard_bounces), sum(complaints), sum(suppressed_feedback)
FROM {{db}}.email_risk_subject_1h
GROUP BY day, scope, subject;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.email_delivery_first_seen_mv {{on_cluster}} TO {{db}}.email_delivery_first_seen AS
SELECT
    event_id, occurred_at, provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code, recipient_hash,
    event_id NOT IN (
        -- inside a view, email_delivery_events is the inserted block, not the table
        SELECT event_id FROM {{db}}.email_delivery_event_ids
        WHERE event_id IN (SELECT event_id FROM {{db}}.email_delivery_events)
          AND (insert_token = '' OR insert_token != getSetting('insert_deduplication_token'))
    ) AS first_seen
FROM {{db}}.email_delivery_events;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.email_delivery_event_ids_mv {{on_cluster}} TO {{db}}.email_delivery_event_ids AS
SELECT DISTINCT event_id, toDate(occurred_at) AS day, toString(getSetting('insert_deduplication_token')) AS insert_token
FROM {{db}}.email_delivery_first_seen
WHERE first_seen;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.email_delivery_rollup_1m_mv {{on_cluster}} TO {{db}}.email_delivery_rollup_1m AS
SELECT
    toStartOfMinute(occurred_at) AS minute,
    provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code,
    count() AS received,
    uniqExactIf(event_id, first_seen = 1) AS event_count,
    uniqState(event_id) AS events,
    uniqState(recipient_hash) AS recipients
FROM {{db}}.email_delivery_first_seen
GROUP BY minute, provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.email_delivery_rollup_1h_mv {{on_cluster}} TO {{db}}.email_delivery_rollup_1h AS
SELECT
    toStartOfHour(minute) AS hour,
    provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code,
    sum(received) AS received,
    sum(event_count) AS event_count,
    uniqMergeState(events) AS events,
    uniqMergeState(recipients) AS recipients
FROM {{db}}.email_delivery_rollup_1m
GROUP BY hour, provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.email_delivery_rollup_1d_mv {{on_cluster}} TO {{db}}.email_delivery_rollup_1d AS
SELECT
    toStartOfDay(hour) AS day,
    provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code,
    sum(received) AS received,
    sum(event_count) AS event_count,
    uniqMergeState(events) AS events,
    uniqMergeState(recipients) AS recipients
FROM {{db}}.email_delivery_rollup_1h
GROUP BY day, provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.email_delivery_totals_1h_mv {{on_cluster}} TO {{db}}.email_delivery_totals_1h AS
SELECT
    hour, provider, outcome, bounce_type, smtp_status, category, code,
    sum(received) AS received,
    sum(event_count) AS event_count,
    uniqMergeState(events) AS events,
    uniqMergeState(recipients) AS recipients
FROM {{db}}.email_delivery_rollup_1h
GROUP BY hour, provider, outcome, bounce_type, smtp_status, category, code;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.email_delivery_totals_1d_mv {{on_cluster}} TO {{db}}.email_delivery_totals_1d AS
SELECT
    day, provider, outcome, bounce_type, smtp_status, category, code,
    sum(received) AS received,
    sum(event_count) AS event_count,
    uniqMergeState(events) AS events,
    uniqMergeState(recipients) AS recipients
FROM {{db}}.email_delivery_rollup_1d
GROUP BY day, provider, outcome, bounce_type, smtp_status, category, code;

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
    delivered UInt64,
    hard_bounces UInt64,
    complaints UInt64,
    suppressed_feedback UInt64
) AS
SELECT
    toStartOfHour(minute) AS hour, provider, workspace, sender_domain,
    sumIf(event_count, outcome = 'delivered') AS delivered,
    sumIf(event_count, outcome = 'bounced' AND bounce_type = 'hard') AS hard_bounces,
    sumIf(event_count, outcome = 'complained') AS complaints,
    sumIf(event_count, outcome = 'suppressed') AS suppressed_feedback
FROM {{db}}.email_delivery_rollup_1m
GROUP BY hour, provider, workspace, sender_domain;

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

-- email_suspension_risk: the same columns, formula and windows as 0006, 0011 and 0013
-- (docs/suspension-risk.md), its feedback counts now sums.
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
        sum(sends) AS sends, sum(delivered) AS delivered, sum(hard_bounces) AS hard_bounces, sum(complaints) AS complaints,
        sum(suppressed_sends) + sum(suppressed_feedback) AS suppressed_hits, sum(account_errors) AS account_errors, sum(suspensions) AS suspensions
    FROM
    (
        -- whole hours (and the current one) from the hourly table per subject
        SELECT
            scope, subject, window,
            sends, suppressed_sends, account_errors, suspensions, delivered, hard_bounces, complaints, suppressed_feedback
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
            toUInt64(0) AS delivered, toUInt64(0) AS hard_bounces, toUInt64(0) AS complaints, toUInt64(0) AS suppressed_feedback
        FROM {{db}}.email_send_rollup_1m
        ARRAY JOIN [('sender_domain', sender_domain), ('workspace', workspace)] AS key
        ARRAY JOIN if(minute >= start_24h, ['24h'], ['7d']) AS window
        WHERE (minute >= start_24h AND minute < first_whole_hour_24h) OR (minute >= start_7d AND minute < first_whole_hour_7d)
        GROUP BY scope, subject, window
        UNION ALL
        SELECT
            key.1 AS scope, key.2 AS subject, window,
            toUInt64(0) AS sends, toUInt64(0) AS suppressed_sends, toUInt64(0) AS account_errors, toUInt64(0) AS suspensions,
            sumIf(event_count, outcome = 'delivered') AS delivered,
            sumIf(event_count, outcome = 'bounced' AND bounce_type = 'hard') AS hard_bounces,
            sumIf(event_count, outcome = 'complained') AS complaints,
            sumIf(event_count, outcome = 'suppressed') AS suppressed_feedback
        FROM {{db}}.email_delivery_rollup_1m
        ARRAY JOIN [('sender_domain', sender_domain), ('workspace', workspace)] AS key
        ARRAY JOIN if(minute >= start_24h, ['24h'], ['7d']) AS window
        WHERE (minute >= start_24h AND minute < first_whole_hour_24h) OR (minute >= start_7d AND minute < first_whole_hour_7d)
        GROUP BY scope, subject, window
    )
    WHERE subject != ''
    GROUP BY scope, subject, window
);
