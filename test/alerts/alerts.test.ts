import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ALERT_RULES, ALERTING_FILE, evaluateRules, provisioningDocument, renderAlertingYaml, SPIKE } from '../../src/alerts/index.js';
import type { FiringAlert } from '../../src/alerts/index.js';
import { RecipientHasher, uuidv7 } from '../../src/events/index.js';
import type { SendEvent } from '../../src/events/index.js';
import { fromGenericEvents } from '../../src/feedback/index.js';
import { createStoreClient, migrate } from '../../src/store/index.js';
import { runCli, runCliAsync } from '../helpers/cli.js';
import { sampleEvent } from '../helpers/events.js';

const MINUTE = 60_000;
const hasher = new RecipientHasher('alerts-test-key-0123456789');

describe('the alert rules as Grafana provisioning', () => {
  it('grafana/provisioning/alerting/sendlens.yaml is what the rules generate (run `npm run generate`), and reads back as the document', () => {
    const committed = readFileSync(new URL(`../../${ALERTING_FILE}`, import.meta.url), 'utf8');
    expect(committed).toBe(renderAlertingYaml(ALERT_RULES));
    const document = parse(committed) as { apiVersion: number; groups: { rules: { uid: string; condition: string; data: { refId: string; datasourceUid: string; model: { rawSql?: string } }[] }[] }[] };
    expect(document).toEqual(JSON.parse(JSON.stringify(provisioningDocument(ALERT_RULES))));
    expect(document.apiVersion).toBe(1);
    const rules = document.groups[0]?.rules ?? [];
    expect(rules.map((r) => r.uid)).toEqual(ALERT_RULES.map((r) => r.uid));
    for (const rule of rules) {
      expect(rule.data.map((d) => d.refId)).toEqual(['A', 'B', 'C']);
      expect(rule.data.find((d) => d.refId === rule.condition)?.datasourceUid).toBe('__expr__');
      expect(rule.data[0]?.model.rawSql).toBe(ALERT_RULES.find((r) => r.uid === rule.uid)?.sql);
    }
  });
});

