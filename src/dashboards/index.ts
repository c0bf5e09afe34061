/**
 * dashboards: the Grafana dashboards as data (panels with their SQL) and the
 * macro expander that turns a panel's SQL into the query Grafana's ClickHouse
 * plugin runs. No Grafana SDK here: scripts/dashboards.ts renders these into
 * dashboards/<name>.json; an offline report can render the same panels.
 */
import { bounces } from './bounces.js';
import { overview } from './overview.js';
import { risk } from './risk.js';
import { suppression } from './suppression.js';
import { throttling } from './throttling.js';
import { traces } from './traces.js';
import type { DashboardSpec } from './types.js';

/** Every dashboard, in menu order. */
export const DASHBOARDS: readonly DashboardSpec[] = [overview, bounces, suppression, throttling, risk, traces];

export { expandMacros, MacroError, ALL_VALUE } from './macros.js';
export { computedVariablesIn, withComputedVariables } from './computed.js';
export type { SqlRunner } from './computed.js';
export type { MacroContext, VariableValue } from './macros.js';
export { CLICKHOUSE_PLUGIN_ID, SES_LINES, LEVEL_RANKS, rollupSource, SEND_UNFILTERED, SUBJECT_HOURS_SERVE, TOTALS_HOURS_SERVE } from './common.js';
export type { RollupSourceOptions } from './common.js';
export { grafanaIntervalMs, INTERVAL_PANEL_POINTS, panelMaxDataPoints } from './interval.js';
export type { DashboardSpec, PanelSpec, FieldSpec, FieldType, VariableSpec, Visualization, QueryFormat, ThresholdStep } from './types.js';
