import type { ThresholdStep, VariableSpec } from './types.js';

/** The Grafana ClickHouse data source plugin (grafana/clickhouse-datasource) every panel queries. */
export const CLICKHOUSE_PLUGIN_ID = 'grafana-clickhouse-datasource';

/**
 * Amazon SES's published reputation lines: an account is put under review at
 * a 5% bounce or 0.1% complaint rate and sending may be paused at 10% or 0.5%.
 * The same numbers drive the email_suspension_risk view (schemas/clickhouse/0006_email_suspension_risk.sql).
 */
export const SES_LINES = { bounceReview: 0.05, bouncePause: 0.1, complaintReview: 0.001, complaintPause: 0.005 } as const;

export const BOUNCE_STEPS: readonly ThresholdStep[] = [
  { value: null, color: 'green' },
  { value: SES_LINES.bounceReview, color: 'orange' },
  { value: SES_LINES.bouncePause, color: 'red' },
];

export const COMPLAINT_STEPS: readonly ThresholdStep[] = [
  { value: null, color: 'green' },
  { value: SES_LINES.complaintReview, color: 'orange' },
  { value: SES_LINES.complaintPause, color: 'red' },
];

/** A share of attempts that fail or are throttled: worth a look at 5%, bad at 20%. */
export const FAILURE_STEPS: readonly ThresholdStep[] = [
  { value: null, color: 'green' },
  { value: 0.05, color: 'orange' },
  { value: 0.2, color: 'red' },
];

/** The suspension-risk score: 1.0 is where SES pauses, 0.5 the bounce review line. */
export const SCORE_STEPS: readonly ThresholdStep[] = [
  { value: null, color: 'green' },
  { value: 0.5, color: 'orange' },
  { value: 1, color: 'red' },
];

/** The view's levels as ranks, so a time series can plot them; the colors are the level's. */
export const LEVEL_RANKS = { healthy: 0, watch: 1, review: 2, at_risk: 3 } as const;
export const LEVEL_TEXT: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(LEVEL_RANKS).map(([level, rank]) => [String(rank), level]));
export const LEVEL_STEPS: readonly ThresholdStep[] = [
  { value: null, color: 'green' },
  { value: LEVEL_RANKS.watch, color: 'yellow' },
  { value: LEVEL_RANKS.review, color: 'orange' },
  { value: LEVEL_RANKS.at_risk, color: 'red' },
];

/**
 * `AND`-joined filters on the dashboard's variables. Each is wrapped in
 * $__conditionalAll so that "All" (or nothing selected) costs no filter at
 * all, and a selection becomes `column IN ('a','b')`.
 */
export function filters(columns: Readonly<Record<string, string>>): string {
  return Object.entries(columns)
    .map(([variable, column]) => `$__conditionalAll(${column} IN (\${${variable}:singlequote}), $${variable})`)
    .join('\n  AND ');
}

/** Send-side panels: every variable. */
export const SEND_FILTERS = filters({ provider: 'provider', workspace: 'workspace', sender_domain: 'sender_domain', environment: 'environment' });

/** Feedback panels: delivery events carry no environment, so that variable does not apply to them. */
export const DELIVERY_FILTERS = filters({ provider: 'provider', workspace: 'workspace', sender_domain: 'sender_domain' });

const optionsOf = (column: string, where: string) => `SELECT ${column} FROM
(
  SELECT DISTINCT ${column} FROM email_send_rollup_1m WHERE $__timeFilter(minute)${where}
  UNION DISTINCT
  SELECT DISTINCT ${column} FROM email_delivery_rollup_1m WHERE $__timeFilter(minute)${where}
)
WHERE ${column} != ''
ORDER BY ${column}`;

/**
 * The variables every dashboard has: the data source, then provider →
 * workspace → sender domain (each narrowed by the ones before it) and
 * environment, all options read from the rollups over the dashboard's time range.
 */
export const COMMON_VARIABLES: readonly VariableSpec[] = [
  { kind: 'datasource', name: 'datasource', label: 'Data source', description: 'The ClickHouse database sendlens writes to.', pluginId: CLICKHOUSE_PLUGIN_ID },
  {
    kind: 'query',
    name: 'provider',
    label: 'Provider',
    description: 'Providers with sends or feedback in the time range.',
    sql: optionsOf('provider', ''),
    multi: true,
    includeAll: true,
  },
  {
    kind: 'query',
    name: 'workspace',
    label: 'Workspace',
    description: 'Workspaces (tenants) with sends or feedback through the selected providers.',
    sql: optionsOf('workspace', `\n    AND ${filters({ provider: 'provider' })}`),
    multi: true,
    includeAll: true,
  },
  {
    kind: 'query',
    name: 'sender_domain',
    label: 'Sender domain',
    description: 'From-address domains of the selected workspaces and providers.',
    sql: optionsOf('sender_domain', `\n    AND ${filters({ provider: 'provider', workspace: 'workspace' })}`),
    multi: true,
    includeAll: true,
  },
  {
    kind: 'query',
    name: 'environment',
    label: 'Environment',
    description: 'Deployment environments of the sending services. Applies to send attempts only: provider feedback carries no environment.',
    sql: `SELECT DISTINCT environment FROM email_send_rollup_1m WHERE $__timeFilter(minute) AND environment != '' ORDER BY environment`,
    multi: true,
    includeAll: true,
  },
];

/**
 * Accepted recipients, hard bounces, complaints and deliveries per `dims`
 * (columns of both rollups, or `expr AS name`), the same counts the
 * suspension-risk view uses: sends are recipients of accepted send/send_batch
 * calls; feedback counts distinct delivery events.
 */
export function feedbackCounts(dims: readonly string[], time = '$__timeFilter(minute)'): string {
  const names = dims.map((d) => (d.includes(' AS ') ? d.slice(d.lastIndexOf(' AS ') + 4) : d));
  const select = dims.length ? `${dims.join(', ')},\n      ` : '';
  const outer = dims.length ? `${names.join(', ')},\n      ` : '';
  const group = dims.length ? `\n    GROUP BY ${names.join(', ')}` : '';
  return `SELECT ${outer}sum(sends) AS sends, sum(delivered) AS delivered, sum(hard_bounces) AS hard_bounces, sum(complaints) AS complaints
  FROM
  (
    SELECT ${select}sumIf(recipient_count, operation IN ('send', 'send_batch') AND outcome = 'sent') AS sends,
      toUInt64(0) AS delivered, toUInt64(0) AS hard_bounces, toUInt64(0) AS complaints
    FROM email_send_rollup_1m
    WHERE ${time}
      AND ${filters({ provider: 'provider', workspace: 'workspace', sender_domain: 'sender_domain' })}${group}
    UNION ALL
    SELECT ${select}toUInt64(0) AS sends,
      uniqMergeIf(events, outcome = 'delivered') AS delivered,
      uniqMergeIf(events, outcome = 'bounced' AND bounce_type = 'hard') AS hard_bounces,
      uniqMergeIf(events, outcome = 'complained') AS complaints
    FROM email_delivery_rollup_1m
    WHERE ${time}
      AND ${DELIVERY_FILTERS}${group}
  )${group.replace(/\n {4}/, '\n  ')}`;
}

/** The view's rates over counts named sends, delivered, hard_bounces, complaints. */
export const BOUNCE_RATE = 'if(sends > 0, hard_bounces / sends, 0)';
export const COMPLAINT_RATE = 'if(if(delivered > 0, delivered, sends) > 0, complaints / if(delivered > 0, delivered, sends), 0)';
