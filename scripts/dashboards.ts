// Renders the dashboards defined as data in src/dashboards/ into Grafana dashboard JSON with the
// Grafana Foundation SDK: dashboards/<name>.json. `npm run generate` writes them (through
// scripts/generate.ts); test/dashboards/generated.test.ts fails when a committed file is stale.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import * as barchart from '@grafana/grafana-foundation-sdk/barchart';
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { CLICKHOUSE_PLUGIN_ID, DASHBOARDS, panelMaxDataPoints } from '../src/dashboards/index.js';
import type { DashboardSpec, FieldSpec, PanelSpec, QueryFormat, ThresholdStep, VariableSpec } from '../src/dashboards/index.js';

/**
 * The plugin version the queries are written for: the macros were checked against
 * grafana/clickhouse-datasource at 1d04063a (package version 4.20.0). A query without a
 * v4 pluginVersion is taken for a v3 query and migrated by the plugin's editor.
 */
const PLUGIN_VERSION = '4.20.0';

/** Every panel and variable queries the data source the `datasource` variable picks. */
const DATASOURCE: common.DataSourceRef = { type: CLICKHOUSE_PLUGIN_ID, uid: '${datasource}' };

/** The plugin's `format` numbers (sqlds): 0 time series, 1 table, 3 trace (trace-id mode). */
const FORMAT: Record<QueryFormat, { format: number; queryType: string }> = {
  time_series: { format: 0, queryType: 'timeseries' },
  table: { format: 1, queryType: 'table' },
  traces: { format: 3, queryType: 'traces' },
};

/** A raw-SQL query of the ClickHouse plugin, as its SQL editor saves it. */
class ClickHouseQuery implements cog.Builder<cog.Dataquery> {
  constructor(private readonly panel: PanelSpec) {}

  build(): cog.Dataquery {
    const query = {
      refId: 'A',
      datasource: DATASOURCE,
      pluginVersion: PLUGIN_VERSION,
      editorType: 'sql',
      ...FORMAT[this.panel.format],
      rawSql: this.panel.sql,
    };
    // The SDK's marker for a data source query; a function, so JSON.stringify leaves it out.
    return { ...query, _implementsDataqueryVariant() {} };
  }
}

const thresholds = (steps: readonly ThresholdStep[]) => new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps.map((s) => ({ value: s.value, color: s.color })));

const valueMappings = (text: Readonly<Record<string, string>>): dashboard.ValueMapping[] => [
  { type: dashboard.MappingType.ValueToText, options: Object.fromEntries(Object.entries(text).map(([value, label], index) => [value, { text: label, index }])) },
];

/** Per-column settings become overrides: unit, color steps (table cells colored by them), links, value text. */
function fieldOverrides(panel: PanelSpec): { matcher: dashboard.MatcherConfig; properties: dashboard.DynamicConfigValue[] }[] {
  return panel.fields
    .map((field: FieldSpec) => {
      const properties: dashboard.DynamicConfigValue[] = [];
      if (field.unit !== undefined && field.unit !== panel.unit) properties.push({ id: 'unit', value: field.unit });
      if (field.thresholds) {
        properties.push({ id: 'thresholds', value: thresholds(field.thresholds).build() });
        if (panel.visualization === 'table') properties.push({ id: 'custom.cellOptions', value: { type: 'color-text' } });
      }
      if (field.valueText) properties.push({ id: 'mappings', value: valueMappings(field.valueText) });
      if (field.link) properties.push({ id: 'links', value: [{ title: field.link.title, url: field.link.url }] });
      return { matcher: { id: 'byName', options: field.name }, properties };
    })
    .filter((override) => override.properties.length > 0);
}

/** What every panel type shares: title, description, query, size, unit, thresholds, overrides. */
interface CommonPanelBuilder extends cog.Builder<dashboard.Panel> {
  title(title: string): this;
  description(description: string): this;
  datasource(datasource: common.DataSourceRef): this;
  withTarget(target: cog.Builder<cog.Dataquery>): this;
  span(w: number): this;
  height(h: number): this;
  interval(interval: string): this;
  maxDataPoints(maxDataPoints: number): this;
  unit(unit: string): this;
  decimals(decimals: number): this;
  min(min: number): this;
  max(max: number): this;
  thresholds(thresholds: cog.Builder<dashboard.ThresholdsConfig>): this;
  withOverride(override: { matcher: dashboard.MatcherConfig; properties: dashboard.DynamicConfigValue[] }): this;
}

