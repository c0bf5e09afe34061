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

/**
 * The rollups of one kind as a single source with a `minute` column: rows from the minute,
 * hourly and daily rollups (migration 0009), each part of the time range from the coarsest one
 * that covers it exactly. Whole UTC days inside the range come from the daily rollup, whole
 * hours from the hourly one, and the minutes at either edge from the minute rollup, so sums,
 * merged uniq states and merged t-digests count every minute of the range once, as a scan of
 * the minute rollup alone would. A coarse row's `minute` is the start of its hour or day.
 *
 * `grain: 'interval'` is for panels that bucket by $__timeInterval(minute): a coarse level is
 * used only when Grafana's interval is a whole number of its hours or days, so every coarse row
 * falls in the bucket its minutes would; otherwise the whole range comes from minutes.
 * `grain: 'range'` is for panels that aggregate over the whole range: always the coarsest.
 *
 * ClickHouse reads nothing for a branch whose WHERE is constant false (the interval and variable
 * guards; it still plans it, so branches that can never serve are left out), and the time bounds
 * lead each table's ORDER BY, so each branch reads only its part of the range.
 */
export interface RollupSourceOptions {
  grain: 'interval' | 'range';
  /**
   * Whether the hourly and daily totals across workspaces and sender domains (migration 0012)
   * may stand in for the full rollups: `filtered` (the default) when the workspace and
   * sender-domain variables are both All; `grouped` never, for panels that read either column;
   * `all` always, for queries without dashboard variables (alert rules) that read neither.
   */
  tenants?: 'filtered' | 'grouped' | 'all';
  /** The first minute counted (default: the dashboard range's start). */
  from?: string;
  /** The last minute counted, inclusive (default: the dashboard range's end). */
  to?: string;
  /**
   * A constant condition under which the source serves at all (for a query that reads another
   * source otherwise): on each branch's own read, where a constant false selects no part.
   */
  when?: string;
}

const ROLLUP_TABLES = {
  send: {
    minute: 'email_send_rollup_1m',
    hour: ['email_send_rollup_1h', 'email_send_totals_1h'],
    day: ['email_send_rollup_1d', 'email_send_totals_1d'],
    columns:
      'provider, environment, workspace, sender_domain, operation, outcome, category, code, attempts, recipient_count, retried_attempts, latency_ms_sum, latency_ms_max, latency_ms_quantiles, retry_after_count, retry_after_ms_quantiles, recipients',
    // The minute an hour or day was first and last seen in (panels that say when something happened).
    minuteColumns: ['minute AS first_minute, minute AS last_minute', 'first_minute, last_minute'],
  },
  delivery: {
    minute: 'email_delivery_rollup_1m',
    hour: ['email_delivery_rollup_1h', 'email_delivery_totals_1h'],
    day: ['email_delivery_rollup_1d', 'email_delivery_totals_1d'],
    columns: 'provider, workspace, sender_domain, outcome, bounce_type, smtp_status, category, code, received, event_count, events, recipients',
    minuteColumns: undefined,
  },
} as const;

/** The totals have no workspace or sender domain: the union's columns are empty there (never read when they are used). */
const totalsColumns = (columns: string) => columns.replace('workspace, sender_domain', "'' AS workspace, '' AS sender_domain");

/** True (1=1) when both tenant variables are All, as the plugin's frontend expands $__conditionalAll. */
const TENANTS_ALL = '$__conditionalAll(0, $workspace) AND $__conditionalAll(0, $sender_domain)';

/** The whole UTC days of [from, to]: [firstDay, endDay), empty when firstDay >= endDay. */
export function wholeDays(from = "toTimeZone($__fromTime, 'UTC')", to = "toTimeZone($__toTime, 'UTC')"): { firstDay: string; endDay: string } {
  return { firstDay: `toStartOfDay(${from} + INTERVAL 86399 SECOND)`, endDay: `(toStartOfDay(${to} - INTERVAL 1439 MINUTE) + INTERVAL 1 DAY)` };
}

/** The whole UTC hours of [from, to]: [firstHour, endHour), empty when firstHour >= endHour. */
export function wholeHours(from = "toTimeZone($__fromTime, 'UTC')", to = "toTimeZone($__toTime, 'UTC')"): { firstHour: string; endHour: string } {
  return { firstHour: `toStartOfHour(${from} + INTERVAL 3599 SECOND)`, endHour: `(toStartOfHour(${to} - INTERVAL 59 MINUTE) + INTERVAL 1 HOUR)` };
}

