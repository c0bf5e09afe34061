import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryEvent } from '../../src/events/index.js';
import { confirmSnsSubscription, fromGenericEvents, readSnsMessage, signGeneric, signSvix, verifyGeneric, verifySendgrid, verifySnsMessage, verifySvix } from '../../src/feedback/index.js';
import { fromResendWebhook } from '../../src/providers/resend/index.js';
import { fromSendgridEvents } from '../../src/providers/sendgrid/index.js';
import { fromSesNotification } from '../../src/providers/ses/index.js';
import { createWebhookServer } from '../../src/webhooks/server.js';
import type { WebhookEndpoint, WebhookRequest } from '../../src/webhooks/server.js';
import { TOPIC_ARN, certificateFetcher, ctx, ecdsaKeys, fixtureText, sendgridHeaders, snsMessage } from './helpers.js';

/**
 * The pieces wired into the webhook server the way a receiver would: each
 * endpoint's verify is a verifier, its normalize a normalizer. Real time here
 * (the server has no clock to inject), so everything is signed "now".
 */
const svixSecret = `whsec_${randomBytes(24).toString('base64')}`;
const genericSecret = randomBytes(32).toString('hex');
const sendgrid = ecdsaKeys();
const confirmed: string[] = [];
const cache = new Map<string, string>();

const endpoints: WebhookEndpoint<DeliveryEvent>[] = [
  {
    path: '/webhooks/ses',
    verify: (r) => verifySnsMessage(r.rawBody, { fetchCertificate: certificateFetcher().fetch, certificateCache: cache, allowedTopicArns: [TOPIC_ARN] }),
    normalize: async (body) => {
      const read = readSnsMessage(body);
      if (read.ok && read.message.Type === 'SubscriptionConfirmation') {
        const verdict = await confirmSnsSubscription(read.message, { fetch: (url) => (confirmed.push(url), Promise.resolve({ status: 200 })) });
        return { status: verdict.ok ? 200 : 502, body: { confirmed: verdict.ok } };
      }
      if (read.ok && read.message.Type === 'UnsubscribeConfirmation') return { status: 200, body: { unsubscribed: true } };
      return fromSesNotification(body, { ...ctx, receivedAt: Date.now() });
    },
  },
  {
    path: '/webhooks/resend',
    verify: (r) => verifySvix(r.headers, r.rawBody, svixSecret),
    normalize: (body, r: WebhookRequest) => fromResendWebhook(body, { ...ctx, receivedAt: Date.now(), deliveryId: String(r.headers['svix-id']) }),
  },
  {
    path: '/webhooks/scaisend',
    verify: (r) => verifySendgrid(r.headers, r.rawBody, sendgrid.publicKeyBase64),
    normalize: (body) => fromSendgridEvents(body, { ...ctx, receivedAt: Date.now() }),
  },
  {
    path: '/webhooks/generic',
    verify: (r) => verifyGeneric(r.headers, r.rawBody, genericSecret),
    normalize: (body) => fromGenericEvents(body, { ...ctx, receivedAt: Date.now() }),
  },
];

describe('the feedback pieces behind the webhook server', () => {
  const stored: DeliveryEvent[][] = [];
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    server = createWebhookServer({ endpoints, handoff: { handOff: (events) => (stored.push(events), Promise.resolve()) } });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function post(path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('SES over SNS: the handshake, a notification, a forgery, a foreign topic, a bad shape', async () => {
    const now = () => ({ timestamp: new Date().toISOString() });
    const confirmation = snsMessage('You have chosen to subscribe…', { type: 'SubscriptionConfirmation', ...now() });
    expect(await post('/webhooks/ses', JSON.stringify(confirmation))).toEqual({ status: 200, body: { confirmed: true } });
    expect(confirmed).toEqual([confirmation.SubscribeURL]);

    const notification = snsMessage(fixtureText('ses/notification-bounce-permanent-general.json'), { version: '2', ...now() });
    expect(await post('/webhooks/ses', JSON.stringify(notification))).toEqual({ status: 200, body: { accepted: 2 } });
    const forged = { ...notification, Message: notification.Message.replace('Permanent', 'Transient') };
    expect((await post('/webhooks/ses', JSON.stringify(forged))).status).toBe(401);
    const foreign = snsMessage(notification.Message, { topicArn: 'arn:aws:sns:us-east-1:999999999999:other', ...now() });
    expect((await post('/webhooks/ses', JSON.stringify(foreign))).status).toBe(401);
    const wrongShape = snsMessage('{"notificationType":"Bounce"}', now());
    expect(await post('/webhooks/ses', JSON.stringify(wrongShape))).toEqual({ status: 400, body: { error: 'mail is not a JSON object' } });
  });

  it('Resend, ScaiSend and generic: signed requests are accepted, others refused with 401/400', async () => {
    const resend = fixtureText('resend/email.bounced.json');
    const t = Math.floor(Date.now() / 1000);
    const svix = { 'svix-id': 'msg_1', 'svix-timestamp': String(t), 'svix-signature': signSvix('msg_1', t, resend, svixSecret) };
    expect(await post('/webhooks/resend', resend, svix)).toEqual({ status: 200, body: { accepted: 1 } });
    expect((await post('/webhooks/resend', resend)).status).toBe(401);

    const events = fixtureText('sendgrid/events.json');
    expect(await post('/webhooks/scaisend', events, sendgridHeaders(events, sendgrid.privateKeyPem, t))).toEqual({ status: 200, body: { accepted: 11 } });
    expect((await post('/webhooks/scaisend', events, sendgridHeaders(events, sendgrid.privateKeyPem, t - 3600))).status).toBe(401);
    const notArray = '{"event":"bounce"}';
    expect(await post('/webhooks/scaisend', notArray, sendgridHeaders(notArray, sendgrid.privateKeyPem, t))).toEqual({ status: 400, body: { error: 'the body is not a JSON array of events' } });

    const generic = fixtureText('generic/sendfleet-batch.json');
    expect(await post('/webhooks/generic', generic, { 'x-sendlens-signature': signGeneric(generic, genericSecret) })).toEqual({ status: 200, body: { accepted: 6 } });
    expect((await post('/webhooks/generic', generic, { 'x-sendlens-signature': signGeneric(generic, randomBytes(32).toString('hex')) })).status).toBe(401);
  });

  it('a redelivered webhook hands off the same event ids', async () => {
    const generic = fixtureText('generic/relay-bounce.json');
    const before = stored.length;
    await post('/webhooks/generic', generic, { 'x-sendlens-signature': signGeneric(generic, genericSecret) });
    await post('/webhooks/generic', generic, { 'x-sendlens-signature': signGeneric(generic, genericSecret, Date.now() + 1000) });
    const [first, second] = stored.slice(before);
    expect(first?.map((e) => e.event_id)).toEqual(second?.map((e) => e.event_id));
  });
});
