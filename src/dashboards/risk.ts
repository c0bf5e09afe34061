import { COMMON_VARIABLES, DELIVERY_FILTERS, LEVEL_RANKS, LEVEL_STEPS, LEVEL_TEXT, SCORE_STEPS, SES_LINES, BOUNCE_STEPS, COMPLAINT_STEPS, filters, TOP_COUNT, TOP_VARIABLE, UNFILTERED } from './common.js';
import type { DashboardSpec, FieldSpec, VariableSpec } from './types.js';

/** The first hour counted: the 23 before the hour holding the range's start, so its first point has 24 hours behind it. */
const TREND_START = "toStartOfHour(toTimeZone($__fromTime, 'UTC')) - INTERVAL 23 HOUR";
/** The end of the last whole hour of the range (its last minute at or before the range's end). */
const TREND_WHOLE_HOURS_END = "(toStartOfHour(toTimeZone($__toTime, 'UTC') - INTERVAL 59 MINUTE) + INTERVAL 1 HOUR)";
const RISK_FILTERS = filters({ provider: 'provider', workspace: 'workspace', sender_domain: 'sender_domain' });

/** The formula's constants: SES's lines and the volume below which a rate is not trusted (the view's WITH). */
const RISK_CONSTANTS = `${SES_LINES.bounceReview} AS bounce_review,
    ${SES_LINES.bouncePause} AS bounce_pause,
    ${SES_LINES.complaintReview} AS complaint_review,
    ${SES_LINES.complaintPause} AS complaint_pause,
    500 AS min_sends,
    3 AS min_events`;

/** Score and level rank of counts named sends, delivered, hard_bounces, complaints, suppressed_hits, account_errors, suspensions. */
const RISK_COLUMNS = `if(sends > 0, hard_bounces / sends, 0) AS bounce_rate,
    if(delivered > 0, delivered, sends) AS complaint_base,
    if(complaint_base > 0, complaints / complaint_base, 0) AS complaint_rate,
    sends >= min_sends AS enough_volume,
    enough_volume AND hard_bounces >= min_events AS bounce_counts,
    enough_volume AND complaints >= min_events AS complaint_counts,
    round(greatest(bounce_rate / bounce_pause, complaint_rate / complaint_pause), 4) AS score,
    multiIf(
        suspensions > 0 OR (bounce_counts AND bounce_rate >= bounce_pause) OR (complaint_counts AND complaint_rate >= complaint_pause), ${LEVEL_RANKS.at_risk},
        (bounce_counts AND bounce_rate >= bounce_review) OR (complaint_counts AND complaint_rate >= complaint_review), ${LEVEL_RANKS.review},
        account_errors > 0 OR bounce_rate >= bounce_review / 2 OR complaint_rate >= complaint_review / 2 OR (suppressed_hits > 0 AND suppressed_hits >= sends * 0.01), ${LEVEL_RANKS.watch},
        ${LEVEL_RANKS.healthy}
    ) AS level_rank`;

/** The risk rollups' counts summed, under the names RISK_COLUMNS reads. */
const SUMMED_COUNTS = `sum(sends) AS sends,
      sum(delivered) AS delivered,
      sum(hard_bounces) AS hard_bounces,
      sum(complaints) AS complaints,
      sum(suppressed_sends) + sum(suppressed_feedback) AS suppressed_hits,
      sum(account_errors) AS account_errors,
      sum(suspensions) AS suspensions`;

/**
 * Each subject's counts per UTC day with `bucket` in [start, end), one row per bucket, scope and
 * name (the ranking evaluates the formula per row): from the per-subject daily rollup when no
 * variable narrows the events, from the provider × workspace × domain hourly rollup filtered by
 * the variables otherwise. The branch whose guard is constant false reads nothing. Rows: bucket,
 * scope, name, then the counts under SUMMED_COUNTS' names.
 *
 * The per-subject days are merged with FINAL, not GROUP BY, since their parts are sorted by
 * subject and day and FINAL merges neighbours as it reads, where GROUP BY hashes two strings and a
 * time per row. Measured side by side on a fresh 10 M store (the ranking alone, two stores): over
 * 30 days FINAL 71–88 ms against GROUP BY 85–94, over 7 days 62–74 against 52–62; kept for the
 * 30-day ranking, the slowest.
 */