export function rollupSource(kind: keyof typeof ROLLUP_TABLES, options: RollupSourceOptions): string {
  const { minute, hour, day, columns, minuteColumns } = ROLLUP_TABLES[kind];
  const from = `toTimeZone(${options.from ?? '$__fromTime'}, 'UTC')`;
  const to = `toTimeZone(${options.to ?? '$__toTime'}, 'UTC')`;
  // Whole hours are [firstHour, endHour), whole days [firstDay, endDay): empty when first >= end.
  const { firstHour, endHour } = wholeHours(from, to);
  const { firstDay, endDay } = wholeDays(from, to);
  const hours = options.grain === 'interval' ? '$__interval_s % 3600 = 0' : '1';
  const days = options.grain === 'interval' ? '$__interval_s % 86400 = 0' : '1';
  // When the per-tenant coarse rollups serve and when the totals do; null: never, and the branch is
  // left out rather than guarded, since ClickHouse plans every branch of a union (analysing its
  // expressions costs ~2-4 ms a branch here) even when its guard is constant false.
  const tenants = options.tenants ?? 'filtered';
  const perTenantWhen = { filtered: `NOT (${TENANTS_ALL})`, grouped: '1', all: null }[tenants];
  const totalsWhen = { filtered: TENANTS_ALL, grouped: null, all: '1' }[tenants];
  const extra = (level: 0 | 1) => (minuteColumns ? `, ${minuteColumns[level]}` : '');
  const serves = options.when ? `(${options.when}) AND ` : '';
  const coarse = (table: string, time: string, guard: string, when: string | null, cols: string, except = '') =>
    when === null
      ? ''
      : `
    UNION ALL
    SELECT ${time} AS minute, ${cols}${extra(1)}
    FROM ${table}
    WHERE ${serves}${guard} AND (${when}) AND ${time} >= ${time === 'hour' ? firstHour : firstDay} AND ${time} < ${time === 'hour' ? endHour : endDay}${except}`;
  const notWholeDays = `
      AND (NOT (${days}) OR hour < ${firstDay} OR hour >= ${endDay})`;
  return `(
    SELECT minute, ${columns}${extra(0)}
    FROM ${minute}
    WHERE ${serves}minute >= ${from} AND minute <= ${to}
      AND (NOT (${hours}) OR minute < ${firstHour} OR minute >= ${endHour})${coarse(hour[0], 'hour', hours, perTenantWhen, columns, notWholeDays)}${coarse(
      hour[1],
      'hour',
      hours,
      totalsWhen,
      totalsColumns(columns),
      notWholeDays,
    )}${coarse(day[0], 'day', days, perTenantWhen, columns)}${coarse(day[1], 'day', days, totalsWhen, totalsColumns(columns))}
  )`;
}

/** The send rollups over the dashboard's range, for panels over the whole range and for panels by interval. */
export const SEND_ROLLUP = rollupSource('send', { grain: 'range' });
export const SEND_ROLLUP_BY_INTERVAL = rollupSource('send', { grain: 'interval' });
export const DELIVERY_ROLLUP = rollupSource('delivery', { grain: 'range' });
export const DELIVERY_ROLLUP_BY_INTERVAL = rollupSource('delivery', { grain: 'interval' });
/** The send rollups for panels that read the workspace or sender-domain columns (never the totals). */
export const SEND_ROLLUP_BY_TENANT = rollupSource('send', { grain: 'range', tenants: 'grouped' });

/** The totals may serve a query unless it reads the workspace or sender-domain column. */
export const tenantsOf = (dims: readonly string[]): 'grouped' | 'filtered' => (dims.some((d) => /\b(workspace|sender_domain)\b/.test(d)) ? 'grouped' : 'filtered');

// Variables read distinct LowCardinality values of the minute rollups: measured at 1 M and 10 M
// events, the union of rollup levels (whose planning alone costs tens of ms) was no faster for them.
/**
 * The values of `column` with sends or feedback in the range, read through rollupSource (whole
 * days and hours from the coarse rollups, the edges from minutes: the same values as 30 days of
 * minute rows, from a few percent of the rows).
 */
const optionsOf = (column: string, where: string) => {
  // Never the TENANTS_ALL guard here: it names $workspace and $sender_domain, which depend on these.
  const tenants = column === 'workspace' || column === 'sender_domain' ? 'grouped' : 'all';
  return `SELECT ${column} FROM
(
  SELECT DISTINCT ${column} FROM ${rollupSource('send', { grain: 'range', tenants })} WHERE 1${where}
  UNION DISTINCT
  SELECT DISTINCT ${column} FROM ${rollupSource('delivery', { grain: 'range', tenants })} WHERE 1${where}
)
WHERE ${column} != ''
ORDER BY ${column}`;
};

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
    sql: `SELECT DISTINCT environment FROM ${rollupSource('send', { grain: 'range', tenants: 'all' })} WHERE environment != '' ORDER BY environment`,
    multi: true,
    includeAll: true,
  },
];

