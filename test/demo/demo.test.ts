import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ANSWERS, INCIDENTS, PROVIDER_APIS, ROUTES } from '../../src/demo/scenario.js';
import { SeededRandom } from '../../src/demo/random.js';
import { normalizeResponse } from '../../src/normalize/index.js';
import type { ProviderId } from '../../src/normalize/index.js';
import { BIN, runCli } from '../helpers/cli.js';
import { createStoreClient } from '../../src/store/index.js';

interface DemoJson {
  run: { sends: number; attempts: number; feedbackEvents: number; droppedEvents: number; path: string };
  report: { path: string; panels: number; failed: number };
  summary: {
    volumes: { provider: string; total: number; failed: number }[];
    topCodes: { code: string; total: number }[];
    incidents: { incident: string; code: string; attempts: number }[];
    risk: { scope: string; subject: string; window: string; level: string; sends: number }[];
    spans: number;
    feedback: { kind: string; total: number }[];
    alerts: { alert: string; labels: string }[];
  };
}

describe('the demo scenario', () => {
  it('every canned answer normalizes to the code the scenario says it is', () => {
    for (const [name, answer] of Object.entries(ANSWERS)) {
      const provider = (Object.keys(PROVIDER_APIS) as ProviderId[]).find((p) => name.startsWith(p));
      expect(provider, name).toBeDefined();
      const normalized = normalizeResponse(provider as ProviderId, { status: answer.status, headers: 'headers' in answer ? answer.headers : {}, body: typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body) });
      expect({ name, code: normalized.code }).toEqual({ name, code: answer.code });
    }
  });

  it('routes cover all five providers and their weights add up to one', () => {
    expect(new Set(ROUTES.map((r) => r.provider))).toEqual(new Set(Object.keys(PROVIDER_APIS)));
    expect(ROUTES.reduce((sum, r) => sum + r.weight, 0)).toBeCloseTo(1, 9);
    expect(new Set(INCIDENTS.map((i) => i.provider))).toEqual(new Set(['ses', 'resend', 'sendfleet', 'scaisend', 'relay']));
  });

  it('the seeded generator repeats itself and is uniform enough', () => {
    const a = new SeededRandom(7);
    const b = new SeededRandom(7);
    const draws = Array.from({ length: 10_000 }, () => a.next());
    expect(draws.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b.next()));
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
  });
});

