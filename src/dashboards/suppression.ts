import { COMMON_VARIABLES, DELIVERY_FILTERS, filters, riskCountsByTenant, rollupSource, SEND_ROLLUP, tenantsOf } from './common.js';
import type { DashboardSpec, ThresholdStep } from './types.js';

/**
 * Suppressed-recipient hits come from two places: a send the provider refused
 * at once (send event code suppression.recipient_suppressed) and a send it
 * accepted and then dropped (delivery event outcome suppressed). Both mean the
 * sender keeps mailing an address the provider has given up on, which is what
 * providers hold against a sender's reputation; the suspension-risk view
 * counts both as suppressed_hits.
 */
const SEND_SIDE = filters({ provider: 'provider', workspace: 'workspace', sender_domain: 'sender_domain' });

/** Hits per `dims` from both sources, as columns send_time and feedback. */
function hits(dims: readonly string[]): string {
  const names = dims.map((d) => (d.includes(' AS ') ? d.slice(d.lastIndexOf(' AS ') + 4) : d));
  const select = dims.length ? `${dims.join(', ')}, ` : '';
  const outer = dims.length ? `${names.join(', ')}, ` : '';
  const group = dims.length ? ` GROUP BY ${names.join(', ')}` : '';
  const grain = dims.some((d) => d.includes('$__timeInterval')) ? 'interval' : 'range';
  const tenants = tenantsOf(dims);
  return `SELECT ${outer}sum(send_time) AS send_time, sum(feedback) AS feedback
  FROM
  (
    SELECT ${select}sum(attempts) AS send_time, toUInt64(0) AS feedback
    FROM ${rollupSource('send', { grain, tenants })}
    WHERE code = 'suppression.recipient_suppressed'
      AND ${SEND_SIDE}${group}
    UNION ALL
    SELECT ${select}toUInt64(0) AS send_time, sum(event_count) AS feedback
    FROM ${rollupSource('delivery', { grain, tenants })}
    WHERE outcome = 'suppressed'
      AND ${DELIVERY_FILTERS}${group}
  )${group}`;
}

/** The view's watch line: suppressed hits on 1% of sends. */
const SHARE_STEPS: readonly ThresholdStep[] = [
  { value: null, color: 'green' },
  { value: 0.01, color: 'orange' },
  { value: 0.05, color: 'red' },
];

const NOTE = 'The environment variable applies to neither source, so both are counted alike.';

export const suppression: DashboardSpec = {
  name: 'suppression',
  uid: 'sendlens-suppression',
  title: 'sendlens / Suppression',
  description: 'Sends to suppressed recipients: refused at send time (suppression.recipient_suppressed) and dropped after acceptance (feedback outcome suppressed).',
  tags: ['sendlens', 'email', 'reputation'],
  time: { from: 'now-24h', to: 'now' },
  variables: COMMON_VARIABLES,
  panels: [
    {
      key: 'send-time-refusals',
      title: 'Refused at send time',
      description: `Attempts the provider refused with suppression.recipient_suppressed. ${NOTE}`,
      visualization: 'stat',
      unit: 'short',
      sql: `SELECT send_time FROM (${hits([])})`,
      format: 'table',
      fields: [{ name: 'send_time', type: 'number' }],
      width: 8,
      height: 4,
    },
    {
      key: 'feedback-suppressed',
      title: 'Suppressed after acceptance',
      description: `Distinct delivery events with outcome suppressed (the provider accepted the call, then did not send). ${NOTE}`,
      visualization: 'stat',
      unit: 'short',
      sql: `SELECT feedback FROM (${hits([])})`,
      format: 'table',
      fields: [{ name: 'feedback', type: 'number' }],
      width: 8,
      height: 4,
    },
    {
      key: 'suppressed-share',
      title: 'Suppressed hits per accepted recipient',
      description: `Both kinds of hit over recipients of accepted sends; the suspension-risk view raises watch at 1%. ${NOTE}`,
      visualization: 'stat',
      unit: 'percentunit',
      sql: `SELECT if(sends > 0, (send_time + feedback) / sends, 0) AS suppressed_share
FROM
(
  SELECT
    (SELECT sumIf(recipient_count, operation IN ('send', 'send_batch') AND outcome = 'sent')
     FROM ${SEND_ROLLUP}
     WHERE ${SEND_SIDE}) AS sends,
    send_time, feedback
  FROM (${hits([])})
)`,
      format: 'table',
      fields: [{ name: 'suppressed_share', type: 'number' }],
      thresholds: SHARE_STEPS,
      decimals: 2,
      width: 8,
      height: 4,
    },
    {
      key: 'suppressed-hits',
      title: 'Suppressed-recipient hits',
      description: `Hits per interval, by where they were caught. ${NOTE}`,
      visualization: 'timeseries',
      unit: 'short',
      sql: `SELECT time, send_time, feedback
FROM (${hits(['$__timeInterval(minute) AS time'])})
ORDER BY time`,
      format: 'time_series',
      fields: [
        { name: 'time', type: 'time' },
        { name: 'send_time', type: 'number' },
        { name: 'feedback', type: 'number' },
      ],
      stacked: true,
      width: 24,
      height: 8,
    },
    {
      key: 'suppressed-by-sender-domain',
      title: 'Hits by sender domain',
      description: `Both kinds of hit per sender domain. Feedback without a sender domain (SendGrid-style events) is listed as (none). ${NOTE}`,
      visualization: 'bargauge',
      unit: 'short',
      sql: `SELECT if(sender_domain = '', '(none)', sender_domain) AS domain, suppressed_sends + suppressed_feedback AS suppressed_hits
FROM (${riskCountsByTenant(['sender_domain'], ['suppressed_sends', 'suppressed_feedback'])})
ORDER BY suppressed_hits DESC, domain`,
      format: 'table',
      fields: [
        { name: 'domain', type: 'string' },
        { name: 'suppressed_hits', type: 'number' },
      ],
      width: 12,
      height: 8,
    },
    {
      key: 'suppressed-by-provider',
      title: 'Hits by provider',
      description: `Per provider, refused at send time and suppressed after acceptance. ${NOTE}`,
      visualization: 'barchart',
      unit: 'short',
      sql: `SELECT provider, send_time, feedback
FROM (${hits(['provider'])})
ORDER BY provider`,
      format: 'table',
      fields: [
        { name: 'provider', type: 'string' },
        { name: 'send_time', type: 'number' },
        { name: 'feedback', type: 'number' },
      ],
      stacked: true,
      width: 12,
      height: 8,
    },
  ],
};
