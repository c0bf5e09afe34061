import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { runDemo } from '../../demo/run.js';
import { buildReport } from '../../report/index.js';
import type { DemoRun } from '../../demo/run.js';
import { readSummary } from '../../demo/summary.js';
import type { DemoSummary } from '../../demo/summary.js';
import type { TrafficProgress } from '../../demo/traffic.js';
import { createStoreClient, describeStore, migrationSettingsFromEnv, storeConfigFromEnv } from '../../store/index.js';
import { kafkaSettingsFromEnv } from '../../transport/index.js';
import { UsageError } from '../errors.js';
import { renderTable } from '../table.js';

export interface DemoCommandOptions {
  seed: string;
  days: string;
  sends: string;
  json?: boolean;
  reset?: boolean;
  live?: boolean;
  rate: string;
  /** Where the HTML report goes; false with --no-report. */
  report: string | false;
}

/** Default volume: about a minute of running on a 2-core machine. */
export const DEFAULT_DEMO_SENDS = 40_000;

function integer(value: string, name: string, min: number, max: number): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) throw new UsageError(`${name} must be an integer from ${min} to ${max}`);
  return parsed;
}

const pct = (x: number, digits = 2) => `${(x * 100).toFixed(digits)}%`;

/** A one-line progress bar on a terminal; nothing when stderr is not one. */
function progressBar(stream: NodeJS.WriteStream): (progress: TrafficProgress) => void {
  if (!stream.isTTY) return () => undefined;
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 100 && p.fraction < 1) return;
    last = now;
    const width = 30;
    const filled = Math.round(p.fraction * width);
    const at = new Date(p.simulatedAt).toISOString().slice(0, 16).replace('T', ' ');
    stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(p.fraction * 100)).padStart(3)}%  ${at} UTC  ${p.sends} sends, ${p.attempts} attempts, ${p.feedback} feedback events`);
    if (p.fraction >= 1) stream.write('\n');
  };
}

export function renderSummary(run: DemoRun, summary: DemoSummary): string {
  const out: string[] = [];
  out.push(
    `Simulated ${new Date(run.startedAt).toISOString().slice(0, 16)} → ${new Date(run.endedAt).toISOString().slice(0, 16)} UTC in ${run.wallSeconds.toFixed(1)} s (${run.path}): ` +
      `${run.sends} sends, ${run.attempts} attempts, ${run.feedbackEvents} feedback events over ${run.webhookRequests} signed webhooks, ${summary.spans} spans.`,
  );
  out.push('', 'Volume by provider (from email_send_rollup_1m)');
  out.push(renderTable(['provider', 'attempts', 'sent', 'failed', 'retried', 'error rate'], summary.volumes.map((v) => [v.provider, v.total, v.sent, v.failed, v.retried, pct(v.error_rate)])));
  out.push('', 'Top normalized codes');
  out.push(renderTable(['code', 'category', 'attempts', 'providers'], summary.topCodes.map((c) => [c.code, c.category, c.total, c.providers])));
  out.push('', `Feedback (from email_delivery_rollup_1m): hard-bounce rate ${pct(summary.rates.hard_bounce_rate)}, complaint rate ${pct(summary.rates.complaint_rate, 3)} of ${summary.rates.sends} accepted sends`);
  out.push(renderTable(['outcome', 'events'], summary.feedback.map((f) => [f.kind, f.total])));
  out.push('', 'Incidents, as the history shows them');
  out.push(renderTable(['incident', 'code', 'events', 'first seen', 'last seen'], summary.incidents.map((i) => [i.incident, i.code, i.attempts, i.first_seen.slice(0, 16), i.last_seen.slice(0, 16)])));
  out.push('', 'Suspension risk by sender domain (email_suspension_risk, docs/suspension-risk.md)');
  out.push(
    renderTable(
      ['sender domain', 'window', 'sends', 'hard bounces', 'bounce', 'complaints', 'complaint', 'score', 'level', 'reasons'],
      summary.risk.filter((r) => r.scope === 'sender_domain').map((r) => [r.subject, r.window, r.sends, r.hard_bounces, pct(r.bounce_rate), r.complaints, pct(r.complaint_rate, 3), r.score, r.level, r.reasons]),
      70,
    ),
  );
  out.push('', 'Alerts that fired (src/alerts rules replayed over the simulated span; bounce and complaint rules at the end)');
  out.push(summary.alerts.length === 0 ? 'none' : renderTable(['severity', 'alert', 'labels', 'first fired', 'last fired'], summary.alerts.map((a) => [a.severity, a.alert, a.labels, a.first_fired, a.last_fired]), 70));
  if (run.droppedEvents > 0) out.push('', `warning: ${run.droppedEvents} send events were dropped by the bounded buffer`);
  return `${out.join('\n')}\n`;
}

/** `sendlens demo`: a simulated week through the whole pipeline, then a summary read back from ClickHouse. */
export async function runDemoCommand(options: DemoCommandOptions): Promise<number> {
  const seed = integer(options.seed, '--seed', 0, 2 ** 31 - 1);
  const days = integer(options.days, '--days', 1, 31);
  const sends = integer(options.sends, '--sends', 100, 5_000_000);
  const store = storeConfigFromEnv();
  if (options.live) return runLive(options, seed, store);
  if (store.url && !options.reset) {
    throw new UsageError(`the demo empties the sendlens tables it fills; on a server (${describeStore(store)}) it does so only with --reset`);
  }
  const settings = migrationSettingsFromEnv();
  const kafka = kafkaSettingsFromEnv();
  // A key of the run's own unless one is configured: the demo's recipients are made up anyway.
  const recipientKey = process.env.SENDLENS_RECIPIENT_KEY || randomBytes(32).toString('hex');
  const client = await createStoreClient(store);
  try {
    const say = (message: string) => {
      if (!options.json) process.stderr.write(`${message}\n`);
    };
    say(`sendlens demo: ${days} simulated days, ~${sends} sends, seed ${seed}; store: ${describeStore(store)}`);
    const run = await runDemo({
      client,
      settings,
      dataDir: store.dataDir,
      kafka,
      seed,
      days,
      sends,
      recipientKey,
      onProgress: options.json ? () => undefined : progressBar(process.stderr),
      log: say,
    });
    const summary = await readSummary(client, settings.database, run);
    let report: { path: string; panels: number; failed: number } | null = null;
    if (options.report !== false) {
      const built = await buildReport(client, { from: new Date(run.startedAt), to: new Date(run.endedAt) });
      writeFileSync(options.report, built.html);
      report = { path: options.report, panels: built.panels, failed: built.errors.length };
      for (const failed of built.errors) process.stderr.write(`sendlens: report panel ${failed.dashboard}/${failed.panel} failed: ${failed.error}\n`);
    }
    if (options.json) process.stdout.write(`${JSON.stringify({ run, summary, report })}\n`);
    else {
      process.stdout.write(renderSummary(run, summary));
      if (report) process.stdout.write(`\nReport: ${report.path} (${report.panels} panels from the dashboards' SQL; open it in a browser)\n`);
    }
    return report && report.failed > 0 ? 1 : 0;
  } finally {
    await client.close();
  }
}