function riskDays(start: string, end: string): string {
  return `SELECT day AS bucket, scope, subject AS name, sends, delivered, hard_bounces, complaints,
      suppressed_sends + suppressed_feedback AS suppressed_hits, account_errors, suspensions
    FROM email_risk_subject_1d FINAL
    WHERE (${UNFILTERED}) AND day >= ${start} AND day < ${end}
    UNION ALL
    SELECT bucket, scope, name, ${SUMMED_COUNTS}
    FROM
    (
      SELECT toStartOfDay(hour) AS bucket, key.1 AS scope, key.2 AS name, sends, suppressed_sends, account_errors, suspensions, delivered, hard_bounces, complaints, suppressed_feedback
      FROM
      (
        -- The guard on the read itself: after an ARRAY JOIN, ClickHouse applies a constant-false
        -- WHERE to the joined rows, having read the whole range (2.5 M rows at 10 M events).
        SELECT *
        FROM email_risk_rollup_1h
        WHERE NOT (${UNFILTERED}) AND hour >= ${start} AND hour < ${end}
          AND ${RISK_FILTERS}
      )
      ARRAY JOIN [('sender_domain', sender_domain), ('workspace', workspace)] AS key
      WHERE name != ''
    )
    GROUP BY bucket, scope, name`;
}

/**
 * The analyser's and-compare-chain rewrite (which derives extra comparisons from chains such as
 * \`a >= b AND b >= 5\`) grows much faster than the formula: over the trend's window sums it took
 * most of the query's analysis (measured side by side at 10 M events: the level trend over 24 h
 * ×0.70 with it off), and finds nothing to add (the formula compares each count with a constant
 * once). Off for these queries only.
 */
const ANALYSIS_SETTINGS = 'optimize_and_compare_chain = 0';

/**
 * The subjects the trends plot: of each scope, the `top` ones whose worst UTC day in the range
 * (the formula over that day's 24 hours) was the worst, by level then score. A trend of every
 * subject is one series per workspace and domain (thousands), which no one can read and which
 * costs a window over every subject-hour of the range; the ranking reads one row per subject and day.
 *
 * A hidden variable (computed), so Grafana runs the ranking once per refresh, before both trends,
 * instead of once inside each (it was a scalar subquery of each trend: at 10 M events its reading
 * and planning were ~90 of a 30-day trend's ~200 ms, twice per refresh). Its value is the pairs as
 * ClickHouse's own tuple literals, `('sender_domain','mail.example.com'), …` (toString quotes and
 * escapes the names, which come from the events), after a ('', '') that no subject is, so the list
 * is never empty; the trends match rows against it as one IN set of pairs, which also narrows the
 * per-subject tables' reads by their primary key (scope, subject, …).
 */
const RISK_SUBJECTS: VariableSpec = {
  kind: 'computed',
  name: 'risk_subjects',
  label: 'Trend subjects',
  description: 'The subjects the risk trends plot (hidden): of each scope, the Top ones whose worst UTC day in the range was the worst, by level then score, as (scope, name) literals.',
  sql: `SELECT arrayStringConcat(arrayMap(subject -> toString(subject), arrayPushFront(groupArray((scope, name)), ('', ''))), ', ') AS subjects
FROM
(
  SELECT scope, name, row_number() OVER (PARTITION BY scope ORDER BY max(level_rank) DESC, max(score) DESC, name) AS place
  FROM
  (
    WITH
      ${RISK_CONSTANTS}
    SELECT scope, name, ${RISK_COLUMNS}
    FROM (${riskDays(`toStartOfDay(${TREND_START})`, `toStartOfDay(toTimeZone($__toTime, 'UTC')) + INTERVAL 1 DAY`)})
  )
  GROUP BY scope, name
)
WHERE place <= ${TOP_COUNT}
SETTINGS ${ANALYSIS_SETTINGS}`,
};

/**
 * The trend's rows before they are summed per hour and subject: the whole hours from the
 * per-subject hourly rollup when no variable narrows the events; otherwise from the provider ×
 * workspace × domain risk rollup, filtered; and the last hour, when the range ends inside it, from
 * the minute rollups. The rows that carry a workspace and a sender domain rather than a subject are
 * read row by row (no GROUP BY of their own) and turned into subjects by one ARRAY JOIN, since
 * every branch of its own costs the planner about as much as its reading (measured side by side
 * at 10 M events: each of the three such branches ~27 ms of planning); the caller's GROUP BY sums
 * them. A branch whose guard is constant false reads nothing.
 */
