import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecipientHasher, uuidv7 } from '../../src/events/index.js';
import type { SendEvent } from '../../src/events/index.js';
import { fromGenericEvents } from '../../src/feedback/index.js';
import type { GenericFeedbackEvent } from '../../src/feedback/index.js';
import { createStoreClient, migrate } from '../../src/store/index.js';
import { sampleEvent } from '../helpers/events.js';

/**
 * The suspension-risk view (schemas/clickhouse/0006_email_suspension_risk.sql)
 * driven by generated sends and generated provider feedback, normalized by the
 * generic webhook's normalizer, through the raw tables and their rollups.
 */
const hasher = new RecipientHasher('risk-test-key-0123456789');
const RISKY = 'mail.risky.example';
const TINY = 'tiny.example';

interface RiskRow {
  scope: string;
  subject: string;
  window: string;
  sends: number;
  hard_bounces: number;
  complaints: number;
  delivered: number;
  bounce_rate: number;
  complaint_rate: number;
  score: number;
  level: string;
  reasons: string;
  enough_volume: number;
}

describe('email_suspension_risk', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-risk-'));
  let client: ClickHouseClient;
  let sequence = 0;

  const insert = async (table: string, rows: object[]) => {
    await client.insert({ table, values: rows, format: 'JSONEachRow', clickhouse_settings: { date_time_input_format: 'best_effort', input_format_null_as_default: 1 } });
  };
  /** `count` accepted sends from a sender domain, spread over the last hour. */
  const sends = (domain: string, workspace: string, count: number, overrides: Partial<SendEvent> = {}) => {
    const now = Date.now();
    return insert(
      'email_send_events',
      Array.from({ length: count }, (_, i) => {
        const at = now - 60_000 - ((i * 3_600_000) / count);
        sequence += 1;
        return sampleEvent({ event_id: uuidv7(at), occurred_at: new Date(at).toISOString(), sender_domain: domain, workspace, outcome: 'sent', status: 200, code: null, category: null, retry: null, provider_code: null, error_message: '', message_id: `m-${sequence}`, ...overrides });
      }),
    );
  };
  /** Provider feedback as a relay bridge would post it to the generic endpoint, normalized as the receiver does. */
  const feedback = (domain: string, workspace: string, type: GenericFeedbackEvent['type'], count: number, extra: Partial<GenericFeedbackEvent> = {}) => {
    const now = Date.now();
    const payload: GenericFeedbackEvent[] = Array.from({ length: count }, (_, i) => {
      sequence += 1;
      return { provider: 'relay', type, timestamp: new Date(now - 30_000 - i * 1000).toISOString(), recipient: `r${sequence}@example.net`, from: `noreply@${domain}`, workspace, event_id: `fb-${sequence}`, ...extra };
    });
    return insert('email_delivery_events', fromGenericEvents(payload, { hasher, receivedAt: now }));
  };
  const risk = async (subject: string, scope = 'sender_domain', window = '24h'): Promise<RiskRow> => {
    const result = await client.query({ query: 'SELECT * FROM email_suspension_risk WHERE scope = {scope:String} AND subject = {subject:String} AND window = {window:String}', query_params: { scope, subject, window }, format: 'JSONEachRow' });
    const [row] = (await result.json()) as RiskRow[];
    if (!row) throw new Error(`no risk row for ${scope} ${subject} ${window}`);
    // 64-bit counts may arrive as JSON strings (output_format_json_quote_64bit_integers).
    return { ...row, sends: Number(row.sends), hard_bounces: Number(row.hard_bounces), complaints: Number(row.complaints), delivered: Number(row.delivered) };
  };

  beforeAll(async () => {
    client = await createStoreClient({ dataDir });
    await migrate(client, { database: 'default', retentionDays: 3650, rollupRetentionDays: 3650 });
  });
  afterAll(async () => {
    await client.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('takes one sender domain from healthy through review to at_risk as hard bounces accumulate', async () => {
    await sends(RISKY, 'risky-co', 2_000);
    await feedback(RISKY, 'risky-co', 'delivered', 1_900);
    await feedback(RISKY, 'risky-co', 'bounced', 20, { bounce_type: 'hard', smtp_status: '5.1.1' });
    // Soft bounces never count toward the hard-bounce rate.
    await feedback(RISKY, 'risky-co', 'bounced', 150, { bounce_type: 'soft', smtp_status: '4.2.2' });
    const healthy = await risk(RISKY);
    expect(healthy).toMatchObject({ sends: 2000, hard_bounces: 20, delivered: 1900, level: 'healthy', enough_volume: 1 });
    expect(healthy.bounce_rate).toBeCloseTo(0.01, 6);
    expect(healthy.score).toBeCloseTo(0.1, 4);

    await feedback(RISKY, 'risky-co', 'bounced', 100, { bounce_type: 'hard', smtp_status: '5.1.1' });
    const review = await risk(RISKY);
    expect(review).toMatchObject({ hard_bounces: 120, level: 'review' });
    expect(review.bounce_rate).toBeCloseTo(0.06, 6);
    expect(review.reasons).toContain('SES review line');

    await feedback(RISKY, 'risky-co', 'bounced', 100, { bounce_type: 'hard', smtp_status: '5.1.1' });
    const atRisk = await risk(RISKY);
    expect(atRisk).toMatchObject({ hard_bounces: 220, level: 'at_risk' });
    expect(atRisk.bounce_rate).toBeCloseTo(0.11, 6);
    expect(atRisk.score).toBeGreaterThan(1);
    // The workspace and the 7-day window see the same hour of data.
    expect(await risk('risky-co', 'workspace')).toMatchObject({ level: 'at_risk', hard_bounces: 220 });
    expect(await risk(RISKY, 'sender_domain', '7d')).toMatchObject({ level: 'at_risk', sends: 2000 });
  });

  it('complaints over deliveries: 0.1% is review, 0.5% at_risk', async () => {
    const domain = 'news.complaints.example';
    await sends(domain, 'complaints-co', 4_000);
    await feedback(domain, 'complaints-co', 'delivered', 4_000);
    await feedback(domain, 'complaints-co', 'complained', 5);
    expect(await risk(domain)).toMatchObject({ level: 'review', complaints: 5 });
    await feedback(domain, 'complaints-co', 'complained', 20);
    const row = await risk(domain);
    expect(row).toMatchObject({ level: 'at_risk', complaints: 25 });
    expect(row.complaint_rate).toBeCloseTo(25 / 4_000, 6);
  });

  it('ten sends and one bounce do not page anyone: below the minimum volume the level stops at watch', async () => {
    await sends(TINY, 'tiny-co', 10);
    await feedback(TINY, 'tiny-co', 'bounced', 1, { bounce_type: 'hard' });
    const row = await risk(TINY);
    expect(row.bounce_rate).toBeCloseTo(0.1, 6);
    expect(row).toMatchObject({ enough_volume: 0, level: 'watch' });
    expect(row.reasons).toContain('below minimum volume');
  });

  it('one complaint in 900 sends is over the review line, but not three events: watch', async () => {
    const domain = 'one-complaint.example';
    await sends(domain, 'one-complaint-co', 900);
    await feedback(domain, 'one-complaint-co', 'complained', 1);
    const row = await risk(domain);
    expect(row.complaint_rate).toBeCloseTo(1 / 900, 6);
    expect(row).toMatchObject({ enough_volume: 1, level: 'watch' });
    expect(row.reasons).toContain('fewer than 3 events behind a rate');
  });

  it('a suspension error from the provider is at_risk at any volume; other account errors are watch', async () => {
    await sends('suspended.example', 'suspended-co', 5);
    await sends('suspended.example', 'suspended-co', 1, { outcome: 'failed', status: 403, code: 'account.sending_suspended', category: 'account', retry: 'never' });
    expect(await risk('suspended.example')).toMatchObject({ level: 'at_risk', reasons: 'account suspended' });
    await sends('sandbox.example', 'sandbox-co', 5);
    await sends('sandbox.example', 'sandbox-co', 1, { outcome: 'failed', status: 400, code: 'account.sandbox_restricted', category: 'account', retry: 'never' });
    expect(await risk('sandbox.example')).toMatchObject({ level: 'watch', reasons: 'account errors' });
  });
  it('counts each window over its own days: a week of sends and bounces at known ages, whole days, partial days and the last 24 hours', async () => {
    // Ages well away from any window or hour boundary (the view reads whole UTC days of the 7-day
    // window from the daily table, its edges from hours and minutes, whatever the time of day).
    const HOUR = 3_600_000;
    const ages = [8 * 24, 6 * 24 + 12, 5 * 24, 4 * 24 + 7, 3 * 24, 2 * 24 + 5, 36, 25.5, 23, 12, 2, 0.25].map((h) => h * HOUR);
    const domain = 'week.example';
    const now = Date.now();
    const rows = ages.flatMap((age, a) =>
      Array.from({ length: 10 + a }, (_, i) => {
        const at = now - age - i * 1000;
        sequence += 1;
        return sampleEvent({ event_id: uuidv7(at), occurred_at: new Date(at).toISOString(), sender_domain: domain, workspace: 'week-co', outcome: 'sent', status: 200, code: null, category: null, retry: null, provider_code: null, error_message: '', message_id: `m-${sequence}` });
      }),
    );
    await insert('email_send_events', rows);
    const bounces: GenericFeedbackEvent[] = ages.map((age, a) => {
      sequence += 1;
      return { provider: 'relay', type: 'bounced', bounce_type: 'hard', timestamp: new Date(now - age - 500).toISOString(), recipient: `w${sequence}@example.net`, from: `noreply@${domain}`, workspace: 'week-co', event_id: `week-${a}` };
    });
    await insert('email_delivery_events', fromGenericEvents(bounces, { hasher, receivedAt: now }));
    const within = (hours: number) => ages.map((age, a) => ({ age, sends: 10 + a })).filter((x) => x.age < hours * HOUR);
    for (const [window, hours] of [['24h', 24], ['7d', 7 * 24]] as const) {
      const expected = within(hours);
      expect(await risk(domain, 'sender_domain', window), window).toMatchObject({ sends: expected.reduce((n, x) => n + x.sends, 0), hard_bounces: expected.length });
      expect(await risk('week-co', 'workspace', window), window).toMatchObject({ sends: expected.reduce((n, x) => n + x.sends, 0), hard_bounces: expected.length });
    }
  });
});