/**
 * Accepted recipients, hard bounces, complaints and deliveries per `dims`
 * (columns of both rollups, or `expr AS name`), the same counts the
 * suspension-risk view uses: sends are recipients of accepted send/send_batch
 * calls; feedback counts distinct delivery events. `where` narrows the rows of both rollups;
 * `when`, a constant condition, says whether they serve at all (rollupSource).
 */
export function feedbackCounts(dims: readonly string[], where = '1', when?: string): string {
  const names = dims.map((d) => (d.includes(' AS ') ? d.slice(d.lastIndexOf(' AS ') + 4) : d));
  const select = dims.length ? `${dims.join(', ')},\n      ` : '';
  const outer = dims.length ? `${names.join(', ')},\n      ` : '';
  const group = dims.length ? `\n    GROUP BY ${names.join(', ')}` : '';
  const grain = dims.some((d) => d.includes('$__timeInterval')) ? 'interval' : 'range';
  const tenants = tenantsOf(dims);
  return `SELECT ${outer}sum(sends) AS sends, sum(delivered) AS delivered, sum(hard_bounces) AS hard_bounces, sum(complaints) AS complaints
  FROM
  (
    SELECT ${select}sumIf(recipient_count, operation IN ('send', 'send_batch') AND outcome = 'sent') AS sends,
      toUInt64(0) AS delivered, toUInt64(0) AS hard_bounces, toUInt64(0) AS complaints
    FROM ${rollupSource('send', { grain, tenants, when })}
    WHERE ${filters({ provider: 'provider', workspace: 'workspace', sender_domain: 'sender_domain' })} AND ${where}${group}
    UNION ALL
    SELECT ${select}toUInt64(0) AS sends,
      sumIf(event_count, outcome = 'delivered') AS delivered,
      sumIf(event_count, outcome = 'bounced' AND bounce_type = 'hard') AS hard_bounces,
      sumIf(event_count, outcome = 'complained') AS complaints
    FROM ${rollupSource('delivery', { grain, tenants, when })}
    WHERE ${DELIVERY_FILTERS} AND ${where}${group}
  )${group.replace(/\n {4}/, '\n  ')}`;
}

/**
 * `value IN` the elements of `array`, an array-valued scalar subquery (ClickHouse evaluates one
 * once per query, however many branches name it). An IN set is checked once per entry of a
 * LowCardinality column's dictionary, where has(array, value) compares on every row: over the
 * 1.3 M rows of a month of per-subject hours, 19 ms against 390 ms.
 */
export const inArray = (value: string, array: string): string => `${value} IN (SELECT arrayJoin(${array}))`;

/** Subjects a per-subject time series plots unless the `top` variable says otherwise. */
export const DEFAULT_TOP = 10;

/** The `top` variable as a number: its default when empty or not a number. */
export const TOP_COUNT = `toUInt64OrDefault(\${top:singlequote}, toUInt64(${DEFAULT_TOP}))`;

/** The `top` variable of the dashboards whose time series plot one series per subject. */
export const TOP_VARIABLE: VariableSpec = {
  kind: 'textbox',
  name: 'top',
  label: 'Top',
  description: `How many subjects the per-subject time series plot, the worst ones in the range: sender domains on the bounce and complaint charts, sender domains and workspaces on the risk trends (${DEFAULT_TOP} when empty or not a number).`,
  defaultValue: String(DEFAULT_TOP),
};

/** True (1=1) when no variable narrows the events feedback and risk panels count, as the plugin expands $__conditionalAll. */
export const UNFILTERED = ['provider', 'workspace', 'sender_domain'].map((v) => `$__conditionalAll(0, $${v})`).join(' AND ');

/** True (1=1) when no variable narrows the send events either (the environment variable too). */
export const SEND_UNFILTERED = `${UNFILTERED} AND $__conditionalAll(0, $environment)`;

/** The risk rollups' counts, each with the minute rollup and expression it comes from at the edges of a range. */
const RISK_COUNT_MINUTES = {
  sends: ['send', "sumIf(recipient_count, operation IN ('send', 'send_batch') AND outcome = 'sent')"],
  suppressed_sends: ['send', "sumIf(attempts, code = 'suppression.recipient_suppressed')"],
  delivered: ['delivery', "sumIf(event_count, outcome = 'delivered')"],
  hard_bounces: ['delivery', "sumIf(event_count, outcome = 'bounced' AND bounce_type = 'hard')"],
  complaints: ['delivery', "sumIf(event_count, outcome = 'complained')"],
  suppressed_feedback: ['delivery', "sumIf(event_count, outcome = 'suppressed')"],
} as const;