const TREND_HOURS = `SELECT hour, scope, subject AS name, sends, delivered, hard_bounces, complaints,
          suppressed_sends + suppressed_feedback AS suppressed_hits, account_errors, suspensions
        FROM email_risk_subject_by_month_1h
        WHERE (${UNFILTERED}) AND hour >= ${TREND_START} AND hour < ${TREND_WHOLE_HOURS_END}
        UNION ALL
        SELECT hour, key.1 AS scope, key.2 AS name, sends, delivered, hard_bounces, complaints, suppressed_hits, account_errors, suspensions
        FROM
        (
          SELECT hour, sender_domain, workspace, toUInt64(sends) AS sends, toUInt64(delivered) AS delivered, toUInt64(hard_bounces) AS hard_bounces,
            toUInt64(complaints) AS complaints, toUInt64(suppressed_sends + suppressed_feedback) AS suppressed_hits,
            toUInt64(account_errors) AS account_errors, toUInt64(suspensions) AS suspensions
          FROM email_risk_rollup_1h
          WHERE NOT (${UNFILTERED}) AND hour >= ${TREND_START} AND hour < ${TREND_WHOLE_HOURS_END}
            AND ${RISK_FILTERS}
          UNION ALL
          SELECT toStartOfHour(minute) AS hour, sender_domain, workspace,
            if(operation IN ('send', 'send_batch') AND outcome = 'sent', recipient_count, 0) AS sends,
            toUInt64(0) AS delivered,
            toUInt64(0) AS hard_bounces,
            toUInt64(0) AS complaints,
            if(code = 'suppression.recipient_suppressed', attempts, 0) AS suppressed_hits,
            if(category = 'account', attempts, 0) AS account_errors,
            if(code IN ('account.sending_suspended', 'account.suspended'), attempts, 0) AS suspensions
          FROM email_send_rollup_1m
          WHERE minute >= greatest(${TREND_START}, ${TREND_WHOLE_HOURS_END}) AND minute <= $__toTime
            AND ${RISK_FILTERS}
          UNION ALL
          SELECT toStartOfHour(minute) AS hour, sender_domain, workspace,
            toUInt64(0) AS sends,
            if(outcome = 'delivered', event_count, 0) AS delivered,
            if(outcome = 'bounced' AND bounce_type = 'hard', event_count, 0) AS hard_bounces,
            if(outcome = 'complained', event_count, 0) AS complaints,
            if(outcome = 'suppressed', event_count, 0) AS suppressed_hits,
            toUInt64(0) AS account_errors,
            toUInt64(0) AS suspensions
          FROM email_delivery_rollup_1m
          WHERE minute >= greatest(${TREND_START}, ${TREND_WHOLE_HOURS_END}) AND minute <= $__toTime
            AND ${DELIVERY_FILTERS}
        )
        ARRAY JOIN [('sender_domain', sender_domain), ('workspace', workspace)] AS key`;

/**
 * Level and score now come from the email_suspension_risk view; their trends
 * are the view's formula (schemas/clickhouse/0006_email_suspension_risk.sql,
 * docs/suspension-risk.md) evaluated at the end of every hour over the 24
 * hours before it, from the same hourly risk rollups (email_risk_subject_by_month_1h, or
 * email_risk_rollup_1h when a variable filters; the minutes of a last, partial hour
 * from the minute rollups), for the subjects RISK_SUBJECTS names. At the hour that
 * holds now() the trend is the view's 24h row, which test/dashboards/panels.test.ts checks.
 *
 * The formula is written once here (RISK_COLUMNS) and once in the view; a change to the view
 * must be made here too (the test above fails otherwise).
 */
const TREND = (value: string) => `SELECT time, subject, ${value}
FROM
(
  WITH
    ${RISK_CONSTANTS}
  SELECT time, subject, ${RISK_COLUMNS}
  FROM
  (
    -- The window's sums as columns of their own: the formula above names each several times,
    -- and an alias of a window function is analysed again wherever it is named.
    SELECT
      hour AS time,
      concat(scope, ' ', name) AS subject,
      sum(hour_sends) OVER trailing AS sends,
      sum(hour_delivered) OVER trailing AS delivered,
      sum(hour_hard_bounces) OVER trailing AS hard_bounces,
      sum(hour_complaints) OVER trailing AS complaints,
      sum(hour_suppressed_hits) OVER trailing AS suppressed_hits,
      sum(hour_account_errors) OVER trailing AS account_errors,
      sum(hour_suspensions) OVER trailing AS suspensions
    FROM
    (
      SELECT hour, scope, name,
        sum(sends) AS hour_sends, sum(delivered) AS hour_delivered, sum(hard_bounces) AS hour_hard_bounces, sum(complaints) AS hour_complaints,
        sum(suppressed_hits) AS hour_suppressed_hits, sum(account_errors) AS hour_account_errors, sum(suspensions) AS hour_suspensions
      FROM
      (
        ${TREND_HOURS}
      )
      -- Once here: ClickHouse builds the set once and pushes the filter into each branch's read.
      WHERE (scope, name) IN (\${risk_subjects:raw})
      GROUP BY hour, scope, name
    )
    -- The hour itself and the 23 before it: 24 hours ending with this one.
    WINDOW trailing AS (PARTITION BY scope, name ORDER BY hour RANGE BETWEEN 82800 PRECEDING AND CURRENT ROW)
  )
)
WHERE time >= toStartOfHour($__fromTime)
ORDER BY time, subject
SETTINGS ${ANALYSIS_SETTINGS}`;

