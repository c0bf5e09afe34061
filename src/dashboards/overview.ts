import { COMMON_VARIABLES, FAILURE_STEPS, BOUNCE_STEPS, SEND_FILTERS, DELIVERY_FILTERS, SEND_ROLLUP, SEND_ROLLUP_BY_INTERVAL, DELIVERY_ROLLUP, filters, rollupSource, SEND_UNFILTERED, TOTALS_HOURS_SERVE, wholeHours, EDGE_MINUTES, WHOLE_DAYS, HOURS_OUTSIDE_WHOLE_DAYS } from './common.js';
import type { DashboardSpec } from './types.js';

/**
 * Latency states per interval and provider. When neither tenant variable narrows the events and
 * the interval is whole hours, the range's whole hours come from email_send_latency_1h (one
 * state per provider, environment and hour: migration 0018) and the minutes at the edges from the
 * minute rollup; otherwise from the rollups (rollupSource). Over 30 days the totals' path merged
 * ~560 states an hour.
 */
const LATENCY_BY_INTERVAL = (() => {
  const { firstHour, endHour } = wholeHours();
  const providerEnvironment = filters({ provider: 'provider', environment: 'environment' });
  return `(
  SELECT $__timeInterval(minute) AS time, provider, latency_ms_quantiles
  FROM ${rollupSource('send', { grain: 'interval', when: `NOT (${TOTALS_HOURS_SERVE})` })}
  WHERE ${SEND_FILTERS}
  UNION ALL
  SELECT $__timeInterval(hour) AS time, provider, latency_ms_quantiles
  FROM email_send_latency_1h
  WHERE ${TOTALS_HOURS_SERVE} AND hour >= ${firstHour} AND hour < ${endHour}
    AND ${providerEnvironment}
  UNION ALL
  SELECT $__timeInterval(minute) AS time, provider, latency_ms_quantiles
  FROM email_send_rollup_1m
  WHERE ${TOTALS_HOURS_SERVE} AND ${EDGE_MINUTES}
    AND ${providerEnvironment}
)`;
})();

/**
 * The distinct recipients' `uniq` states over the range. With every variable All, the range's
 * whole UTC days come from email_send_recipients_1d (one state a day: migration 0022), its other
 * whole hours from the hourly totals and the minutes at its edges from the minute rollup;
 * otherwise from the rollups (rollupSource). Merging states is the stat's cost: over 30 days the
 * daily totals hold ~65 k of them at 10 M send events (one per provider, environment, operation,
 * outcome and code a day).
 */
const RECIPIENT_STATES = `(
  SELECT recipients
  FROM ${rollupSource('send', { grain: 'range', when: `NOT (${SEND_UNFILTERED})` })}
  WHERE ${SEND_FILTERS}
  UNION ALL
  SELECT recipients
  FROM email_send_recipients_1d
  WHERE ${SEND_UNFILTERED} AND ${WHOLE_DAYS}
  UNION ALL
  SELECT recipients
  FROM email_send_totals_1h
  WHERE ${SEND_UNFILTERED} AND ${HOURS_OUTSIDE_WHOLE_DAYS}
  UNION ALL
  SELECT recipients
  FROM email_send_rollup_1m
  WHERE ${SEND_UNFILTERED} AND ${EDGE_MINUTES}
)`;

