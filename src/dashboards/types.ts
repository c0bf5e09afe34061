/**
 * Dashboards as data: what each panel shows and the SQL it runs, independent
 * of Grafana's JSON model. scripts/dashboards.ts turns these into Grafana
 * dashboards (with the Grafana Foundation SDK); an offline report can render
 * the same panels from the same SQL (expandMacros gives the query to run).
 */

/** Grafana panel plugins the dashboards use. */
export type Visualization = 'timeseries' | 'stat' | 'table' | 'barchart' | 'bargauge' | 'traces';

/**
 * How the ClickHouse plugin shapes the result (its `format`):
 *  - time_series: long rows `time, <string label columns…>, <number columns…>` ordered by time;
 *    Grafana pivots them into one series per label combination and number column.
 *  - table: the rows as they are.
 *  - traces: one row per span with Grafana's trace columns (traceID, spanID, parentSpanID,
 *    serviceName, operationName, startTime, duration, tags, serviceTags, statusCode).
 */
export type QueryFormat = 'time_series' | 'table' | 'traces';

/** A threshold step: from `value` upwards (null: from minus infinity) the color applies. */
export interface ThresholdStep {
  value: number | null;
  color: string;
}

/** The kind of values a result column holds. */
export type FieldType = 'time' | 'string' | 'number' | 'other';

/**
 * One column of a panel's result, in order. Tests check every panel's result
 * against these; Grafana gets `unit` and `thresholds` as per-field overrides.
 */
export interface FieldSpec {
  name: string;
  type: FieldType;
  /** A Grafana unit id; defaults to the panel's. */
  unit?: string;
  /** Color steps for this column (a table cell, say); defaults to the panel's. */
  thresholds?: readonly ThresholdStep[];
  /** Text for raw values (a level's rank shown as its name). */
  valueText?: Readonly<Record<string, string>>;
  /** A link on each cell; `${__value.raw}` is the cell's value (Grafana data-link syntax). */
  link?: { title: string; url: string };
}

export interface PanelSpec {
  /** Stable id within its dashboard (kebab-case); the Grafana panel id is its position. */
  key: string;
  title: string;
  description: string;
  visualization: Visualization;
  /** A Grafana unit id: short, percentunit, ms, none… */
  unit: string;
  /** The query, with the ClickHouse plugin's macros and the dashboard's variables. */
  sql: string;
  format: QueryFormat;
  /** The result's columns, in order. */
  fields: readonly FieldSpec[];
  /** Color steps, drawn as lines on time series when `thresholdStyle` says so. */
  thresholds?: readonly ThresholdStep[];
  thresholdStyle?: 'line' | 'dashed' | 'line+area' | 'dashed+area';
  min?: number;
  max?: number;
  decimals?: number;
  /** Stack series (time series and bar charts). */
  stacked?: boolean;
  /** Grid size: width in 24ths of the row, height in grid rows. Each row of panels sums to 24. */
  width: number;
  height: number;
}

/** A dashboard variable: a query over the rollups, a hidden computed value, a data source picker, or a free-text box. */
export type VariableSpec =
  | {
      kind: 'query';
      name: string;
      label: string;
      description: string;
      /** Its options: the first column of the result. */
      sql: string;
      multi: boolean;
      includeAll: boolean;
    }
  | {
      /**
       * Hidden: SQL that several panels share, run once when the dashboard refreshes (the range
       * or a variable it names changed, or the auto-refresh ticked) before the panels that name it.
       * Its value is the first column of its one row, which panels interpolate as `${name:raw}`, so
       * the SQL must return text that is SQL (quoted by ClickHouse, never by hand).
       */
      kind: 'computed';
      name: string;
      label: string;
      description: string;
      sql: string;
    }
  | { kind: 'datasource'; name: string; label: string; description: string; pluginId: string }
  | { kind: 'textbox'; name: string; label: string; description: string; defaultValue: string };

export interface DashboardSpec {
  /** File name (dashboards/<name>.json) and stable key. */
  name: string;
  /** Grafana's dashboard uid: stable, so links and provisioning survive regeneration. */
  uid: string;
  title: string;
  description: string;
  tags: readonly string[];
  /** Default time range (Grafana relative syntax). */
  time: { from: string; to: string };
  variables: readonly VariableSpec[];
  panels: readonly PanelSpec[];
}
