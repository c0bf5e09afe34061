import type { ClickHouseClient } from '@clickhouse/client';
import { ALL_VALUE, DASHBOARDS, expandMacros, grafanaIntervalMs, panelMaxDataPoints, withComputedVariables } from '../dashboards/index.js';
import type { DashboardSpec, PanelSpec, VariableValue } from '../dashboards/index.js';
import { barChart, escapeXml, formatValue, lineChart, PALETTE, waterfall } from './svg.js';
import type { Series, Threshold } from './svg.js';

export interface ReportOptions {
  from: Date;
  to: Date;
  /** Defaults to every dashboard. */
  dashboards?: readonly DashboardSpec[];
}

export interface Report {
  html: string;
  panels: number;
  /** Panels whose query failed: shown in the report with the error, and listed here. */
  errors: { dashboard: string; panel: string; error: string }[];
}

type Row = Record<string, unknown>;

/** ClickHouse's DateTime text (UTC) or a number, to epoch ms. */
const epoch = (value: unknown) => (typeof value === 'number' ? value : Date.parse(`${String(value).slice(0, 23).replace(' ', 'T')}Z`));

/** The interval Grafana would give the panel (its Max data points, else about 300 across the page's width), at least one rollup minute. */
function intervalFor(panel: PanelSpec, from: Date, to: Date): number {
  return Math.max(60_000, grafanaIntervalMs(to.getTime() - from.getTime(), panelMaxDataPoints(panel) ?? 300));
}

async function variablesFor(client: ClickHouseClient, dashboard: DashboardSpec): Promise<Record<string, VariableValue>> {
  const variables: Record<string, VariableValue> = {};
  for (const variable of dashboard.variables) {
    if (variable.kind === 'query') variables[variable.name] = ALL_VALUE;
    else if (variable.kind === 'textbox') variables[variable.name] = variable.defaultValue;
  }
  if ('trace_id' in variables && variables.trace_id === '') {
    // The trace view shows the slowest failed attempt's trace, as a person would pick it from the table.
    // A store without the table fails here and again, named, in each panel that needs it.
    const found = await client
      .query({ query: "SELECT trace_id FROM email_send_events WHERE outcome = 'failed' AND trace_id != '' ORDER BY latency_ms DESC LIMIT 1", format: 'JSONEachRow' })
      .then(async (result) => ((await result.json()) as { trace_id: string }[])[0]?.trace_id ?? '')
      .catch(() => '');
    variables.trace_id = found;
  }
  return variables;
}

function thresholdLines(panel: PanelSpec): Threshold[] {
  if (!panel.thresholdStyle) return [];
  return (panel.thresholds ?? []).filter((t) => t.value !== null).map((t) => ({ value: t.value as number, label: formatValue(t.value as number, panel.unit), color: t.color === 'red' ? '#c4162a' : t.color === 'orange' || t.color === 'yellow' ? '#e0752d' : t.color }));
}

function timeSeries(panel: PanelSpec, rows: Row[]): Series[] {
  const labels = panel.fields.filter((f) => f.type === 'string').map((f) => f.name);
  const numbers = panel.fields.filter((f) => f.type === 'number').map((f) => f.name);
  const time = panel.fields.find((f) => f.type === 'time')?.name ?? 'time';
  const series = new Map<string, [number, number][]>();
  for (const row of rows) {
    for (const column of numbers) {
      const name = [...labels.map((l) => String(row[l])), ...(numbers.length > 1 || labels.length === 0 ? [column] : [])].join(' · ');
      const points = series.get(name) ?? [];
      points.push([epoch(row[time]), Number(row[column])]);
      series.set(name, points);
    }
  }
  return [...series.entries()].map(([name, points]) => ({ name, points }));
}

function stat(panel: PanelSpec, rows: Row[]): string {
  const field = panel.fields.find((f) => f.type === 'number');
  const value = Number(rows[0]?.[field?.name ?? ''] ?? Number.NaN);
  const steps = [...(field?.thresholds ?? panel.thresholds ?? [])].filter((t) => t.value === null || value >= t.value);
  const color = steps.at(-1)?.color ?? PALETTE[0];
  const text = field?.valueText?.[String(value)] ?? formatValue(value, field?.unit ?? panel.unit);
  return `<div class="stat" style="color:${escapeXml(color)}">${escapeXml(text)}</div>`;
}

