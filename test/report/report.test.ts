import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARDS } from '../../src/dashboards/index.js';
import { barChart, escapeXml, lineChart } from '../../src/report/index.js';
import { createStoreClient, migrate } from '../../src/store/index.js';
import { runCli } from '../helpers/cli.js';
import { generateData, insertGeneratedData } from '../helpers/generated-data.js';

const CHROMIUM = '/usr/bin/chromium';

describe('the report charts', () => {
  it('escape every text that reaches the markup', () => {
    expect(escapeXml(`<script>alert("x")</script>&'`)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
    const svg = lineChart([{ name: '<b>evil</b>', points: [[0, 1], [1000, 2]] }], { unit: 'short', from: 0, to: 1000, thresholds: [{ value: 1.5, label: '<i>', color: 'red' }] });
    expect(svg).not.toContain('<b>');
    expect(svg).not.toContain('<i>');
    expect(svg).toContain('&lt;b&gt;evil&lt;/b&gt;');
    expect(barChart([{ label: '"x"', value: 3 }], { unit: 'short' })).toContain('&quot;x&quot;');
  });

  it('draw one path per series, scaled into the plot, and threshold lines dashed', () => {
    const svg = lineChart(
      [
        { name: 'a', points: [[0, 0], [500, 5], [1000, 10]] },
        { name: 'b', points: [[0, 10], [1000, 0]] },
      ],
      { unit: 'short', from: 0, to: 1000, thresholds: [{ value: 5, label: 'review', color: '#c4162a' }] },
    );
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain('stroke-dasharray');
    const ys = [...svg.matchAll(/[ML][\d.]+,([\d.]+)/g)].map((m) => Number(m[1]));
    expect(Math.min(...ys)).toBeGreaterThanOrEqual(12);
    expect(Math.max(...ys)).toBeLessThanOrEqual(220 - 28);
  });
});

describe('sendlens report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sendlens-report-'));
  const dataDir = join(dir, 'store');
  const out = join(dir, 'report.html');
  let data: ReturnType<typeof generateData>;

  beforeAll(async () => {
    const client = await createStoreClient({ dataDir });
    await migrate(client, { database: 'default', retentionDays: 3650, rollupRetentionDays: 3650 });
    data = generateData({ minutes: 240, spans: true });
    await insertGeneratedData(client, data);
    await client.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one self-contained file with every dashboard panel, rendered from its SQL, and Chromium draws it', () => {
    const result = runCli(['report', '--out', out, '--from', data.from.toISOString(), '--to', data.to.toISOString()], '', { SENDLENS_DATA_DIR: dataDir, CLICKHOUSE_URL: '', KAFKA_BROKERS: '' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const panels = DASHBOARDS.flatMap((d) => d.panels.map((p) => `${d.name}--${p.key}`));
    expect(result.stdout).toBe(`wrote ${out}: ${panels.length} panels (0 failed)\n`);
    const html = readFileSync(out, 'utf8');
    for (const id of panels) expect(html).toContain(`id="${id}"`);
    // Self-contained: no scripts, no fetched resources, no links out.
    expect(html).not.toMatch(/<script|<link|<img|<iframe|src=|url\(|href="http/i);
    expect(html).not.toContain('class="error"');
    expect(html).not.toContain('no data');
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(DASHBOARDS.flatMap((d) => d.panels).filter((p) => ['timeseries', 'barchart', 'bargauge', 'traces'].includes(p.visualization)).length);

    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium package (.ci/run does)`).toBe(true);
    const png = join(dir, 'report.png');
    const shot = spawnSync(
      CHROMIUM,
      ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${join(dir, 'chromium')}`, '--window-size=1400,2400', `--screenshot=${png}`, `file://${out}`],
      { encoding: 'utf8', timeout: 90_000 },
    );
    expect(shot.status, shot.stderr).toBe(0);
    const image = readFileSync(png);
    expect(image.subarray(1, 4).toString()).toBe('PNG');
    expect([image.readUInt32BE(16), image.readUInt32BE(20)]).toEqual([1400, 2400]);
    // A blank page compresses to a few KiB; charts and tables do not.
    expect(image.length).toBeGreaterThan(100_000);
  }, 180_000);

  it('says which panel failed, and exits 1, instead of writing a silently incomplete report', () => {
    const empty = join(dir, 'empty-store');
    const result = runCli(['report', '--out', join(dir, 'x.html')], '', { SENDLENS_DATA_DIR: empty, CLICKHOUSE_URL: '', KAFKA_BROKERS: '' });
    // No schema there: every panel's query fails, and each is named; so does each dashboard's
    // computed variables' query (named `variables`), which the panels that read them need first.
    expect(result.status).toBe(1);
    const computed = DASHBOARDS.filter((d) => d.variables.some((v) => v.kind === 'computed'));
    expect(result.stderr.split('\n').filter(Boolean).length).toBe(DASHBOARDS.flatMap((d) => d.panels).length + computed.length);
    for (const d of computed) expect(result.stderr).toContain(`sendlens: panel ${d.name}/variables failed: `);
    expect(result.stderr).toMatch(/^sendlens: panel overview\/\S+ failed: /);
    expect(runCli(['report', '--from', 'yesterday'], '', { SENDLENS_DATA_DIR: empty }).stderr).toMatch(/--from must be an ISO 8601 time/);
  });
});