export const overview: DashboardSpec = {
  name: 'overview',
  uid: 'sendlens-overview',
  title: 'sendlens / Overview',
  description: 'Send volume, failures by normalized category and code, and per-provider health, from the one-minute rollups.',
  tags: ['sendlens', 'email'],
  time: { from: 'now-24h', to: 'now' },
  variables: COMMON_VARIABLES,
  panels: [
    {
      key: 'attempts',
      title: 'Attempts',
      description: 'Provider calls made (every attempt, retries included).',
      visualization: 'stat',
      unit: 'short',
      sql: `SELECT sum(attempts) AS total_attempts
FROM ${SEND_ROLLUP}
WHERE ${SEND_FILTERS}`,
      format: 'table',
      fields: [{ name: 'total_attempts', type: 'number' }],
      width: 6,
      height: 4,
    },
    {
      key: 'failure-rate',
      title: 'Failure rate',
      description: 'Share of attempts the provider did not accept (outcome failed).',
      visualization: 'stat',
      unit: 'percentunit',
      sql: `SELECT if(sum(attempts) > 0, sumIf(attempts, outcome = 'failed') / sum(attempts), 0) AS failure_rate
FROM ${SEND_ROLLUP}
WHERE ${SEND_FILTERS}`,
      format: 'table',
      fields: [{ name: 'failure_rate', type: 'number' }],
      thresholds: FAILURE_STEPS,
      decimals: 2,
      width: 6,
      height: 4,
    },
    {
      key: 'recipients',
      title: 'Distinct recipients',
      description: "Distinct recipient hashes addressed: ClickHouse's uniq states merged from the rollups (exact up to 65,536 hashes, an adaptive-sampling estimate above).",
      visualization: 'stat',
      unit: 'short',
      sql: `SELECT uniqMerge(recipients) AS distinct_recipients
FROM ${RECIPIENT_STATES}`,
      format: 'table',
      fields: [{ name: 'distinct_recipients', type: 'number' }],
      width: 6,
      height: 4,
    },
    {
      key: 'retried-share',
      title: 'Retried attempts',
      description: 'Share of attempts that were a retry (attempt > 1).',
      visualization: 'stat',
      unit: 'percentunit',
      sql: `SELECT if(sum(attempts) > 0, sum(retried_attempts) / sum(attempts), 0) AS retried_share
FROM ${SEND_ROLLUP}
WHERE ${SEND_FILTERS}`,
      format: 'table',
      fields: [{ name: 'retried_share', type: 'number' }],
      thresholds: FAILURE_STEPS,
      decimals: 2,
      width: 6,
      height: 4,
    },
    {
      key: 'send-volume',
      title: 'Send volume',
      description: 'Attempts per interval, sent and failed.',
      visualization: 'timeseries',
      unit: 'short',
      sql: `SELECT $__timeInterval(minute) AS time, outcome, sum(attempts) AS attempt_count
FROM ${SEND_ROLLUP_BY_INTERVAL}
WHERE ${SEND_FILTERS}
GROUP BY time, outcome
ORDER BY time, outcome`,
      format: 'time_series',
      fields: [
        { name: 'time', type: 'time' },
        { name: 'outcome', type: 'string' },
        { name: 'attempt_count', type: 'number' },
      ],
      stacked: true,
      width: 12,
      height: 8,
    },
    {
      key: 'error-rate-by-category',
      title: 'Error rate by category',
      description: 'Failed attempts of each normalized category as a share of all attempts in the interval; stacked, the total is the failure rate.',
      visualization: 'timeseries',
      unit: 'percentunit',
      sql: `SELECT time, category, error_rate
FROM
(
  SELECT $__timeInterval(minute) AS time, category,
    sumIf(attempts, outcome = 'failed') AS failed,
    sum(sum(attempts)) OVER (PARTITION BY time) AS interval_attempts,
    failed / interval_attempts AS error_rate
  FROM ${SEND_ROLLUP_BY_INTERVAL}
  WHERE ${SEND_FILTERS}
  GROUP BY time, category
)
WHERE category != ''
ORDER BY time, category`,
      format: 'time_series',
      fields: [
        { name: 'time', type: 'time' },
        { name: 'category', type: 'string' },
        { name: 'error_rate', type: 'number' },
      ],
      stacked: true,
      min: 0,
      width: 12,
      height: 8,
    },
    {
      key: 'top-codes',
      title: 'Top normalized codes',
      description: 'The most frequent normalized error codes, their share of all failures and the providers that returned them.',
      visualization: 'table',
      unit: 'short',
      sql: `SELECT code, any(category) AS error_category, sum(attempts) AS failed_attempts,
  failed_attempts / sum(sum(attempts)) OVER () AS share_of_failures,
  arrayStringConcat(arraySort(groupUniqArray(provider)), ', ') AS providers
FROM ${SEND_ROLLUP}
WHERE outcome = 'failed'
  AND ${SEND_FILTERS}
GROUP BY code
ORDER BY failed_attempts DESC, code
LIMIT 15`,
      format: 'table',
      fields: [
        { name: 'code', type: 'string' },
        { name: 'error_category', type: 'string' },
        { name: 'failed_attempts', type: 'number' },
        { name: 'share_of_failures', type: 'number', unit: 'percentunit' },
        { name: 'providers', type: 'string' },
      ],
      width: 12,
      height: 9,
    },
    {
      key: 'provider-health',
      title: 'Provider health',
      description:
        'Per provider: attempts, failure and throttled shares, call latency (t-digest quantiles merged from the rollups) and hard bounces per accepted recipient (feedback is not filtered by environment).',
      visualization: 'table',
      unit: 'short',
      sql: `SELECT s.provider AS provider_name, total_attempts, failure_rate, throttled_share, latency_p50_ms, latency_p99_ms,
  if(accepted_recipients > 0, d.hard_bounces / accepted_recipients, 0) AS hard_bounce_rate
FROM
(
  SELECT provider,
    sum(attempts) AS total_attempts,
    sumIf(attempts, outcome = 'failed') / total_attempts AS failure_rate,
    sumIf(attempts, category = 'throttling') / total_attempts AS throttled_share,
    sumIf(recipient_count, operation IN ('send', 'send_batch') AND outcome = 'sent') AS accepted_recipients,
    quantilesTDigestMerge(0.5, 0.9, 0.99)(latency_ms_quantiles) AS latency,
    round(latency[1], 1) AS latency_p50_ms,
    round(latency[3], 1) AS latency_p99_ms
  FROM ${SEND_ROLLUP}
  WHERE ${SEND_FILTERS}
  GROUP BY provider
) AS s
LEFT JOIN
(
  SELECT provider, sumIf(event_count, outcome = 'bounced' AND bounce_type = 'hard') AS hard_bounces
  FROM ${DELIVERY_ROLLUP}
  WHERE ${DELIVERY_FILTERS}
  GROUP BY provider
) AS d ON d.provider = s.provider
ORDER BY total_attempts DESC, provider_name`,
      format: 'table',
      fields: [
        { name: 'provider_name', type: 'string' },
        { name: 'total_attempts', type: 'number' },
        { name: 'failure_rate', type: 'number', unit: 'percentunit', thresholds: FAILURE_STEPS },
        { name: 'throttled_share', type: 'number', unit: 'percentunit', thresholds: FAILURE_STEPS },
        { name: 'latency_p50_ms', type: 'number', unit: 'ms' },
        { name: 'latency_p99_ms', type: 'number', unit: 'ms' },
        { name: 'hard_bounce_rate', type: 'number', unit: 'percentunit', thresholds: BOUNCE_STEPS },
      ],
      width: 12,
      height: 9,
    },
    {
      key: 'latency-by-provider',
      title: 'Call latency p90 by provider',
      description: '90th percentile of provider call latency per interval (t-digest states merged from the rollups).',
      visualization: 'timeseries',
      unit: 'ms',
      sql: `SELECT time, provider, quantilesTDigestMerge(0.5, 0.9, 0.99)(latency_ms_quantiles)[2] AS latency_p90_ms
FROM ${LATENCY_BY_INTERVAL}
GROUP BY time, provider
ORDER BY time, provider`,
      format: 'time_series',
      fields: [
        { name: 'time', type: 'time' },
        { name: 'provider', type: 'string' },
        { name: 'latency_p90_ms', type: 'number' },
      ],
      width: 24,
      height: 8,
    },
  ],
};
