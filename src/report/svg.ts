/**
 * Server-side charts as inline SVG: pure functions of the data, no scripts,
 * no external references, so a report file reads the same offline, in any
 * browser, printed, or years later. Every text that reaches the markup goes
 * through `escapeXml`.
 */

export function escapeXml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

export const PALETTE = ['#3274d9', '#e0752d', '#56a64b', '#c4162a', '#8f3bb8', '#f2cc0c', '#1f9aa6', '#a16c45', '#6e6e6e', '#d45ba5'];

export interface Series {
  name: string;
  /** [epoch ms, value] ordered by time. */
  points: readonly (readonly [number, number])[];
}

export interface Threshold {
  value: number;
  label: string;
  color: string;
}

const WIDTH = 560;
const HEIGHT = 220;
const PAD = { left: 56, right: 12, top: 12, bottom: 28 };

/** A value for an axis or a tile, in the panel's unit. */
export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '–';
  if (unit === 'percentunit') return `${(value * 100).toFixed(Math.abs(value) < 0.01 && value !== 0 ? 3 : 1)}%`;
  if (unit === 'percent') return `${value.toFixed(1)}%`;
  if (unit === 'ms') return value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(value < 10 ? 1 : 0)} ms`;
  if (unit === 's') return `${value.toFixed(1)} s`;
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(abs < 1 ? 3 : 1);
}

function niceMax(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

function legend(names: readonly string[], y: number): string {
  return names
    .slice(0, PALETTE.length)
    .map((name, i) => {
      const x = PAD.left + (i % 3) * 170;
      const row = y + Math.floor(i / 3) * 14;
      return `<rect x="${x}" y="${row - 8}" width="10" height="3" fill="${PALETTE[i]}"/><text x="${x + 14}" y="${row - 4}" font-size="10">${escapeXml(name.slice(0, 26))}</text>`;
    })
    .join('');
}

/** Lines over time, one per series, with threshold lines drawn dashed. */
export function lineChart(series: readonly Series[], options: { unit: string; thresholds?: readonly Threshold[]; from: number; to: number }): string {
  const legendRows = Math.ceil(Math.min(series.length, PALETTE.length) / 3);
  const height = HEIGHT + legendRows * 14;
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const values = series.flatMap((s) => s.points.map(([, v]) => v)).filter(Number.isFinite);
  const top = niceMax(Math.max(0, ...values, ...(options.thresholds ?? []).map((t) => t.value)));
  const span = Math.max(1, options.to - options.from);
  const x = (t: number) => PAD.left + ((t - options.from) / span) * plotW;
  const y = (v: number) => PAD.top + plotH - (Math.max(0, v) / top) * plotH;
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(top * f)}" y2="${y(top * f)}" stroke="#e5e5e5"/><text x="${PAD.left - 4}" y="${y(top * f) + 3}" font-size="9" text-anchor="end">${escapeXml(formatValue(top * f, options.unit))}</text>`)
    .join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const t = options.from + span * f;
      const label = new Date(t).toISOString().slice(span > 2 * 86_400_000 ? 5 : 11, 16).replace('T', ' ');
      return `<text x="${x(t)}" y="${HEIGHT - 10}" font-size="9" text-anchor="middle">${escapeXml(label)}</text>`;
    })
    .join('');
  const lines = series
    .slice(0, PALETTE.length)
    .map((s, i) => {
      const d = s.points.map(([t, v], k) => `${k === 0 ? 'M' : 'L'}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join('');
      return d ? `<path d="${d}" fill="none" stroke="${PALETTE[i]}" stroke-width="1.5"><title>${escapeXml(s.name)}</title></path>` : '';
    })
    .join('');
  const rules = (options.thresholds ?? [])
    .map((t) => `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(t.value)}" y2="${y(t.value)}" stroke="${t.color}" stroke-dasharray="5,3"/><text x="${WIDTH - PAD.right - 2}" y="${y(t.value) - 3}" font-size="9" text-anchor="end" fill="${t.color}">${escapeXml(t.label)}</text>`)
    .join('');
  const empty = values.length === 0 ? `<text x="${WIDTH / 2}" y="${HEIGHT / 2}" font-size="12" text-anchor="middle" fill="#888">no data</text>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" font-family="sans-serif">${grid}${ticks}${rules}${lines}${empty}${legend(series.map((s) => s.name), HEIGHT + 6)}</svg>`;
}

/** Horizontal bars, largest first as given. */
export function barChart(bars: readonly { label: string; value: number }[], options: { unit: string }): string {
  const shown = bars.slice(0, 15);
  const rowH = 18;
  const labelW = 200;
  const height = Math.max(40, shown.length * rowH + 10);
  const top = niceMax(Math.max(0, ...shown.map((b) => b.value)));
  const barW = WIDTH - labelW - 70;
  const rows = shown
    .map((b, i) => {
      const y = 5 + i * rowH;
      const w = Math.max(1, (Math.max(0, b.value) / top) * barW);
      return `<text x="${labelW - 6}" y="${y + 12}" font-size="10" text-anchor="end">${escapeXml(b.label.slice(0, 34))}</text><rect x="${labelW}" y="${y + 2}" width="${w.toFixed(1)}" height="${rowH - 5}" fill="${PALETTE[i % PALETTE.length]}"/><text x="${labelW + w + 4}" y="${y + 12}" font-size="10">${escapeXml(formatValue(b.value, options.unit))}</text>`;
    })
    .join('');
  const empty = shown.length === 0 ? `<text x="${WIDTH / 2}" y="24" font-size="12" text-anchor="middle" fill="#888">no data</text>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" font-family="sans-serif">${rows}${empty}</svg>`;
}

/** A trace as a waterfall: one bar per span, offset by its start. */
export function waterfall(spans: readonly { name: string; start: number; durationMs: number; error: boolean; depth: number }[]): string {
  const rowH = 18;
  const labelW = 220;
  const height = Math.max(40, spans.length * rowH + 10);
  const start = Math.min(...spans.map((s) => s.start));
  const end = Math.max(...spans.map((s) => s.start + s.durationMs));
  const scale = (WIDTH - labelW - 60) / Math.max(1, end - start);
  const rows = spans
    .slice(0, 40)
    .map((s, i) => {
      const y = 5 + i * rowH;
      const x = labelW + (s.start - start) * scale;
      return `<text x="${8 + s.depth * 10}" y="${y + 12}" font-size="10">${escapeXml(s.name.slice(0, 30))}</text><rect x="${x.toFixed(1)}" y="${y + 2}" width="${Math.max(1, s.durationMs * scale).toFixed(1)}" height="${rowH - 5}" fill="${s.error ? '#c4162a' : '#3274d9'}"/><text x="${(x + Math.max(1, s.durationMs * scale) + 4).toFixed(1)}" y="${y + 12}" font-size="9">${escapeXml(formatValue(s.durationMs, 'ms'))}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" font-family="sans-serif">${spans.length === 0 ? '<text x="20" y="24" font-size="12" fill="#888">no trace</text>' : rows}</svg>`;
}