function visualization(panel: PanelSpec): CommonPanelBuilder {
  const legend = () => new common.VizLegendOptionsBuilder().displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom).showLegend(true);
  switch (panel.visualization) {
    case 'timeseries': {
      const builder = new timeseries.PanelBuilder()
        .legend(legend())
        .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
        .fillOpacity(panel.stacked ? 60 : 10)
        .showPoints(common.VisibilityMode.Never);
      if (panel.stacked) builder.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
      if (panel.thresholdStyle) builder.thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(panel.thresholdStyle as common.GraphThresholdsStyleMode));
      // A rank (risk level) steps from one value to the next; rates and counts are lines.
      if (panel.fields.some((f) => f.valueText)) builder.lineInterpolation(common.LineInterpolation.StepAfter);
      return builder;
    }
    case 'stat':
      return new stat.PanelBuilder()
        .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
        .colorMode(panel.thresholds ? common.BigValueColorMode.Value : common.BigValueColorMode.None)
        .graphMode(common.BigValueGraphMode.None);
    case 'table':
      return new table.PanelBuilder().cellHeight(common.TableCellHeight.Sm).filterable(true);
    case 'barchart':
      return new barchart.PanelBuilder()
        .xField(panel.fields.find((f) => f.type === 'string')?.name ?? panel.fields[0]?.name ?? '')
        .stacking(panel.stacked ? common.StackingMode.Normal : common.StackingMode.None)
        .legend(legend())
        .showValue(common.VisibilityMode.Auto);
    case 'bargauge':
      // values: one bar per row (the query returns one row per item), not a reduction.
      return new bargauge.PanelBuilder()
        .reduceOptions(new common.ReduceDataOptionsBuilder().values(true).calcs([]))
        .displayMode(common.BarGaugeDisplayMode.Gradient)
        .orientation(common.VizOrientation.Horizontal);
    case 'traces':
      return new dashboard.PanelBuilder().type('traces');
  }
}

function renderPanel(panel: PanelSpec, id: number): CommonPanelBuilder {
  const builder = visualization(panel).title(panel.title).description(panel.description).datasource(DATASOURCE).withTarget(new ClickHouseQuery(panel)).span(panel.width).height(panel.height);
  (builder as unknown as { id(id: number): unknown }).id(id);
  if (panel.visualization !== 'traces') builder.unit(panel.unit);
  // Rollups hold one row per minute: a finer interval would only show gaps.
  if (/\bemail_(send|delivery)_rollup_1m\b/.test(panel.sql)) builder.interval('1m');
  const maxDataPoints = panelMaxDataPoints(panel);
  if (maxDataPoints !== undefined) builder.maxDataPoints(maxDataPoints);
  if (panel.thresholds) builder.thresholds(thresholds(panel.thresholds));
  if (panel.decimals !== undefined) builder.decimals(panel.decimals);
  if (panel.min !== undefined) builder.min(panel.min);
  if (panel.max !== undefined) builder.max(panel.max);
  for (const override of fieldOverrides(panel)) builder.withOverride(override);
  return builder;
}

/** A query variable over the ClickHouse data source, read again when the time range changes (its SQL uses the range). */
function sqlVariable(variable: { name: string; label: string; description: string; sql: string }): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder(variable.name)
    .label(variable.label)
    .description(variable.description)
    .datasource(DATASOURCE)
    .query({ editorType: 'sql', pluginVersion: PLUGIN_VERSION, rawSql: variable.sql })
    .definition(variable.sql)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged);
}

function renderVariable(variable: VariableSpec): cog.Builder<dashboard.VariableModel> {
  switch (variable.kind) {
    case 'datasource':
      return new dashboard.DatasourceVariableBuilder(variable.name).label(variable.label).description(variable.description).type(variable.pluginId);
    case 'textbox':
      return new dashboard.TextBoxVariableBuilder(variable.name).label(variable.label).description(variable.description).defaultValue(variable.defaultValue);
    case 'computed': {
      // One value, hidden; refreshed with the range also on each auto-refresh, before the panels
      // that name it run.
      const builder = sqlVariable(variable).multi(false).includeAll(false).hide(dashboard.VariableHide.HideVariable);
      // Its value is SQL, not a choice: kept out of the page's URL (the builder has no setter for it).
      return { build: () => ({ ...builder.build(), skipUrlSync: true }) };
    }
    case 'query': {
      const builder = sqlVariable(variable).multi(variable.multi).includeAll(variable.includeAll).sort(dashboard.VariableSort.AlphabeticalAsc);
      if (variable.includeAll) builder.current({ selected: true, text: ['All'], value: ['$__all'] });
      return builder;
    }
  }
}

/** One dashboard as Grafana's JSON model (what the dashboard API and provisioning take). */
export function renderDashboard(spec: DashboardSpec): dashboard.Dashboard {
  const builder = new dashboard.DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags([...spec.tags])
    .time(spec.time)
    .timezone('utc')
    .refresh('1m')
    .editable()
    .tooltip(dashboard.DashboardCursorSync.Crosshair);
  for (const variable of spec.variables) builder.withVariable(renderVariable(variable));
  spec.panels.forEach((panel, index) => builder.withPanel(renderPanel(panel, index + 1)));
  return builder.build();
}

/** Every dashboard file with its content: `dashboards/<name>.json`. */
export function dashboardFiles(): [string, string][] {
  return DASHBOARDS.map((spec) => [`dashboards/${spec.name}.json`, `${JSON.stringify(renderDashboard(spec), null, 2)}\n`]);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [path, content] of dashboardFiles()) {
    writeFileSync(new URL(`../${path}`, import.meta.url), content);
    console.log(`wrote ${path}`);
  }
}
