import { rollupSource } from '../dashboards/index.js';

/**
 * The alert rules, as data: each one SQL query (with the Grafana ClickHouse
 * data source's macros) that returns one row per subject with a numeric
 * `value`, and a threshold on it. The same rows drive Grafana's alerting
 * (provisioned from grafana/provisioning/alerting/sendlens.yaml, generated
 * from this table) and `sendlens alerts check`, so the two cannot disagree.
 * Every column besides `value` is a label (Grafana turns each row of a
 * table answer into one alert instance; a second numeric column would become
 * a second series, so queries return labels and `value` only).
 */
export interface AlertRule {
  uid: string;
  title: string;
  severity: 'warning' | 'critical';
  /** Fires when value > threshold. */
  threshold: number;
  /** Seconds of history the query reads, ending at the evaluation time. */
  rangeSeconds: number;
  /** How long it must hold before Grafana fires (the CLI reports it at once). */
  for: string;
  summary: string;
  sql: string;
}

/** The spike rule's windows and guard. */
export const SPIKE = { currentMinutes: 15, baselineHours: 24, minAttempts: 100, minFailures: 20, ratio: 3 } as const;

export const ALERT_RULES: readonly AlertRule[] = [
  {
    uid: 'sendlens-error-rate-spike',
    title: 'Error-rate spike',
    severity: 'critical',
    threshold: SPIKE.ratio,
    rangeSeconds: SPIKE.baselineHours * 3600 + SPIKE.currentMinutes * 60,
    for: '5m',
    summary: `A provider's error rate over the last ${SPIKE.currentMinutes} minutes is more than ${SPIKE.ratio}× its trailing ${SPIKE.baselineHours}-hour rate (with at least ${SPIKE.minAttempts} attempts and ${SPIKE.minFailures} failures now).`,
    // The baseline is smoothed (one failure in a hundred attempts added) so a spotless day does not make any failure an infinite spike.
    // The trailing day comes from the coarsest rollups that cover it exactly (whole hours from the hourly one);
    // the current window from minutes. Both windows end before $__toTime, as a minute counted at it is not complete.
    sql: `SELECT provider, value FROM
(
    SELECT provider,
           sum(window_current_attempts) AS current_attempts,
           sum(window_current_failures) AS current_failures,
           sum(window_baseline_attempts) AS baseline_attempts,
           sum(window_baseline_failures) AS baseline_failures,
           if(current_attempts >= ${SPIKE.minAttempts} AND current_failures >= ${SPIKE.minFailures},
              (current_failures / current_attempts) / ((baseline_failures + 1) / (baseline_attempts + 100)), 0) AS value
    FROM
    (
        SELECT provider,
               sum(attempts) AS window_current_attempts, sumIf(attempts, outcome = 'failed') AS window_current_failures,
               toUInt64(0) AS window_baseline_attempts, toUInt64(0) AS window_baseline_failures
        FROM email_send_rollup_1m
        WHERE minute >= $__toTime - INTERVAL ${SPIKE.currentMinutes} MINUTE AND minute < $__toTime
        GROUP BY provider
        UNION ALL
        SELECT provider,
               toUInt64(0) AS window_current_attempts, toUInt64(0) AS window_current_failures,
               sum(attempts) AS window_baseline_attempts, sumIf(attempts, outcome = 'failed') AS window_baseline_failures
        FROM ${rollupSource('send', { grain: 'range', tenants: 'all', to: `$__toTime - INTERVAL ${SPIKE.currentMinutes} MINUTE - INTERVAL 1 SECOND` })}
        GROUP BY provider
    )
    GROUP BY provider
)`,
  },
  {
    uid: 'sendlens-bounce-rate',
    title: 'Hard-bounce rate over the SES review line',
    severity: 'warning',
    threshold: 0.05,
    rangeSeconds: 86_400,
    for: '15m',
    summary: 'A sender domain or workspace bounced hard on 5% or more of its sends in 24 hours (at least 500 sends and 3 bounces); Amazon SES reviews accounts at 5% and pauses at 10%.',
    sql: `SELECT scope, subject, if(bounce_counts, bounce_rate, 0) AS value
FROM email_suspension_risk
WHERE window = '24h'`,
  },
  {
    uid: 'sendlens-complaint-rate',
    title: 'Complaint rate over the SES review line',
    severity: 'warning',
    threshold: 0.001,
    rangeSeconds: 86_400,
    for: '15m',
    summary: 'Recipients marked 0.1% or more of a sender’s delivered mail as spam in 24 hours (at least 500 sends and 3 complaints); Amazon SES reviews at 0.1% and pauses at 0.5%.',
    sql: `SELECT scope, subject, if(complaint_counts, complaint_rate, 0) AS value
FROM email_suspension_risk
WHERE window = '24h'`,
  },
  {
    uid: 'sendlens-sending-suspended',
    title: 'Provider suspended sending',
    severity: 'critical',
    threshold: 0,
    rangeSeconds: 3_600,
    for: '0m',
    summary: 'A provider answered account.sending_suspended or account.suspended in the last hour: sends for this workspace are failing until the account is reinstated.',
    sql: `SELECT provider, workspace, sum(attempts) AS value
FROM email_send_rollup_1m
WHERE minute >= $__fromTime AND minute < $__toTime AND code IN ('account.sending_suspended', 'account.suspended')
GROUP BY provider, workspace`,
  },
  {
    uid: 'sendlens-quota-exhausted',
    title: 'Sending quota exhausted',
    severity: 'critical',
    threshold: 0,
    rangeSeconds: 1_800,
    for: '0m',
    summary: 'A provider refused sends for a spent quota (quota.*) in the last 30 minutes: mail is not going out until the quota resets or is raised.',
    sql: `SELECT provider, workspace, code, sum(attempts) AS value
FROM email_send_rollup_1m
WHERE minute >= $__fromTime AND minute < $__toTime AND category = 'quota'
GROUP BY provider, workspace, code`,
  },
];