/** `sendlens demo --live`: realistic traffic in real time until SIGTERM (the compose stack's generator). */
async function runLive(options: DemoCommandOptions, seed: number, store: ReturnType<typeof storeConfigFromEnv>): Promise<number> {
  const sendsPerSecond = Number(options.rate);
  if (!Number.isFinite(sendsPerSecond) || sendsPerSecond <= 0 || sendsPerSecond > 10_000) throw new UsageError('--rate must be a number of sends per second from 0 to 10000');
  const recipientKey = process.env.SENDLENS_RECIPIENT_KEY;
  if (!recipientKey) throw new UsageError('set SENDLENS_RECIPIENT_KEY (at least 16 bytes): live traffic must hash recipients as the rest of the stack does');
  const controller = new AbortController();
  const stop = (signal: string) => {
    process.stderr.write(`sendlens demo: ${signal}, finishing the current step\n`);
    controller.abort();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  const client = await createStoreClient(store);
  try {
    const run = await runDemo({
      client,
      settings: migrationSettingsFromEnv(),
      dataDir: store.dataDir,
      kafka: kafkaSettingsFromEnv(),
      seed,
      days: 1,
      sends: 0,
      recipientKey,
      live: { sendsPerSecond, signal: controller.signal },
      log: (message) => process.stderr.write(`${message}\n`),
    });
    process.stderr.write(`sendlens demo: ${run.sends} sends, ${run.attempts} attempts, ${run.feedbackEvents} feedback events\n`);
    return 0;
  } finally {
    await client.close();
  }
}
