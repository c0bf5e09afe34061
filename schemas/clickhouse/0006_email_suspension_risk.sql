-- Suspension risk per sender domain and per workspace, over the last 24 hours and the last 7 days,
-- evaluated when queried (now()). One row per (scope, subject, window). The formula, also in
-- docs/suspension-risk.md:
--
--   sends          recipients of accepted sends (operation send/send_batch, outcome sent)
--   hard_bounces   distinct delivery events: outcome bounced, bounce_type hard
--   complaints     distinct delivery events: outcome complained
--   delivered      distinct delivery events: outcome delivered
--   suppressed_hits  feedback with outcome suppressed + send attempts refused with
--                  suppression.recipient_suppressed (the sender keeps mailing suppressed addresses)
--   account_errors send attempts in category account (account.*); suspensions: the
--                  account.sending_suspended and account.suspended ones
--   bounce_rate    hard_bounces / sends (0 without sends)
--   complaint_rate complaints / delivered, or / sends where no delivery notifications arrive
--   score          max(bounce_rate / 10%, complaint_rate / 0.5%): 1.0 is where Amazon SES pauses
--
--   level  at_risk  a suspension error, or (enough volume and) bounce_rate >= 10% or complaint_rate >= 0.5%
--          review   (enough volume and) bounce_rate >= 5% or complaint_rate >= 0.1%
--          (a rate counts toward at_risk or review only with at least 3 of its events behind it)
--          watch    any account.* error, bounce_rate >= 2.5% or complaint_rate >= 0.05% at any volume,
--                   or suppressed hits on >= 1% of sends
--          healthy  otherwise
--   enough volume: sends >= 500 in the window. Below it rates are noise (ten sends and one bounce
--   is 10%); they can raise `watch`, never `review` or `at_risk`. Likewise one complaint in 900
--   sends is 0.11%: a rate needs 3 events (hard bounces, complaints) to reach review or at_risk.
--
-- The 5%/10% and 0.1%/0.5% lines are Amazon SES's published review and pause thresholds
-- (SES's own rates are over a representative period, not exactly these windows).
-- Feedback without a sender domain (SendGrid-style events do not carry one) counts for its
-- workspace only; rows with an empty subject are left out.
CREATE VIEW IF NOT EXISTS {{db}}.email_suspension_risk {{on_cluster}} AS
WITH
    0.05 AS bounce_review,
    0.10 AS bounce_pause,
    0.001 AS complaint_review,
    0.005 AS complaint_pause,
    500 AS min_sends,
    3 AS min_events
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
        sum(suppressed_hits) AS suppressed_hits, sum(account_errors) AS account_errors, sum(suspensions) AS suspensions
    FROM
    (
        SELECT
            key.1 AS scope, key.2 AS subject, window,
            sumIf(recipient_count, operation IN ('send', 'send_batch') AND outcome = 'sent') AS sends,
            toUInt64(0) AS delivered,
            toUInt64(0) AS hard_bounces,
            toUInt64(0) AS complaints,
            sumIf(attempts, code = 'suppression.recipient_suppressed') AS suppressed_hits,
            sumIf(attempts, category = 'account') AS account_errors,
            sumIf(attempts, code IN ('account.sending_suspended', 'account.suspended')) AS suspensions
        FROM {{db}}.email_send_rollup_1m
        ARRAY JOIN [('sender_domain', sender_domain), ('workspace', workspace)] AS key
        ARRAY JOIN if(minute >= now() - INTERVAL 1 DAY, ['24h', '7d'], ['7d']) AS window
        WHERE minute >= now() - INTERVAL 7 DAY
        GROUP BY scope, subject, window
        UNION ALL
        SELECT
            key.1 AS scope, key.2 AS subject, window,
            toUInt64(0) AS sends,
            uniqMergeIf(events, outcome = 'delivered') AS delivered,
            uniqMergeIf(events, outcome = 'bounced' AND bounce_type = 'hard') AS hard_bounces,
            uniqMergeIf(events, outcome = 'complained') AS complaints,
            uniqMergeIf(events, outcome = 'suppressed') AS suppressed_hits,
            toUInt64(0) AS account_errors,
            toUInt64(0) AS suspensions
        FROM {{db}}.email_delivery_rollup_1m
        ARRAY JOIN [('sender_domain', sender_domain), ('workspace', workspace)] AS key
        ARRAY JOIN if(minute >= now() - INTERVAL 1 DAY, ['24h', '7d'], ['7d']) AS window
        WHERE minute >= now() - INTERVAL 7 DAY
        GROUP BY scope, subject, window
    )
    WHERE subject != ''
    GROUP BY scope, subject, window
);
