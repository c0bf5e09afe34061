import { BOUNCE_RATE, BOUNCE_STEPS, COMMON_VARIABLES, COMPLAINT_RATE, COMPLAINT_STEPS, DELIVERY_FILTERS, DELIVERY_ROLLUP, feedbackCounts, inArray, TOP_COUNT, TOP_VARIABLE, riskCountsAtEdges, riskCountsByTenant, SUBJECT_HOURS_SERVE, UNFILTERED, wholeHours } from './common.js';
import type { DashboardSpec } from './types.js';

const NO_ENVIRONMENT = 'Provider feedback carries no environment, so the environment variable does not apply.';

/**
 * The `top` sender domains a rate chart plots: those with the highest rate over the UTC days the
 * range touches among the ones with at least 500 accepted recipients and 3 of the rate's events
 * (the suspension-risk formula's guards), then the rest by rate. One series per domain is hundreds
 * of lines, which no one reads and which cost a bucket per domain and interval. Ranked from the
 * per-domain daily risk rollup when no variable narrows the events, from the provider ×
 * workspace × domain hourly one filtered by the variables otherwise: two single-table branches.
 * (It read the minute/hour/day union filtered by the variables before: planning that union cost
 * ~40 ms even when its guard was constant false.) Both rates
 * are ranked per accepted recipient (the complaint chart plots complaints per delivery; the panels
 * test pins the ranking).
 * An array (a scalar subquery, evaluated once per query) the chart's rows are matched against
 * with an IN set (inArray).
 */
const topDomains = (events: 'hard_bounces' | 'complaints') => {
  const start = "toStartOfDay(toTimeZone($__fromTime, 'UTC'))";
  const end = "toStartOfDay(toTimeZone($__toTime, 'UTC')) + INTERVAL 1 DAY";
  return `(
    SELECT groupArray(sender_domain)
    FROM
    (
      SELECT sender_domain, sum(sends) AS sends, sum(${events}) AS events
      FROM
      (
        SELECT subject AS sender_domain, sends, ${events}
        FROM email_risk_subject_1d
        WHERE (${UNFILTERED}) AND scope = 'sender_domain' AND day >= ${start} AND day < ${end}
        UNION ALL
        SELECT sender_domain, sends, ${events}
        FROM email_risk_rollup_1h
        WHERE NOT (${UNFILTERED}) AND hour >= ${start} AND hour < ${end} AND sender_domain != ''
          AND ${DELIVERY_FILTERS}
      )
      GROUP BY sender_domain
      ORDER BY sends >= 500 AND events >= 3 DESC, if(sends > 0, events / sends, 0) DESC, sender_domain
      LIMIT ${TOP_COUNT}
    )
  )`;
};

/**
 * Accepted recipients and feedback per interval for the Top domains of a rate chart. When no
 * variable narrows the events and the interval is whole hours, the range's whole hours come from
 * the per-domain hourly risk rollup (its counts are these: migration 0014), read by domain (its
 * ORDER BY) in monthly partitions (migration 0021), and only the minutes at the edges from the
 * minute rollups; otherwise every row comes from the provider × workspace × domain rollups
 * (rollupSource), which at 30 days of 10 M events meant 5.7 M hourly rows to find ten domains' 7,200.
 */
const domainCounts = (events: 'hard_bounces' | 'complaints') => {
  const bySubject = SUBJECT_HOURS_SERVE;
  const { firstHour, endHour } = wholeHours();
  return `SELECT time, sender_domain, sum(sends) AS sends, sum(delivered) AS delivered, sum(hard_bounces) AS hard_bounces, sum(complaints) AS complaints
  FROM
  (
    ${feedbackCounts(['$__timeInterval(minute) AS time', 'sender_domain'], '1', `NOT (${bySubject})`)}
    UNION ALL
    SELECT $__timeInterval(hour) AS time, subject AS sender_domain, sum(sends) AS sends, sum(delivered) AS delivered, sum(hard_bounces) AS hard_bounces, sum(complaints) AS complaints
    FROM email_risk_subject_by_month_1h
    WHERE ${bySubject} AND scope = 'sender_domain' AND hour >= ${firstHour} AND hour < ${endHour}
    GROUP BY time, sender_domain
    UNION ALL
    ${riskCountsAtEdges(['$__timeInterval(minute) AS time', 'sender_domain'], ['sends', 'delivered', 'hard_bounces', 'complaints'], bySubject)}
  )
  -- Once here: ClickHouse builds the set once and pushes the filter into every branch's read
  -- (each IN subquery written out is analysed again, ranking included).
  WHERE ${inArray('sender_domain', topDomains(events))}
  GROUP BY time, sender_domain`;
};


