import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryEvent } from '../../src/events/index.js';
import { signSvix } from '../../src/feedback/index.js';
import { decodeDeliveryEvents, InProcessHandoff } from '../../src/ingest/index.js';
import { createStoreClient, migrate } from '../../src/store/index.js';
import { createWebhookServer, feedbackEndpoints, WEBHOOK_PATHS } from '../../src/webhooks/index.js';
import { TOPIC_ARN, certificateFetcher, fixture, hasher, snsMessage } from './helpers.js';

/**
 * Anymail's payloads (fixtures/anymail/README.md cites each) through the real
 * receiver, single-process mode, into email_delivery_events: the rows each
 * must leave, and none for what is not feedback. Real time here: the server
 * checks signatures against the clock, so everything is signed now.
 */

const svixSecret = `whsec_${randomBytes(24).toString('base64')}`;

interface Row {
  event_id: string;
  provider: string;
  provider_type: string;
  outcome: string;
  // The store keeps "none" as an empty string (the columns are not Nullable).
  bounce_type: string;
  code: string;
  recipient_hash: string;
  recipient_domain: string;
  provider_message_id: string;
  occurred_ms: number;
}

describe('Anymail payloads → the receiver → email_delivery_events', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-anymail-'));
  let client: ClickHouseClient;
  let server: Server;
  let port = 0;

  /** Rows as ClickHouse keeps them once deduplicated (FINAL: one row per event_id). */
  const rows = async (where: string): Promise<Row[]> => {
    const result = await client.query({
      query: `SELECT toString(event_id) AS event_id, provider, provider_type, outcome, bounce_type, code, recipient_hash, recipient_domain, provider_message_id,
                     toUnixTimestamp64Milli(occurred_at) AS occurred_ms
              FROM email_delivery_events FINAL WHERE ${where} ORDER BY recipient_hash, event_id`,
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    });
    return (await result.json()) as Row[];
  };

  beforeAll(async () => {
    client = await createStoreClient({ dataDir });
    // Anymail's Resend payloads are from 2023: a retention long enough to keep them, for the tables
    // and for the loader, which refuses what the tables' TTL would delete (it reads the same setting).
    process.env.SENDLENS_RETENTION_DAYS = '3650';
    await migrate(client, { database: 'default', retentionDays: 3650, rollupRetentionDays: 3650 });
    const endpoints = feedbackEndpoints({
      hasher,
      ses: { allowedTopicArns: [TOPIC_ARN], verify: { fetchCertificate: certificateFetcher().fetch } },
      resend: { secret: svixSecret },
    });
    const handoff = new InProcessHandoff<DeliveryEvent>({ client, database: 'default', deadLetterFile: join(dataDir, 'dead-letters.jsonl'), decode: decodeDeliveryEvents });
    server = createWebhookServer({ endpoints, handoff });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await client.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function post(path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'text/plain; charset=UTF-8', ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Anymail's SNS envelope, signed as SNS signs it (with the test key), on the allowed topic, sent `at`. */
  function resignedSns(name: string, at: number): string {
    const original = fixture(`anymail/${name}`) as { Type: 'Notification' | 'UnsubscribeConfirmation'; Message: string; MessageId: string };
    return JSON.stringify(snsMessage(original.Message, { type: original.Type, messageId: original.MessageId, timestamp: new Date(at).toISOString() }));
  }

  function postResend(body: unknown, svixId: string) {
    const text = JSON.stringify(body);
    const t = Math.floor(Date.now() / 1000);
    return post(WEBHOOK_PATHS.resend, text, { 'content-type': 'application/json', 'svix-id': svixId, 'svix-timestamp': String(t), 'svix-signature': signSvix(svixId, t, text, svixSecret) });
  }

  it("SNS's own notices are acknowledged and store nothing", async () => {
    expect(await post(WEBHOOK_PATHS.ses, resignedSns('ses-sns-validated-notice.json', Date.now() - 1000))).toEqual({ status: 200, body: { accepted: 0 } });
    expect(await post(WEBHOOK_PATHS.ses, resignedSns('ses-sns-unsubscribe-confirmation.json', Date.now() - 1000))).toEqual({ status: 200, body: { unsubscribed: true } });
    // Still refused: a plain-text Message that is not a notice AWS sends.
    const other = JSON.stringify(snsMessage('Successfully validated something else.', { timestamp: new Date().toISOString() }));
    expect(await post(WEBHOOK_PATHS.ses, other)).toEqual({ status: 400, body: { error: 'the SNS Message is not JSON, so not an SES notification' } });
    expect(await rows("provider = 'ses'")).toEqual([]);
  });

  it('SES notifications without mail.timestamp are stored at the SNS Timestamp, one row per recipient they list', async () => {
    const at = Date.now() - 2000;
    expect(await post(WEBHOOK_PATHS.ses, resignedSns('ses-multiple-bounce-no-timestamp.json', at))).toEqual({ status: 200, body: { accepted: 2 } });
    expect(await post(WEBHOOK_PATHS.ses, resignedSns('ses-complaint-no-timestamp.json', at))).toEqual({ status: 200, body: { accepted: 1 } });
    // SNS delivers at least once: the same signed message again is stored once.
    expect(await post(WEBHOOK_PATHS.ses, resignedSns('ses-multiple-bounce-no-timestamp.json', at))).toEqual({ status: 200, body: { accepted: 2 } });

    const stored = await rows("provider = 'ses'");
    const bounce = '00000137860315fd-34208509-5b74-41f3-95c5-22c1edc3c924-000000';
    const complaint = '000001378603177f-7a5433e7-8edb-42ae-af10-f0181f34d6ee-000000';
    expect(stored.map(({ event_id: _id, ...row }) => row).sort((a, b) => `${a.outcome}${a.recipient_hash}`.localeCompare(`${b.outcome}${b.recipient_hash}`))).toEqual(
      [
        { provider: 'ses', provider_type: 'Bounce', outcome: 'bounced', bounce_type: 'hard', code: '', recipient_hash: hasher.hash('jane@example.com'), recipient_domain: 'example.com', provider_message_id: bounce, occurred_ms: at },
        { provider: 'ses', provider_type: 'Bounce', outcome: 'bounced', bounce_type: 'hard', code: '', recipient_hash: hasher.hash('richard@example.com'), recipient_domain: 'example.com', provider_message_id: bounce, occurred_ms: at },
        { provider: 'ses', provider_type: 'Complaint', outcome: 'complained', bounce_type: '', code: '', recipient_hash: hasher.hash('richard@example.com'), recipient_domain: 'example.com', provider_message_id: complaint, occurred_ms: at },
      ].sort((a, b) => `${a.outcome}${a.recipient_hash}`.localeCompare(`${b.outcome}${b.recipient_hash}`)),
    );
  });

  it("Resend's suppressed-as-bounce is stored as a suppression, not a bounce", async () => {
    expect(await postResend(fixture('anymail/resend-bounced-suppressed-untyped.json'), 'msg_anymail_suppressed')).toEqual({ status: 200, body: { accepted: 1 } });
    expect(await rows("provider_type = 'email.bounced' AND recipient_domain = 'example.org'")).toEqual([
      {
        event_id: expect.any(String),
        provider: 'resend',
        provider_type: 'email.bounced',
        outcome: 'suppressed',
        bounce_type: '',
        code: 'suppression.recipient_suppressed',
        recipient_hash: hasher.hash('blocked@example.org'),
        recipient_domain: 'example.org',
        provider_message_id: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
        occurred_ms: Date.parse('2023-10-01T20:01:01.598Z'),
      },
    ]);
  });

  it('a multi-recipient Resend send: one row per webhook, each for its own recipient; a redelivery adds none', async () => {
    // Today's shape (resend.com/changelog/webhook-event-visibility): one webhook per recipient, data.to holding that one.
    const changelog = fixture('anymail/resend-changelog-bounced.json') as { data: Record<string, unknown> };
    const recipients = ['delivered@resend.dev', 'second@resend.dev', 'third@example.net'];
    for (const [i, address] of recipients.entries()) {
      expect(await postResend({ ...changelog, data: { ...changelog.data, to: [address] } }, `msg_changelog_${i}`)).toEqual({ status: 200, body: { accepted: 1 } });
    }
    expect(await postResend({ ...changelog, data: { ...changelog.data, to: [recipients[0]] } }, 'msg_changelog_0')).toEqual({ status: 200, body: { accepted: 1 } });
    const today = await rows("provider_message_id = '56761188-7520-42d8-8898-ff6fc54ce618'");
    expect(today.map((r) => [r.outcome, r.recipient_hash]).sort()).toEqual(recipients.map((address) => ['suppressed', hasher.hash(address)]).sort());

    // The older shape (Anymail: every address in data.to, nothing saying which one): two webhooks, two rows, no one credited.
    const older = fixture('anymail/resend-delivered-two-recipients.json');
    expect(await postResend(older, 'msg_older_1')).toEqual({ status: 200, body: { accepted: 1 } });
    expect(await postResend(older, 'msg_older_2')).toEqual({ status: 200, body: { accepted: 1 } });
    expect(await postResend(older, 'msg_older_1')).toEqual({ status: 200, body: { accepted: 1 } });
    const olderRows = await rows("provider_message_id = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' AND outcome = 'delivered'");
    expect(olderRows.map((r) => [r.outcome, r.recipient_hash, r.recipient_domain])).toEqual([
      ['delivered', '', 'example.org'],
      ['delivered', '', 'example.org'],
    ]);
  });
});
