/**
 * report: the dashboards' panels, from the same SQL, as one self-contained
 * HTML file with server-side SVG charts (`sendlens report`).
 */
export { buildReport } from './build.js';
export type { Report, ReportOptions } from './build.js';
export { lineChart, barChart, waterfall, escapeXml, formatValue } from './svg.js';
export type { Series, Threshold } from './svg.js';