/** The minutes of the dashboard's range outside its whole UTC hours (wholeHours): its edges. */
export const EDGE_MINUTES = `minute >= toTimeZone($__fromTime, 'UTC') AND minute <= toTimeZone($__toTime, 'UTC') AND (minute < ${wholeHours().firstHour} OR minute >= ${wholeHours().endHour})`;

/** The dashboard range's whole UTC days (wholeDays), on a `day` column. */
export const WHOLE_DAYS = `day >= ${wholeDays().firstDay} AND day < ${wholeDays().endDay}`;

/** The range's whole UTC hours outside its whole days, on an `hour` column: with WHOLE_DAYS and EDGE_MINUTES, every minute of the range once. */
export const HOURS_OUTSIDE_WHOLE_DAYS = `hour >= ${wholeHours().firstHour} AND hour < ${wholeHours().endHour} AND (hour < ${wholeDays().firstDay} OR hour >= ${wholeDays().endDay})`;

/**
 * Risk `counts` per `dims` (columns, or `expr AS name`) over the range's edges (EDGE_MINUTES),
 * from the minute rollups that hold them, narrowed by `where`: one SELECT per rollup, joined by
 * UNION ALL. For queries that read the whole hours and days from the risk rollups.
 */
export function riskCountsAtEdges(dims: readonly string[], counts: readonly (keyof typeof RISK_COUNT_MINUTES)[], where: string): string {
  const names = dims.map((d) => (d.includes(' AS ') ? d.slice(d.lastIndexOf(' AS ') + 4) : d));
  const kinds = [...new Set(counts.map((c) => RISK_COUNT_MINUTES[c][0]))];
  return kinds
    .map((kind) => {
      const columns = counts.map((c) => (RISK_COUNT_MINUTES[c][0] === kind ? `${RISK_COUNT_MINUTES[c][1]} AS ${c}` : `toUInt64(0) AS ${c}`));
      return `SELECT ${dims.join(', ')}, ${columns.join(', ')}
    FROM ${kind === 'send' ? 'email_send_rollup_1m' : 'email_delivery_rollup_1m'}
    WHERE ${where} AND ${EDGE_MINUTES}
    GROUP BY ${names.join(', ')}`;
    })
    .join('\n    UNION ALL\n    ');
}

/**
 * Risk counts per `dims` (workspace and/or sender_domain) over the dashboard's range: whole UTC
 * days from the per-tenant daily risk rollup (migration 0019), the other whole hours from the
 * hourly one, the minutes at the edges from the minute rollups; the provider, workspace and
 * sender-domain variables filter each (all carry the three). The full daily rollups keep
 * operation, outcome and code too: ~1.1 M rows for a month at 10 M events, where these counts
 * need one row per tenant and day (~3,500).
 */
export function riskCountsByTenant(dims: readonly ('workspace' | 'sender_domain')[], counts: readonly (keyof typeof RISK_COUNT_MINUTES)[]): string {
  const keys = dims.join(', ');
  return `SELECT ${keys}, ${counts.map((c) => `sum(${c}) AS ${c}`).join(', ')}
  FROM
  (
    SELECT ${keys}, ${counts.join(', ')}
    FROM email_risk_tenant_1d
    WHERE ${WHOLE_DAYS} AND ${DELIVERY_FILTERS}
    UNION ALL
    SELECT ${keys}, ${counts.join(', ')}
    FROM email_risk_rollup_1h
    WHERE ${HOURS_OUTSIDE_WHOLE_DAYS} AND ${DELIVERY_FILTERS}
    UNION ALL
    ${riskCountsAtEdges(dims, counts, DELIVERY_FILTERS)}
  )
  GROUP BY ${keys}`;
}

/**
 * When a panel by interval may read a table across workspaces and sender domains for the range's
 * whole hours (email_send_latency_1h): the interval is whole hours and neither tenant variable
 * narrows the events.
 */
export const TOTALS_HOURS_SERVE = `$__interval_s % 3600 = 0 AND (${TENANTS_ALL})`;

/**
 * When a panel by interval may read the per-subject hourly risk rollup for the range's whole
 * hours: the interval is whole hours and no variable narrows the events (the rollup is across
 * providers, workspaces and domains but its own subject).
 */
export const SUBJECT_HOURS_SERVE = `$__interval_s % 3600 = 0 AND (${UNFILTERED})`;

/** The view's rates over counts named sends, delivered, hard_bounces, complaints. */
export const BOUNCE_RATE = 'if(sends > 0, hard_bounces / sends, 0)';
export const COMPLAINT_RATE = 'if(if(delivered > 0, delivered, sends) > 0, complaints / if(delivered > 0, delivered, sends), 0)';
