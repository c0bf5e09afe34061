import { COMMON_VARIABLES, FAILURE_STEPS, SEND_FILTERS, SEND_ROLLUP, SEND_ROLLUP_BY_INTERVAL, SEND_ROLLUP_BY_TENANT } from './common.js';
import type { DashboardSpec } from './types.js';

/**
 * Retry-After waits are t-digest states in the rollup, kept only for attempts
 * that carried one (retry_after_count counts them); rows without any hold an
 * empty state, which the quantile queries skip so a provider that never sends
 * Retry-After gets no NaN row.
 */
const RETRY_AFTER_QUANTILES = 'quantilesTDigestMerge(0.5, 0.9, 0.99)(retry_after_ms_quantiles)';

export const throttling: DashboardSpec = {
  name: 'throttling-quota',
  uid: 'sendlens-throttling-quota',
  title: 'sendlens / Throttling and quota',
  description: 'Rate limiting (throttling.*), the waits providers ask for (Retry-After), and quota exhaustion (quota.*).',
  tags: ['sendlens', 'email'],
  time: { from: 'now-24h', to: 'now' },
  variables: COMMON_VARIABLES,
  panels: [
    {
      key: 'throttled-share',
      title: 'Rate-limited share',
      description: 'Attempts refused as rate limited (category throttling) over all attempts.',
      visualization: 'stat',
      unit: 'percentunit',
      sql: `SELECT if(sum(attempts) > 0, sumIf(attempts, category = 'throttling') / sum(attempts), 0) AS throttled_share
FROM ${SEND_ROLLUP}
WHERE ${SEND_FILTERS}`,
      format: 'table',
      fields: [{ name: 'throttled_share', type: 'number' }],
      thresholds: FAILURE_STEPS,
      decimals: 2,
      width: 6,
      height: 4,
    },
    {
      key: 'throttled-attempts',
      title: 'Rate-limited attempts',
      description: 'Attempts refused as rate limited.',
      visualization: 'stat',
      unit: 'short',
      sql: `SELECT sumIf(attempts, category = 'throttling') AS throttled_attempts
FROM ${SEND_ROLLUP}
WHERE ${SEND_FILTERS}`,
      format: 'table',
      fields: [{ name: 'throttled_attempts', type: 'number' }],
      width: 6,
      height: 4,
    },
    {
      key: 'retry-after-p90',
      title: 'Retry-After p90',
      description: 'The 90th percentile of the waits providers asked for (Retry-After or a rate-limit reset), over every attempt that carried one.',
      visualization: 'stat',
      unit: 'ms',
      sql: `SELECT ${RETRY_AFTER_QUANTILES}[2] AS retry_after_p90_ms
FROM ${SEND_ROLLUP}
WHERE retry_after_count > 0
  AND ${SEND_FILTERS}`,
      format: 'table',
      fields: [{ name: 'retry_after_p90_ms', type: 'number' }],
      width: 6,
      height: 4,
    },
    {
      key: 'quota-errors',
      title: 'Quota exhausted',
      description: 'Attempts refused because a daily or monthly sending quota was spent (category quota).',
      visualization: 'stat',
      unit: 'short',
      sql: `SELECT sumIf(attempts, category = 'quota') AS quota_attempts
FROM ${SEND_ROLLUP}
WHERE ${SEND_FILTERS}`,
      format: 'table',
      fields: [{ name: 'quota_attempts', type: 'number' }],
      thresholds: [
        { value: null, color: 'green' },
        { value: 1, color: 'red' },
      ],
      width: 6,
      height: 4,
    },
    {
      key: 'throttled-share-by-provider',
      title: 'Rate-limited share by provider',
      description: "Each provider's rate-limited attempts over its attempts, per interval.",
      visualization: 'timeseries',
      unit: 'percentunit',
      sql: `SELECT $__timeInterval(minute) AS time, provider,
  sumIf(attempts, category = 'throttling') / sum(attempts) AS throttled_share
FROM ${SEND_ROLLUP_BY_INTERVAL}
WHERE ${SEND_FILTERS}
GROUP BY time, provider
ORDER BY time, provider`,
      format: 'time_series',
      fields: [
        { name: 'time', type: 'time' },
        { name: 'provider', type: 'string' },
        { name: 'throttled_share', type: 'number' },
      ],
      thresholds: FAILURE_STEPS,
      thresholdStyle: 'dashed',
      min: 0,
      width: 12,
      height: 8,
    },
    {
      key: 'retry-after-by-provider',
      title: 'Retry-After distribution by provider',
      description: 'How long each provider asked callers to wait: quantiles merged from the rollup t-digests, and how many attempts carried a wait.',
      visualization: 'table',
      unit: 'ms',
      sql: `SELECT provider_name, attempts_with_wait, waits[1] AS p50_ms, waits[2] AS p90_ms, waits[3] AS p99_ms
FROM
(
  SELECT provider AS provider_name, sum(retry_after_count) AS attempts_with_wait, ${RETRY_AFTER_QUANTILES} AS waits
  FROM ${SEND_ROLLUP}
  WHERE retry_after_count > 0
    AND ${SEND_FILTERS}
  GROUP BY provider_name
)
ORDER BY attempts_with_wait DESC, provider_name`,
      format: 'table',
      fields: [
        { name: 'provider_name', type: 'string' },
        { name: 'attempts_with_wait', type: 'number', unit: 'short' },
        { name: 'p50_ms', type: 'number' },
        { name: 'p90_ms', type: 'number' },
        { name: 'p99_ms', type: 'number' },
      ],
      width: 12,
      height: 8,
    },
    {
      key: 'retry-after-trend',
      title: 'Retry-After p90 by provider',
      description: 'The 90th percentile wait asked for, per provider and interval.',
      visualization: 'timeseries',
      unit: 'ms',
      sql: `SELECT $__timeInterval(minute) AS time, provider, ${RETRY_AFTER_QUANTILES}[2] AS retry_after_p90_ms
FROM ${SEND_ROLLUP_BY_INTERVAL}
WHERE retry_after_count > 0
  AND ${SEND_FILTERS}
GROUP BY time, provider
ORDER BY time, provider`,
      format: 'time_series',
      fields: [
        { name: 'time', type: 'time' },
        { name: 'provider', type: 'string' },
        { name: 'retry_after_p90_ms', type: 'number' },
      ],
      width: 12,
      height: 8,
    },
    {
      key: 'quota-exhaustion',
      title: 'Quota exhaustion',
      description: 'Attempts refused for a spent quota, per provider and code (quota.daily_exceeded, quota.monthly_exceeded).',
      visualization: 'timeseries',
      unit: 'short',
      sql: `SELECT $__timeInterval(minute) AS time, concat(provider, ' ', code) AS provider_code, sum(attempts) AS quota_attempts
FROM ${SEND_ROLLUP_BY_INTERVAL}
WHERE category = 'quota'
  AND ${SEND_FILTERS}
GROUP BY time, provider_code
ORDER BY time, provider_code`,
      format: 'time_series',
      fields: [
        { name: 'time', type: 'time' },
        { name: 'provider_code', type: 'string' },
        { name: 'quota_attempts', type: 'number' },
      ],
      stacked: true,
      width: 12,
      height: 8,
    },
    {
      key: 'quota-by-sender',
      title: 'Quota exhaustion by sender',
      description: 'Who ran out of quota, where, and when it was first and last seen in the time range.',
      visualization: 'table',
      unit: 'short',
      sql: `SELECT workspace, sender_domain, provider, code, sum(attempts) AS quota_attempts, min(first_minute) AS first_seen, max(last_minute) AS last_seen
FROM ${SEND_ROLLUP_BY_TENANT}
WHERE category = 'quota'
  AND ${SEND_FILTERS}
GROUP BY workspace, sender_domain, provider, code
ORDER BY quota_attempts DESC, workspace, sender_domain, provider, code`,
      format: 'table',
      fields: [
        { name: 'workspace', type: 'string' },
        { name: 'sender_domain', type: 'string' },
        { name: 'provider', type: 'string' },
        { name: 'code', type: 'string' },
        { name: 'quota_attempts', type: 'number' },
        { name: 'first_seen', type: 'time' },
        { name: 'last_seen', type: 'time' },
      ],
      width: 24,
      height: 8,
    },
  ],
};