export const bounces: DashboardSpec = {
  name: 'bounces-complaints',
  uid: 'sendlens-bounces-complaints',
  title: 'sendlens / Bounces and complaints',
  description:
    "Hard-bounce and complaint rates against Amazon SES's review (5% / 0.1%) and pause (10% / 0.5%) lines, computed as the suspension-risk view computes them.",
  tags: ['sendlens', 'email', 'reputation'],
  time: { from: 'now-24h', to: 'now' },
  variables: [...COMMON_VARIABLES, TOP_VARIABLE],
  panels: [
    {
      key: 'bounce-rate-total',
      title: 'Hard-bounce rate',
      description: `Distinct hard-bounce events per accepted recipient over the time range. SES reviews an account at 5% and may pause it at 10%. ${NO_ENVIRONMENT}`,
      visualization: 'stat',
      unit: 'percentunit',
      sql: `SELECT ${BOUNCE_RATE} AS bounce_rate
FROM
(
  ${feedbackCounts([])}
)`,
      format: 'table',
      fields: [{ name: 'bounce_rate', type: 'number' }],
      thresholds: BOUNCE_STEPS,
      decimals: 2,
      width: 6,
      height: 4,
    },
    {
      key: 'complaint-rate-total',
      title: 'Complaint rate',
      description: `Complaints per delivery (per accepted recipient where no delivery notifications arrive). SES reviews at 0.1% and may pause at 0.5%. ${NO_ENVIRONMENT}`,
      visualization: 'stat',
      unit: 'percentunit',
      sql: `SELECT ${COMPLAINT_RATE} AS complaint_rate
FROM
(
  ${feedbackCounts([])}
)`,
      format: 'table',
      fields: [{ name: 'complaint_rate', type: 'number' }],
      thresholds: COMPLAINT_STEPS,
      decimals: 3,
      width: 6,
      height: 4,
    },
    {
      key: 'hard-bounces',
      title: 'Hard bounces',
      description: `Distinct hard-bounce events (a redelivered webhook counts once). ${NO_ENVIRONMENT}`,
      visualization: 'stat',
      unit: 'short',
      sql: `SELECT sumIf(event_count, outcome = 'bounced' AND bounce_type = 'hard') AS hard_bounce_events
FROM ${DELIVERY_ROLLUP}
WHERE ${DELIVERY_FILTERS}`,
      format: 'table',
      fields: [{ name: 'hard_bounce_events', type: 'number' }],
      width: 6,
      height: 4,
    },
    {
      key: 'complaints',
      title: 'Complaints',
      description: `Distinct complaint events. ${NO_ENVIRONMENT}`,
      visualization: 'stat',
      unit: 'short',
      sql: `SELECT sumIf(event_count, outcome = 'complained') AS complaint_events
FROM ${DELIVERY_ROLLUP}
WHERE ${DELIVERY_FILTERS}`,
      format: 'table',
      fields: [{ name: 'complaint_events', type: 'number' }],
      width: 6,
      height: 4,
    },
    {
      key: 'bounce-rate',
      title: 'Hard-bounce rate by sender domain',
      description: `Hard bounces per accepted recipient in each interval, per sender domain, with the SES review (5%) and pause (10%) lines; the Top domains by hard-bounce rate over the range (with at least 500 accepted and 3 hard bounces first). ${NO_ENVIRONMENT}`,
      visualization: 'timeseries',
      unit: 'percentunit',
      sql: `SELECT time, sender_domain, ${BOUNCE_RATE} AS bounce_rate
FROM
(
  ${domainCounts('hard_bounces')}
)
WHERE sender_domain != '' AND sends > 0
ORDER BY time, sender_domain`,
      format: 'time_series',
      fields: [
        { name: 'time', type: 'time' },
        { name: 'sender_domain', type: 'string' },
        { name: 'bounce_rate', type: 'number' },
      ],
      thresholds: BOUNCE_STEPS,
      thresholdStyle: 'dashed',
      min: 0,
      width: 12,
      height: 8,
    },
    {
      key: 'complaint-rate',
      title: 'Complaint rate by sender domain',
      description: `Complaints per delivery in each interval, per sender domain, with the SES review (0.1%) and pause (0.5%) lines; the Top domains by complaints per accepted recipient over the range (with at least 500 accepted and 3 complaints first). ${NO_ENVIRONMENT}`,
      visualization: 'timeseries',
      unit: 'percentunit',
      sql: `SELECT time, sender_domain, ${COMPLAINT_RATE} AS complaint_rate
FROM
(
  ${domainCounts('complaints')}
)
WHERE sender_domain != '' AND (sends > 0 OR delivered > 0)
ORDER BY time, sender_domain`,
      format: 'time_series',
      fields: [
        { name: 'time', type: 'time' },
        { name: 'sender_domain', type: 'string' },
        { name: 'complaint_rate', type: 'number' },
      ],
      thresholds: COMPLAINT_STEPS,
      thresholdStyle: 'dashed',
      min: 0,
      width: 12,
      height: 8,
    },
    {
      key: 'bounce-types-by-provider',
      title: 'Bounces by type and provider',
      description: `Distinct bounce events per provider: hard (permanent), soft (transient) and undetermined. ${NO_ENVIRONMENT}`,
      visualization: 'barchart',
      unit: 'short',
      sql: `SELECT provider,
  sumIf(event_count, bounce_type = 'hard') AS hard,
  sumIf(event_count, bounce_type = 'soft') AS soft,
  sumIf(event_count, bounce_type = 'undetermined') AS undetermined
FROM ${DELIVERY_ROLLUP}
WHERE outcome = 'bounced'
  AND ${DELIVERY_FILTERS}
GROUP BY provider
ORDER BY provider`,
      format: 'table',
      fields: [
        { name: 'provider', type: 'string' },
        { name: 'hard', type: 'number' },
        { name: 'soft', type: 'number' },
        { name: 'undetermined', type: 'number' },
      ],
      stacked: true,
      width: 12,
      height: 8,
    },
    {
      key: 'bounce-smtp-status',
      title: 'Bounces by SMTP status',
      description: `The enhanced status codes (RFC 3463) receiving servers gave, with the bounce type. ${NO_ENVIRONMENT}`,
      visualization: 'table',
      unit: 'short',
      sql: `SELECT smtp_status AS status_code, bounce_type AS type, sum(event_count) AS bounce_events,
  arrayStringConcat(arraySort(groupUniqArray(provider)), ', ') AS providers
FROM ${DELIVERY_ROLLUP}
WHERE outcome = 'bounced'
  AND ${DELIVERY_FILTERS}
GROUP BY status_code, type
ORDER BY bounce_events DESC, status_code
LIMIT 20`,
      format: 'table',
      fields: [
        { name: 'status_code', type: 'string' },
        { name: 'type', type: 'string' },
        { name: 'bounce_events', type: 'number' },
        { name: 'providers', type: 'string' },
      ],
      width: 12,
      height: 8,
    },
    {
      key: 'rates-by-sender',
      title: 'Rates by sender domain',
      description: `Per workspace and sender domain over the time range: accepted recipients, deliveries, hard bounces and complaints, and their rates colored by the SES lines. Feedback without a sender domain (SendGrid-style events) shows under its workspace with an empty domain. ${NO_ENVIRONMENT}`,
      visualization: 'table',
      unit: 'short',
      sql: `SELECT workspace, sender_domain, sends AS accepted, delivered, hard_bounces, ${BOUNCE_RATE} AS bounce_rate, complaints, ${COMPLAINT_RATE} AS complaint_rate
FROM
(
  ${riskCountsByTenant(['workspace', 'sender_domain'], ['sends', 'delivered', 'hard_bounces', 'complaints'])}
)
ORDER BY bounce_rate DESC, workspace, sender_domain`,
      format: 'table',
      fields: [
        { name: 'workspace', type: 'string' },
        { name: 'sender_domain', type: 'string' },
        { name: 'accepted', type: 'number' },
        { name: 'delivered', type: 'number' },
        { name: 'hard_bounces', type: 'number' },
        { name: 'bounce_rate', type: 'number', unit: 'percentunit', thresholds: BOUNCE_STEPS },
        { name: 'complaints', type: 'number' },
        { name: 'complaint_rate', type: 'number', unit: 'percentunit', thresholds: COMPLAINT_STEPS },
      ],
      width: 24,
      height: 9,
    },
  ],
};
