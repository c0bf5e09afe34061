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
import { fromGenericEvents, signGeneric, signSvix } from '../../src/feedback/index.js';
import { fromResendWebhook } from '../../src/providers/resend/index.js';
import { fromSendgridEvents } from '../../src/providers/sendgrid/index.js';
import { fromSesNotification } from '../../src/providers/ses/index.js';
import { KafkaIngest } from '../../src/ingest/index.js';
import { createStoreClient, migrate } from '../../src/store/index.js';
import { KafkaHandoff, partitionKey, SharedProducer } from '../../src/transport/index.js';
import type { KafkaSettings } from '../../src/transport/index.js';
import { createWebhookServer, feedbackEndpoints, WEBHOOK_PATHS } from '../../src/webhooks/index.js';
import { TOPIC_ARN, certificateFetcher, ecdsaKeys, fixtureNames, fixtureText, hasher, sendgridHeaders, snsMessage } from '../feedback/helpers.js';
import { brokers, createTopic, fullyCommitted, testSettings } from '../helpers/kafka.js';

/**
 * Provider webhooks, signed as the providers sign them, through the receiver,
 * the delivery topic of the real broker and the loader, into
 * email_delivery_events. What lands is compared with what the normalizers
 * make of the same payloads, event id by event id.
 */

const svixSecret = `whsec_${randomBytes(24).toString('base64')}`;
const genericSecret = randomBytes(32).toString('hex');
const sendgrid = ecdsaKeys();
const MAX_BODY = 64 * 1024;

interface Posted {
  path: string;
  body: string;
  headers: Record<string, string>;
  /** What the normalizer makes of the body: the rows we expect. */
  expected: DeliveryEvent[];
}

function post(port: number, path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown> }));
    });
    // A refused oversized body may close the socket before the whole body is written.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? resolve({ status: -1, body: {} }) : reject(error)));
    req.end(body);
  });
}

/** Every real-format payload in the fixtures, signed now, with the events it must become. */
function signedPayloads(): Posted[] {
  const now = Date.now();
  const t = Math.floor(now / 1000);
  const ctx = { hasher, receivedAt: now };
  const posted: Posted[] = [];
  for (const name of fixtureNames('ses')) {
    const envelope = snsMessage(fixtureText(`ses/${name}`), { timestamp: new Date(now - 1000).toISOString(), messageId: `sns-${name}` });
    posted.push({ path: WEBHOOK_PATHS.ses, body: JSON.stringify(envelope), headers: {}, expected: fromSesNotification(envelope, ctx) });
  }
  for (const name of fixtureNames('resend')) {
    const body = fixtureText(`resend/${name}`);
    const id = `msg_${name}`;
    posted.push({
      path: WEBHOOK_PATHS.resend,
      body,
      headers: { 'svix-id': id, 'svix-timestamp': String(t), 'svix-signature': signSvix(id, t, body, svixSecret) },
      expected: fromResendWebhook(JSON.parse(body), { ...ctx, deliveryId: id }),
    });
  }
  const events = fixtureText('sendgrid/events.json');
  posted.push({ path: WEBHOOK_PATHS.scaisend, body: events, headers: sendgridHeaders(events, sendgrid.privateKeyPem, t), expected: fromSendgridEvents(JSON.parse(events), { ...ctx, provider: 'scaisend' }) });
  for (const name of fixtureNames('generic')) {
    const body = fixtureText(`generic/${name}`);
    posted.push({ path: WEBHOOK_PATHS.generic, body, headers: { 'x-sendlens-signature': signGeneric(body, genericSecret, now) }, expected: fromGenericEvents(JSON.parse(body), ctx) });
  }
  return posted;
}