describe('sendlens alerts check on generated traffic', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-alerts-'));
  let client: ClickHouseClient;
  const now = new Date(Math.floor(Date.now() / MINUTE) * MINUTE);
  let n = 0;

  const insert = (table: string, rows: object[]) => client.insert({ table, values: rows, format: 'JSONEachRow', clickhouse_settings: { date_time_input_format: 'best_effort', input_format_null_as_default: 1 } });
  /** `perMinute` attempts each minute over [fromMin, toMin) minutes before now; `failed(i)` picks the failures. */
  const traffic = async (provider: SendEvent['provider'], workspace: string, fromMin: number, toMin: number, perMinute: number, failure: (i: number) => Partial<SendEvent> | null) => {
    const rows: SendEvent[] = [];
    for (let m = fromMin; m > toMin; m -= 1) {
      for (let k = 0; k < perMinute; k += 1) {
        const at = now.getTime() - m * MINUTE + k * 100;
        n += 1;
        const failed = failure(n);
        rows.push(sampleEvent({ event_id: uuidv7(at), occurred_at: new Date(at).toISOString(), provider, workspace, sender_domain: `${workspace}.example`, message_id: `m-${n}`, ...(failed ?? { outcome: 'sent', status: 200, code: null, category: null, retry: null, provider_code: null, error_message: null }) }));
      }
    }
    await insert('email_send_events', rows);
  };
  const check = () => evaluateRules(client, ALERT_RULES, now);
  const byRule = (alerts: FiringAlert[], uid: string) => alerts.filter((a) => a.rule === uid);
  const throttled = { outcome: 'failed' as const, status: 400, code: 'throttling.rate_limited' as const, category: 'throttling', retry: 'backoff' as const };

  beforeAll(async () => {
    client = await createStoreClient({ dataDir });
    await migrate(client, { database: 'default', retentionDays: 3650, rollupRetentionDays: 3650 });
    // A steady day: 1% failures for SES and Resend, a quiet relay.
    await traffic('ses', 'acme', 24 * 60, 0, 6, (i) => (i % 100 === 0 ? throttled : null));
    await traffic('resend', 'globex', 24 * 60, 0, 4, (i) => (i % 100 === 0 ? throttled : null));
    await traffic('relay', 'initech', 24 * 60, 0, 1, () => null);
  });
  afterAll(async () => {
    await client.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a steady baseline, and a small-volume blip, stay quiet', async () => {
    // Ten relay attempts in the last minutes, half of them failing: a 50× rate, but no volume.
    await traffic('relay', 'initech', 10, 0, 1, () => throttled);
    expect(await check()).toEqual([]);
  });

  it('a spike against the trailing baseline fires for that provider only, and the CLI agrees', async () => {
    // The last 15 minutes: SES fails 40% of 20 attempts a minute.
    await traffic('ses', 'acme', SPIKE.currentMinutes, 0, 20, (i) => (i % 5 < 2 ? throttled : null));
    const spikes = byRule(await check(), 'sendlens-error-rate-spike');
    expect(spikes.map((a) => a.labels)).toEqual([{ provider: 'ses' }]);
    expect(spikes[0]?.value).toBeGreaterThan(SPIKE.ratio * 5);

    await client.close();
    try {
      const cli = runCli(['alerts', 'check', '--json', '--at', now.toISOString()], '', { SENDLENS_DATA_DIR: dataDir, CLICKHOUSE_URL: '', KAFKA_BROKERS: '' });
      expect(cli.stderr).toBe('');
      expect(cli.status).toBe(0);
      expect((JSON.parse(cli.stdout) as FiringAlert[]).map((a) => [a.rule, a.labels])).toEqual([['sendlens-error-rate-spike', { provider: 'ses' }]]);
      const table = runCli(['alerts', 'check', '--at', now.toISOString()], '', { SENDLENS_DATA_DIR: dataDir, CLICKHOUSE_URL: '', KAFKA_BROKERS: '' });
      expect(table.stdout).toMatch(/critical\s+Error-rate spike\s+provider=ses/);
    } finally {
      client = await createStoreClient({ dataDir });
    }
  });

  it('quota exhaustion and a suspension fire as soon as they appear', async () => {
    await traffic('resend', 'globex', 5, 0, 2, () => ({ outcome: 'failed', status: 429, code: 'quota.daily_exceeded', category: 'quota', retry: 'at_reset' }));
    await traffic('sendfleet', 'umbrella', 3, 0, 1, () => ({ outcome: 'failed', status: 403, code: 'account.sending_suspended', category: 'account', retry: 'never' }));
    const alerts = await check();
    expect(byRule(alerts, 'sendlens-quota-exhausted').map((a) => a.labels)).toEqual([{ provider: 'resend', workspace: 'globex', code: 'quota.daily_exceeded' }]);
    expect(byRule(alerts, 'sendlens-sending-suspended').map((a) => a.labels)).toEqual([{ provider: 'sendfleet', workspace: 'umbrella' }]);
  });

  it('hard bounces over the SES review line fire per sender domain and workspace', async () => {
    const feedback = Array.from({ length: 40 }, (_, i) => ({ provider: 'ses' as const, type: 'bounced' as const, bounce_type: 'hard' as const, timestamp: new Date(now.getTime() - (i + 1) * MINUTE).toISOString(), recipient: `r${i}@example.net`, from: 'noreply@acme.example', workspace: 'acme', event_id: `b-${i}` }));
    await insert('email_delivery_events', fromGenericEvents(feedback, { hasher, receivedAt: now.getTime() }));
    // acme sent 6 × 1440 accepted in the day (minus 1%): 40 hard bounces are ~0.5%, under the line...
    expect(byRule(await check(), 'sendlens-bounce-rate')).toEqual([]);
    const more = Array.from({ length: 600 }, (_, i) => ({ ...feedback[0], timestamp: new Date(now.getTime() - (i % 600) * 1000 - MINUTE).toISOString(), recipient: `s${i}@example.net`, event_id: `c-${i}` }));
    await insert('email_delivery_events', fromGenericEvents(more, { hasher, receivedAt: now.getTime() }));
    // ...640 of ~8,800 are over 5%.
    const fired = byRule(await check(), 'sendlens-bounce-rate');
    expect(fired.map((a) => a.labels).sort((a, b) => String(a.scope).localeCompare(String(b.scope)))).toEqual([
      { scope: 'sender_domain', subject: 'acme.example' },
      { scope: 'workspace', subject: 'acme' },
    ]);
  });

  it('posts the firing alerts to a webhook, and fails loudly when the webhook refuses', async () => {
    const received: unknown[] = [];
    let status = 200;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString()));
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    await client.close();
    try {
      const env = { SENDLENS_DATA_DIR: dataDir, CLICKHOUSE_URL: '', KAFKA_BROKERS: '' };
      const ok = await runCliAsync(['alerts', 'check', '--webhook', url, '--at', now.toISOString()], env);
      expect(ok.status).toBe(0);
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({ source: 'sendlens', evaluatedAt: now.toISOString() });
      expect((received[0] as { firing: FiringAlert[] }).firing.map((a) => a.rule)).toEqual(expect.arrayContaining(['sendlens-error-rate-spike', 'sendlens-quota-exhausted', 'sendlens-sending-suspended', 'sendlens-bounce-rate']));
      status = 500;
      const refused = await runCliAsync(['alerts', 'check', '--webhook', url, '--at', now.toISOString()], env);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toBe('sendlens: the webhook answered 500\n');
      expect(runCli(['alerts', 'check', '--at', 'yesterday'], '', env).stderr).toMatch(/--at must be an ISO 8601 time/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      client = await createStoreClient({ dataDir });
    }
  });
});