const TREND_NOTE =
  'Each hour shows the suspension-risk formula over the 24 hours ending with it (an hour without sends or feedback for a subject has no point). Series are the sender domains and the workspaces (as many of each as the Top variable says, 10 unless set) whose worst UTC day in the range was the worst, by level then score; the provider, workspace and sender domain variables filter the events counted.';

/** The view's columns shown for each subject. */
const RISK_FIELDS: readonly FieldSpec[] = [
  { name: 'level', type: 'string' },
  { name: 'score', type: 'number', unit: 'none', thresholds: SCORE_STEPS },
  { name: 'bounce_rate', type: 'number', unit: 'percentunit', thresholds: BOUNCE_STEPS },
  { name: 'complaint_rate', type: 'number', unit: 'percentunit', thresholds: COMPLAINT_STEPS },
  { name: 'sends', type: 'number' },
  { name: 'hard_bounces', type: 'number' },
  { name: 'complaints', type: 'number' },
  { name: 'suppressed_hits', type: 'number' },
  { name: 'account_errors', type: 'number' },
  { name: 'reasons', type: 'string' },
];

const riskTable = (scope: 'sender_domain' | 'workspace') => `SELECT subject AS ${scope === 'sender_domain' ? 'domain' : 'tenant'}, window, level, score, bounce_rate, complaint_rate, sends, hard_bounces, complaints, suppressed_hits, account_errors, reasons
FROM email_suspension_risk
WHERE scope = '${scope}'
  AND ${filters({ [scope]: 'subject' })}
ORDER BY score DESC, subject, window`;

const VIEW_NOTE =
  'From the email_suspension_risk view, evaluated now over the last 24 hours and 7 days whatever the dashboard time range; the view counts every provider and environment. Levels: at_risk (a suspension, or an SES pause line crossed with at least 500 sends and 3 events behind the rate), review (the same at an SES review line), watch, healthy (docs/suspension-risk.md).';

export const risk: DashboardSpec = {
  name: 'suspension-risk',
  uid: 'sendlens-suspension-risk',
  title: 'sendlens / Suspension risk',
  description: "How close each sender domain and workspace is to a provider's review or pause, now and hour by hour.",
  tags: ['sendlens', 'email', 'reputation'],
  time: { from: 'now-24h', to: 'now' },
  variables: [...COMMON_VARIABLES, TOP_VARIABLE, RISK_SUBJECTS],
  panels: [
    {
      key: 'risk-sender-domains',
      title: 'Risk by sender domain',
      description: VIEW_NOTE,
      visualization: 'table',
      unit: 'short',
      sql: riskTable('sender_domain'),
      format: 'table',
      fields: [{ name: 'domain', type: 'string' }, { name: 'window', type: 'string' }, ...RISK_FIELDS],
      width: 24,
      height: 9,
    },
    {
      key: 'risk-workspaces',
      title: 'Risk by workspace',
      description: VIEW_NOTE,
      visualization: 'table',
      unit: 'short',
      sql: riskTable('workspace'),
      format: 'table',
      fields: [{ name: 'tenant', type: 'string' }, { name: 'window', type: 'string' }, ...RISK_FIELDS],
      width: 24,
      height: 7,
    },
    {
      key: 'risk-score-trend',
      title: 'Risk score, trailing 24 hours',
      description: `max(bounce rate / 10%, complaint rate / 0.5%): 1.0 is where SES pauses sending. ${TREND_NOTE}`,
      visualization: 'timeseries',
      unit: 'none',
      sql: TREND('score'),
      format: 'time_series',
      fields: [
        { name: 'time', type: 'time' },
        { name: 'subject', type: 'string' },
        { name: 'score', type: 'number' },
      ],
      thresholds: SCORE_STEPS,
      thresholdStyle: 'dashed',
      min: 0,
      width: 12,
      height: 9,
    },
    {
      key: 'risk-level-trend',
      title: 'Risk level, trailing 24 hours',
      description: `The level as a rank: 0 healthy, 1 watch, 2 review, 3 at_risk. ${TREND_NOTE}`,
      visualization: 'timeseries',
      unit: 'none',
      sql: TREND('level_rank'),
      format: 'time_series',
      fields: [
        { name: 'time', type: 'time' },
        { name: 'subject', type: 'string' },
        { name: 'level_rank', type: 'number', valueText: LEVEL_TEXT },
      ],
      thresholds: LEVEL_STEPS,
      min: 0,
      max: LEVEL_RANKS.at_risk,
      decimals: 0,
      width: 12,
      height: 9,
    },
  ],
};