describe('sendlens demo (single-process mode)', () => {
  const run = (dataDir: string, seed = '7') => {
    const result = runCli(['demo', '--days', '2', '--sends', '8000', '--seed', seed, '--json', '--report', join(dataDir, 'report.html')], '', { KAFKA_BROKERS: '', SENDLENS_DATA_DIR: dataDir, CLICKHOUSE_URL: '' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return JSON.parse(result.stdout) as DemoJson;
  };

  it('runs the simulated days through the pipeline; every incident and the review level show in ClickHouse; the same seed gives the same history', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-demo-'));
    try {
      const first = run(dataDir);
      expect(first.run.path).toBe('in-process');
      // The report of the dashboards' panels over the simulated span, every panel answered.
      expect(first.report).toEqual({ path: join(dataDir, 'report.html'), panels: expect.any(Number), failed: 0 });
      expect(readFileSync(first.report.path, 'utf8')).toContain('sendlens report');
      expect(first.run.droppedEvents).toBe(0);
      const attempts = first.summary.volumes.reduce((sum, v) => sum + v.total, 0);
      // Every attempt became a row and a span.
      expect(attempts).toBe(first.run.attempts);
      expect(first.summary.spans).toBe(first.run.attempts);
      expect(first.summary.volumes.map((v) => v.provider).sort()).toEqual(['relay', 'resend', 'scaisend', 'sendfleet', 'ses']);
      for (const incident of first.summary.incidents) expect({ incident: incident.incident, seen: incident.attempts > 0 }).toEqual({ incident: incident.incident, seen: true });
      expect(first.summary.feedback.map((f) => f.kind)).toEqual(expect.arrayContaining(['delivered', 'bounced (hard)', 'bounced (soft)']));
      const level = (subject: string, window: string) => first.summary.risk.find((r) => r.scope === 'sender_domain' && r.subject === subject && r.window === window)?.level;
      expect(level('news.acme.example', '24h')).toBe('review');
      expect(level('billing.globex.example', '24h')).toBe('at_risk');
      // A sender with normal feedback: at most watch (one stray complaint is enough for that, by design).
      expect(['healthy', 'watch']).toContain(level('tx.initech.example', '24h'));
      // The alert rules, replayed over the span, caught the quota exhaustion, the suspension and the bounce rate.
      expect(first.summary.alerts.map((a) => `${a.alert}: ${a.labels}`)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^Sending quota exhausted: provider=resend/), 'Provider suspended sending: provider=sendfleet workspace=globex', 'Hard-bounce rate over the SES review line: scope=sender_domain subject=news.acme.example']),
      );

      // The documented example queries all answer on the demo's history.
      const docs = readFileSync(new URL('../../docs/queries.md', import.meta.url), 'utf8');
      const queries = [...docs.matchAll(/^### (.+)\n+```sql\n([\s\S]*?)```/gm)];
      expect(queries.length).toBeGreaterThanOrEqual(12);
      for (const [, title, sql] of queries) {
        const answer = runCli(['sql', '--format', 'json', sql ?? ''], '', { KAFKA_BROKERS: '', SENDLENS_DATA_DIR: dataDir, CLICKHOUSE_URL: '' });
        expect({ title, status: answer.status, stderr: answer.stderr }).toEqual({ title, status: 0, stderr: '' });
        expect({ title, rows: (JSON.parse(answer.stdout) as unknown[]).length > 0 }).toEqual({ title, rows: true });
      }

      // Again, same seed, same store: the store is emptied first and the week comes out the same.
      const second = run(dataDir);
      expect(second.summary.volumes).toEqual(first.summary.volumes);
      expect(second.summary.topCodes).toEqual(first.summary.topCodes);
      expect(second.summary.incidents).toEqual(first.summary.incidents.map((i) => ({ ...i, first_seen: expect.any(String), last_seen: expect.any(String) })));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('--live sends in real time, never ahead of the clock, and stops cleanly on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-demo-live-'));
    try {
      const started = Date.now();
      const child = spawn(process.execPath, [BIN, 'demo', '--live', '--rate', '40'], { env: { ...process.env, KAFKA_BROKERS: '', SENDLENS_DATA_DIR: dataDir, CLICKHOUSE_URL: '', SENDLENS_RECIPIENT_KEY: 'live-demo-test-key-0123456789' }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      // One 10 s step runs once it is over; stop during the second.
      await new Promise((resolve) => setTimeout(resolve, 14_000));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const stopped = Date.now();
      expect(stderr).toMatch(/SIGTERM, finishing the current step/);
      const client = await createStoreClient({ dataDir });
      try {
        const [row] = (await (await client.query({ query: 'SELECT count() AS n, toUnixTimestamp64Milli(min(occurred_at)) AS first, toUnixTimestamp64Milli(max(occurred_at)) AS last FROM email_send_events', format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } })).json()) as { n: number; first: number; last: number }[];
        expect(row?.n).toBeGreaterThan(0);
        expect(row?.first).toBeGreaterThanOrEqual(started - 1000);
        expect(row?.last).toBeLessThanOrEqual(stopped);
      } finally {
        await client.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('explains bad options in one line', () => {
    const bad = runCli(['demo', '--days', '0'], '', { KAFKA_BROKERS: '' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('sendlens: --days must be an integer from 1 to 31\n');
    const server = runCli(['demo'], '', { KAFKA_BROKERS: '', CLICKHOUSE_URL: 'http://127.0.0.1:1' });
    expect(server.status).toBe(2);
    expect(server.stderr).toMatch(/only with --reset/);
  });
});