function table(panel: PanelSpec, rows: Row[]): string {
  const head = panel.fields.map((f) => `<th>${escapeXml(f.name)}</th>`).join('');
  const body = rows
    .slice(0, 50)
    .map(
      (row) =>
        `<tr>${panel.fields
          .map((f) => {
            const raw = row[f.name];
            const text = f.valueText?.[String(raw)] ?? (f.type === 'number' ? formatValue(Number(raw), f.unit ?? panel.unit) : typeof raw === 'object' ? JSON.stringify(raw) : String(raw ?? ''));
            return `<td${f.type === 'number' ? ' class="num"' : ''}>${escapeXml(text.length > 80 ? `${text.slice(0, 79)}…` : text)}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body || `<tr><td colspan="${panel.fields.length}" class="empty">no rows</td></tr>`}</tbody></table>${rows.length > 50 ? `<p class="note">first 50 of ${rows.length} rows</p>` : ''}`;
}

function bars(panel: PanelSpec, rows: Row[]): string {
  const labels = panel.fields.filter((f) => f.type === 'string').map((f) => f.name);
  const value = panel.fields.find((f) => f.type === 'number')?.name ?? '';
  return barChart(
    rows.map((row) => ({ label: labels.map((l) => String(row[l])).join(' · '), value: Number(row[value]) })),
    { unit: panel.fields.find((f) => f.name === value)?.unit ?? panel.unit },
  );
}

function trace(rows: Row[]): string {
  const byId = new Map(rows.map((row) => [String(row.spanID), row]));
  const depth = (row: Row, guard = 0): number => {
    const parent = byId.get(String(row.parentSpanID));
    return parent && guard < 20 ? 1 + depth(parent, guard + 1) : 0;
  };
  return waterfall(
    rows.map((row) => ({ name: `${String(row.serviceName)}: ${String(row.operationName)}`, start: Number(row.startTime), durationMs: Number(row.duration), error: String(row.statusCode).toLowerCase().includes('error'), depth: depth(row) })),
  );
}

function render(panel: PanelSpec, rows: Row[], from: Date, to: Date): string {
  switch (panel.visualization) {
    case 'timeseries':
      return lineChart(timeSeries(panel, rows), { unit: panel.unit, thresholds: thresholdLines(panel), from: from.getTime(), to: to.getTime() });
    case 'stat':
      return stat(panel, rows);
    case 'barchart':
    case 'bargauge':
      return bars(panel, rows);
    case 'traces':
      return trace(rows);
    default:
      return table(panel, rows);
  }
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}
.grid{display:flex;flex-wrap:wrap;gap:12px}.panel{background:#fff;border:1px solid #ddd;border-radius:4px;padding:10px;box-sizing:border-box}
.panel h3{font-size:13px;margin:0 0 4px}.panel p.desc{font-size:11px;color:#666;margin:0 0 8px}.stat{font-size:34px;font-weight:600;padding:8px 0}
table{border-collapse:collapse;font-size:11px;width:100%}th,td{border-bottom:1px solid #eee;padding:3px 6px;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
.error{color:#c4162a;font-size:12px}.note,.empty{color:#888;font-size:11px}svg{max-width:100%;height:auto}`;

/**
 * One self-contained HTML file with every dashboard's panels, each from the
 * panel's own SQL with the macros expanded as Grafana would expand them.
 */
export async function buildReport(client: ClickHouseClient, options: ReportOptions): Promise<Report> {
  const { from, to } = options;
  const errors: Report['errors'] = [];
  let panels = 0;
  const sections: string[] = [];
  for (const dashboard of options.dashboards ?? DASHBOARDS) {
    let variables = await variablesFor(client, dashboard);
    try {
      // The computed variables over the report's range, as Grafana computes them before the panels
      // (the interval is not theirs to use).
      variables = await withComputedVariables(dashboard.variables, { from, to, intervalMs: 60_000, variables }, client);
    } catch (error) {
      // The panels that name one fail too, each with ClickHouse's error; this entry says why.
      errors.push({ dashboard: dashboard.name, panel: 'variables', error: (error as Error).message.split('\n')[0] ?? String(error) });
    }
    const cards: string[] = [];
    for (const panel of dashboard.panels) {
      panels += 1;
      let body: string;
      try {
        const query = expandMacros(panel.sql, { from, to, intervalMs: intervalFor(panel, from, to), variables });
        const result = await client.query({ query, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } as never });
        body = render(panel, (await result.json()) as Row[], from, to);
      } catch (error) {
        const message = (error as Error).message.split('\n')[0] ?? String(error);
        errors.push({ dashboard: dashboard.name, panel: panel.key, error: message });
        body = `<p class="error">${escapeXml(message)}</p>`;
      }
      const width = `calc(${((panel.width / 24) * 100).toFixed(3)}% - 12px)`;
      cards.push(`<section class="panel" id="${escapeXml(`${dashboard.name}--${panel.key}`)}" style="width:${width}"><h3>${escapeXml(panel.title)}</h3><p class="desc">${escapeXml(panel.description)}</p>${body}</section>`);
    }
    sections.push(`<h2 id="${escapeXml(dashboard.name)}">${escapeXml(dashboard.title)}</h2><p class="desc">${escapeXml(dashboard.description)}</p><div class="grid">${cards.join('')}</div>`);
  }
  const range = `${from.toISOString().slice(0, 16).replace('T', ' ')} – ${to.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>sendlens report, ${escapeXml(range)}</title><style>${STYLE}</style></head><body><h1>sendlens report</h1><p>${escapeXml(range)} · ${panels} panels from ${(options.dashboards ?? DASHBOARDS).length} dashboards, the same SQL as the Grafana dashboards · generated ${escapeXml(new Date().toISOString())}</p>${sections.join('')}</body></html>\n`;
  return { html, panels, errors };
}
