-- email_suspension_risk (0020) with the 7-day window read from the daily table up to today's day,
-- not only up to the day the 24-hour window starts in: its hours come from the hourly table only
-- before its first whole UTC day (and the 24-hour window's from it, read once for that window
-- alone, no ARRAY JOIN into both). Today's row of the daily table holds today so far, as the
-- current hour's row of the hourly table holds this hour so far, so the sums and the subjects are
-- the same; up to 23 fewer hourly rows per subject are read, and the 24-hour window's are no longer
-- doubled into the 7-day one by an ARRAY JOIN. Measured on a copy of the 10 M bench store
-- (the workspaces' risk table, interleaved, medians of 21, two runs): 141-145 ms as 0020 reads it,
-- 135-139 in this form, 115 in this form over 0024's 8,192-row granules.
-- An event stamped later today than now (a sender's clock ahead) counts in the 7-day window as one
-- later this hour already counted in both. Same columns, formula and 24-hour window as 0020.
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
    toStartOfHour(start_7d) + INTERVAL 1 HOUR AS first_whole_hour_7d,
    -- the 7-day window's first whole UTC day
    toStartOfDay(start_7d) + INTERVAL 1 DAY AS first_whole_day_7d
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
        -- the 24-hour window's whole hours (and the current one) from the hourly table per subject
        SELECT
            scope, subject, '24h' AS window,
            sends, suppressed_sends, account_errors, suspensions, delivered, hard_bounces, complaints, suppressed_feedback
        FROM {{db}}.email_risk_subject_1h
        WHERE hour >= first_whole_hour_24h
        UNION ALL
        -- the 7-day window's whole hours before its first whole UTC day
        SELECT
            scope, subject, '7d' AS window,
            sends, suppressed_sends, account_errors, suspensions, delivered, hard_bounces, complaints, suppressed_feedback
        FROM {{db}}.email_risk_subject_1h
        WHERE hour >= first_whole_hour_7d AND hour < first_whole_day_7d
        UNION ALL
        -- its whole UTC days and today's so far from the daily table per subject
        SELECT
            scope, subject, '7d' AS window,
            sends, suppressed_sends, account_errors, suspensions, delivered, hard_bounces, complaints, suppressed_feedback
        FROM {{db}}.email_risk_subject_1d
        WHERE day >= first_whole_day_7d
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
)
-- Planning, not reading: see 0020's header.
SETTINGS optimize_and_compare_chain = 0;