describe('provider webhooks → the delivery topic → email_delivery_events', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-feedback-'));
  let client: ClickHouseClient;
  let kafka: KafkaSettings;
  let producer: SharedProducer;
  let server: Server;
  let port = 0;
  const confirmed: string[] = [];
  const rows = async <T>(query: string) => (await (await client.query({ query, format: 'JSONEachRow' })).json()) as T[];

  beforeAll(async () => {
    client = await createStoreClient({ dataDir });
    await migrate(client, { database: 'default', retentionDays: 3650, rollupRetentionDays: 3650 });
    kafka = testSettings();
    await createTopic(brokers(), kafka.deliveryTopic, 2);
    producer = new SharedProducer(kafka);
    const endpoints = feedbackEndpoints({
      hasher,
      ses: {
        allowedTopicArns: [TOPIC_ARN],
        // The test certificate stands in for SNS's; the URL is still checked to be an SNS host.
        verify: { fetchCertificate: certificateFetcher().fetch },
        confirm: { fetch: (url) => (confirmed.push(url), Promise.resolve({ status: 200 })) },
      },
      resend: { secret: svixSecret },
      scaisend: { publicKey: sendgrid.publicKeyBase64 },
      generic: { secret: genericSecret },
    });
    const handoff = new KafkaHandoff<DeliveryEvent>(producer, kafka.deliveryTopic, partitionKey);
    server = createWebhookServer({ endpoints, handoff, maxBodyBytes: MAX_BODY });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await producer.disconnect();
    await client.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores every event of every signed payload, refuses forged, replayed, oversized and malformed requests, and writes nothing for them', async () => {
    const confirmation = snsMessage('You have chosen to subscribe…', { type: 'SubscriptionConfirmation', timestamp: new Date().toISOString() });
    expect(await post(port, WEBHOOK_PATHS.ses, JSON.stringify(confirmation))).toEqual({ status: 200, body: { confirmed: true } });
    expect(confirmed).toEqual([confirmation.SubscribeURL]);

    const payloads = signedPayloads();
    for (const payload of payloads) {
      const answer = await post(port, payload.path, payload.body, payload.headers);
      expect({ path: payload.path, ...answer }).toEqual({ path: payload.path, status: 200, body: { accepted: payload.expected.length } });
    }
    const expected = payloads.flatMap((p) => p.expected);
    // Every outcome the contract knows arrives through at least one provider.
    expect(new Set(expected.map((e) => e.outcome))).toEqual(new Set(['delivered', 'bounced', 'complained', 'deferred', 'rejected', 'suppressed']));

    // Refused: each would write events for a recipient at forged.example if it got through.
    const t = Math.floor(Date.now() / 1000);
    const forgedBody = fixtureText('generic/relay-bounce.json').replace(/@[a-z0-9.-]+\.[a-z]+/gi, '@forged.example');
    expect(forgedBody).toContain('@forged.example');
    const resendBody = fixtureText('resend/email.bounced.json').replace(/@[a-z0-9.-]+\.[a-z]+/gi, '@forged.example');
    const refused: { status: number; path: string; body: string; headers: Record<string, string> }[] = [
      // signed with another secret
      { status: 401, path: WEBHOOK_PATHS.generic, body: forgedBody, headers: { 'x-sendlens-signature': signGeneric(forgedBody, randomBytes(32).toString('hex')) } },
      // no signature at all
      { status: 401, path: WEBHOOK_PATHS.resend, body: resendBody, headers: {} },
      // a genuine signature from an hour ago: a replay
      { status: 401, path: WEBHOOK_PATHS.resend, body: resendBody, headers: { 'svix-id': 'msg_old', 'svix-timestamp': String(t - 3600), 'svix-signature': signSvix('msg_old', t - 3600, resendBody, svixSecret) } },
      { status: 401, path: WEBHOOK_PATHS.scaisend, body: forgedBody, headers: sendgridHeaders(forgedBody, ecdsaKeys().privateKeyPem, t) },
      // an SNS message whose content was changed after signing
      { status: 401, path: WEBHOOK_PATHS.ses, body: JSON.stringify({ ...snsMessage(fixtureText('ses/notification-bounce-permanent-general.json')), Message: fixtureText('ses/notification-bounce-permanent-general.json').replace(/@[a-z0-9.-]+\.[a-z]+/gi, '@forged.example') }), headers: {} },
      // over the body limit, correctly signed
      { status: 413, path: WEBHOOK_PATHS.generic, body: `[${' '.repeat(MAX_BODY)}]`, headers: { 'x-sendlens-signature': signGeneric(`[${' '.repeat(MAX_BODY)}]`, genericSecret) } },
      // correctly signed, not JSON
      { status: 400, path: WEBHOOK_PATHS.generic, body: '{"type": "bounced", "recipient": "x@forged.example"', headers: { 'x-sendlens-signature': signGeneric('{"type": "bounced", "recipient": "x@forged.example"', genericSecret) } },
    ];
    for (const request of refused) {
      const answer = await post(port, request.path, request.body, request.headers);
      // The oversized body too: the server reads and discards it, so the client reads the 413 (never a reset, -1).
      expect({ path: request.path, status: answer.status }).toEqual({ path: request.path, status: request.status });
    }
    // The server is still up and serving after all of that.
    expect((await post(port, WEBHOOK_PATHS.generic, payloads.at(-1)?.body ?? '', payloads.at(-1)?.headers ?? {})).status).toBe(200);

    const groupId = `g-${kafka.clientId}`;
    const ingest = new KafkaIngest({ kafka, client, database: 'default', groupId, limits: { maxWaitMs: 100 } });
    await ingest.start();
    try {
      const deadline = Date.now() + 60_000;
      while (!(await fullyCommitted(groupId, kafka.deliveryTopic))) {
        if (Date.now() > deadline) throw new Error('the delivery topic was not loaded within 60 s');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      await ingest.stop();
    }

    const stored = await rows<{ event_id: string; outcome: string; bounce_type: string; code: string; provider: string; recipient_hash: string }>(
      'SELECT DISTINCT toString(event_id) AS event_id, outcome, bounce_type, code, provider, recipient_hash FROM email_delivery_events ORDER BY event_id',
    );
    const want = [...new Map(expected.map((e) => [e.event_id, e])).values()]
      .map((e) => ({ event_id: e.event_id, outcome: e.outcome, bounce_type: e.bounce_type ?? '', code: e.code ?? '', provider: e.provider, recipient_hash: e.recipient_hash }))
      .sort((a, b) => a.event_id.localeCompare(b.event_id));
    expect(stored).toEqual(want);
    expect(await rows(`SELECT * FROM email_delivery_events WHERE recipient_domain = 'forged.example'`)).toEqual([]);
    // ScaiSend's template_render_error drop is a rendering failure, not a bounce.
    expect(await rows(`SELECT provider, outcome, code FROM email_delivery_events WHERE provider_reason = 'template_render_error'`)).toEqual([{ provider: 'scaisend', outcome: 'rejected', code: 'content.template_render_failed' }]);
    // The generic payload went in twice (a provider retry): one event in the rollups all the same.
    const [rollup] = await rows<{ events: string; received: string }>('SELECT uniqMerge(events) AS events, sum(received) AS received FROM email_delivery_rollup_1m');
    expect(Number(rollup?.events)).toBe(want.length);
    expect(Number(rollup?.received)).toBe(expected.length + (payloads.at(-1)?.expected.length ?? 0));
  }, 120_000);
});
