-- The send rollup counts an event id once per insert. email_send_events keeps one row per event_id
-- (ReplacingMergeTree), but its materialized view sees every row of an insert block: two lines with
-- one event_id in one loader batch (a producer that sent an event twice in one message, or twice in
-- one batch) became one raw row and two attempts in the rollup. The view now keeps the first row of
-- each event_id of the block before aggregating. Replays of a batch are unaffected: the loader's
-- insert deduplication token still drops the whole block, in the table and in this view.
-- Duplicates split across two inserts (two batches, or two halves of a bisected batch) are the
-- token's and ReplacingMergeTree's to handle; the rollup cannot see across inserts.
-- The view is dropped and created again rather than changed with ALTER ... MODIFY QUERY: on the
-- embedded engine, a view altered in one process and reloaded in the next gave the same replayed
-- batch another deduplication identity, and a crash replay was counted twice (the SIGKILL test in
-- test/ingest/crash.kafka.test.ts). Run it, as every migration, before the loaders start: rows
-- inserted between the DROP and the CREATE would not reach the rollup. Both statements may run again.
DROP VIEW IF EXISTS {{db}}.email_send_rollup_1m_mv {{on_cluster}};

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.email_send_rollup_1m_mv {{on_cluster}} TO {{db}}.email_send_rollup_1m AS
SELECT
    toStartOfMinute(occurred_at) AS minute,
    provider, environment, workspace, sender_domain, operation, outcome, category, code,
    count() AS attempts,
    sum(toUInt64(recipient_count)) AS recipient_count,
    countIf(attempt > 1) AS retried_attempts,
    sum(toFloat64(latency_ms)) AS latency_ms_sum,
    max(latency_ms) AS latency_ms_max,
    quantilesTDigestState(0.5, 0.9, 0.99)(latency_ms) AS latency_ms_quantiles,
    countIf(retry_after_ms IS NOT NULL) AS retry_after_count,
    quantilesTDigestStateIf(0.5, 0.9, 0.99)(assumeNotNull(retry_after_ms), retry_after_ms IS NOT NULL) AS retry_after_ms_quantiles,
    uniqState(recipient_hash) AS recipients
FROM (SELECT * FROM {{db}}.email_send_events LIMIT 1 BY event_id)
GROUP BY minute, provider, environment, workspace, sender_domain, operation, outcome, category, code;
