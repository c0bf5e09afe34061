import type { PanelSpec } from './types.js';

/**
 * Points a panel that buckets by $__timeInterval asks Grafana for (its Max data points). Grafana's
 * default is the panel's width in pixels (~1,000), which makes a 7-day range's interval 10 min and
 * a 30-day one's 30 min, so those ranges read every minute of the minute rollups. At 200, 24 hours
 * get 5 min, 7 days 1 h and 30 days 3 h: whole hours, which the hourly rollups serve
 * (rollupSource), at a point every 3 to 6 pixels of a 6- to 12-column chart.
 */
export const INTERVAL_PANEL_POINTS = 200;

/** The Max data points a panel sets: INTERVAL_PANEL_POINTS for panels that bucket by interval, else Grafana's default. */
export function panelMaxDataPoints(panel: Pick<PanelSpec, 'sql'>): number | undefined {
  return panel.sql.includes('$__timeInterval') ? INTERVAL_PANEL_POINTS : undefined;
}

/**
 * Grafana's nice interval steps (rangeutil.roundInterval in
 * @grafana/data): an interval below `below` ms becomes `step` ms.
 */
const INTERVAL_STEPS: readonly (readonly [below: number, step: number])[] = [
  [10, 1],
  [15, 10],
  [35, 20],
  [75, 50],
  [150, 100],
  [350, 200],
  [750, 500],
  [1_500, 1_000],
  [3_500, 2_000],
  [7_500, 5_000],
  [12_500, 10_000],
  [17_500, 15_000],
  [25_000, 20_000],
  [45_000, 30_000],
  [90_000, 60_000],
  [210_000, 120_000],
  [450_000, 300_000],
  [750_000, 600_000],
  [1_050_000, 900_000],
  [1_500_000, 1_200_000],
  [2_700_000, 1_800_000],
  [5_400_000, 3_600_000],
  [9_000_000, 7_200_000],
  [16_200_000, 10_800_000],
  [32_400_000, 21_600_000],
  [86_400_000, 43_200_000],
  [604_800_000, 86_400_000],
  [1_814_400_000, 604_800_000],
  [3_628_800_000, 2_592_000_000],
];
const LONGEST_STEP = 31_536_000_000;

/** The interval Grafana gives a panel over `rangeMs` ($__interval_ms): range / maxDataPoints, rounded to its steps. */
export function grafanaIntervalMs(rangeMs: number, maxDataPoints: number): number {
  const raw = rangeMs / maxDataPoints;
  return INTERVAL_STEPS.find(([below]) => raw < below)?.[1] ?? LONGEST_STEP;
}
