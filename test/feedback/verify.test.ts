import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Resend } from 'resend';
import { describe, expect, it } from 'vitest';
import {
  confirmSnsSubscription,
  signGeneric,
  signSvix,
  snsStringToSign,
  snsUrlProblem,
  verifyGeneric,
  verifySendgrid,
  verifySnsMessage,
  verifySvix,
} from '../../src/feedback/index.js';
import type { SnsMessage, Verdict } from '../../src/feedback/index.js';
import { NOW, NOW_SEC, SNS_CERT_URL, SNS_TEST_CERT, TOPIC_ARN, certificateFetcher, ecdsaKeys, fixtureText, sendgridHeaders, snsMessage } from './helpers.js';

function refused(verdict: Verdict, reason: RegExp): void {
  expect(verdict.ok).toBe(false);
  if (!verdict.ok) expect(verdict.reason).toMatch(reason);
}

describe('SNS signatures (SES feedback)', () => {
  const body = fixtureText('ses/notification-bounce-permanent-general.json');
  const options = () => ({ fetchCertificate: certificateFetcher().fetch, certificateCache: new Map<string, string>(), now: NOW });

  it.each(['1', '2'] as const)('accepts SignatureVersion %s, as an object and as raw JSON', async (version) => {
    const message = snsMessage(body, { version });
    expect(await verifySnsMessage(message, options())).toEqual({ ok: true });
    expect(await verifySnsMessage(JSON.stringify(message), options())).toEqual({ ok: true });
    expect(await verifySnsMessage(Buffer.from(JSON.stringify(message)), options())).toEqual({ ok: true });
  });

  it('signs Subject when there is one', async () => {
    const message = snsMessage(body, { subject: 'Amazon SES Email Event Notification' });
    expect(await verifySnsMessage(message, options())).toEqual({ ok: true });
    refused(await verifySnsMessage({ ...message, Subject: 'another subject' }, options()), /does not match/);
    const { Subject: _dropped, ...withoutSubject } = message;
    refused(await verifySnsMessage(withoutSubject, options()), /does not match/);
  });

  it.each(['SubscriptionConfirmation', 'UnsubscribeConfirmation'] as const)('accepts a signed %s (its own canonical fields)', async (type) => {
    const message = snsMessage('You have chosen to subscribe to the topic arn:aws:sns:us-east-1:123456789012:ses-feedback.', { type, version: '2' });
    expect(await verifySnsMessage(message, options())).toEqual({ ok: true });
    refused(await verifySnsMessage({ ...message, Token: `${message.Token}0` }, options()), /does not match/);
  });

  it('builds the canonical string AWS documents', () => {
    const message: SnsMessage = {
      Type: 'Notification',
      MessageId: 'id-1',
      TopicArn: 'arn:t',
      Message: 'hello\nworld',
      Timestamp: '2026-12-01T11:59:58.000Z',
      SignatureVersion: '1',
      Signature: 'x',
      SigningCertURL: SNS_CERT_URL,
      UnsubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
    };
    expect(snsStringToSign(message)).toBe('Message\nhello\nworld\nMessageId\nid-1\nTimestamp\n2026-12-01T11:59:58.000Z\nTopicArn\narn:t\nType\nNotification\n');
    expect(snsStringToSign({ ...message, Type: 'SubscriptionConfirmation', SubscribeURL: 'https://s/', Token: 'tok' })).toBe(
      'Message\nhello\nworld\nMessageId\nid-1\nSubscribeURL\nhttps://s/\nTimestamp\n2026-12-01T11:59:58.000Z\nToken\ntok\nTopicArn\narn:t\nType\nSubscriptionConfirmation\n',
    );
  });

  it('refuses a forged body', async () => {
    const message = snsMessage(body);
    refused(await verifySnsMessage({ ...message, Message: message.Message.replace('Permanent', 'Transient') }, options()), /does not match/);
  });

  it('refuses a message signed by another key', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    refused(await verifySnsMessage(snsMessage(body, { key: other }), options()), /does not match/);
  });

  it('refuses an unsigned message and other signature versions', async () => {
    const { Signature: _s, ...unsigned } = snsMessage(body);
    refused(await verifySnsMessage(unsigned, options()), /Signature is missing/);
    refused(await verifySnsMessage({ ...snsMessage(body), SignatureVersion: '3' }, options()), /SignatureVersion 3/);
    refused(await verifySnsMessage({ ...snsMessage(body), Signature: '' }, options()), /not base64/);
  });

  it('refuses a stale or future Timestamp (replay)', async () => {
    const old = snsMessage(body, { timestamp: new Date(NOW - 2 * 3600_000).toISOString() });
    refused(await verifySnsMessage(old, options()), /old, over the tolerance of 3900 s/);
    // Inside SNS's one-hour retry window the same signed message still verifies.
    expect(await verifySnsMessage(snsMessage(body, { timestamp: new Date(NOW - 3500_000).toISOString() }), options())).toEqual({ ok: true });
    refused(await verifySnsMessage(snsMessage(body, { timestamp: new Date(NOW + 3600_000).toISOString() }), options()), /future/);
    refused(await verifySnsMessage(snsMessage(body, { timestamp: 'yesterday' }), options()), /ISO 8601/);
  });

  it.each([
    ['https://evil.example.com/cert.pem', /not an SNS host/],
    ['http://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem', /not https/],
    ['https://sns.us-east-1.amazonaws.com.evil.com/SimpleNotificationService-x.pem', /not an SNS host/],
    ['https://evil.com/sns.us-east-1.amazonaws.com/x.pem', /not an SNS host/],
    ['https://sns.us-east-1.amazonaws.com@evil.com/x.pem', /credentials|not an SNS host/],
    ['https://user:pw@sns.us-east-1.amazonaws.com/x.pem', /credentials/],
    ['https://sns.us-east-1.amazonaws.com:8443/x.pem', /port/],
    ['https://sns.us-east-1.amazonaws.com/cert.txt', /\.pem/],
    ['https://sns.amazonaws.com/x.pem', /not an SNS host/],
    ['not a url', /not a URL/],
  ])('refuses the certificate URL %s without fetching it', async (url, reason) => {
    const fetcher = certificateFetcher();
    const message = snsMessage(body, { certUrl: url });
    refused(await verifySnsMessage(message, { fetchCertificate: fetcher.fetch, certificateCache: new Map(), now: NOW }), reason);
    expect(fetcher.urls).toEqual([]);
  });

  it('accepts the China partition host', () => {
    expect(snsUrlProblem('https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-x.pem', undefined, true)).toBeNull();
  });

  it('refuses topics outside allowedTopicArns', async () => {
    const message = snsMessage(body, { topicArn: 'arn:aws:sns:us-east-1:999999999999:someone-else' });
    refused(await verifySnsMessage(message, { ...options(), allowedTopicArns: [TOPIC_ARN] }), /topic/);
    expect(await verifySnsMessage(snsMessage(body), { ...options(), allowedTopicArns: [TOPIC_ARN] })).toEqual({ ok: true });
  });

  it('fetches a certificate once, caches it only when it parses, and reports fetch failures', async () => {
    const fetcher = certificateFetcher();
    const cache = new Map<string, string>();
    expect(await verifySnsMessage(snsMessage(body), { fetchCertificate: fetcher.fetch, certificateCache: cache, now: NOW })).toEqual({ ok: true });
    expect(await verifySnsMessage(snsMessage(body, { version: '2' }), { fetchCertificate: fetcher.fetch, certificateCache: cache, now: NOW })).toEqual({ ok: true });
    expect(fetcher.urls).toEqual([SNS_CERT_URL]);

    const junk = new Map<string, string>();
    refused(await verifySnsMessage(snsMessage(body), { fetchCertificate: () => Promise.resolve('not a pem'), certificateCache: junk, now: NOW }), /not an X.509/);
    expect(junk.size).toBe(0);
    refused(await verifySnsMessage(snsMessage(body), { fetchCertificate: () => Promise.reject(new Error('ECONNRESET')), certificateCache: new Map(), now: NOW }), /could not fetch.*ECONNRESET/);
  });

  it('refuses when the certificate is not valid at the time', async () => {
    const message = snsMessage(body, { timestamp: '2025-01-01T00:00:00.000Z' });
    refused(await verifySnsMessage(message, { fetchCertificate: certificateFetcher().fetch, certificateCache: new Map(), now: Date.parse('2025-01-01T00:00:01.000Z') }), /not currently valid/);
  });

  it('never throws on junk', async () => {
    for (const junk of [undefined, null, 42, 'x', '{', [], {}, { Type: 'Notification' }, { ...snsMessage(body), Message: 7 }]) {
      const verdict = await verifySnsMessage(junk, options());
      expect(verdict.ok).toBe(false);
    }
  });

  it('confirms a subscription by GETting its SubscribeURL, only on an SNS host', async () => {
    const confirmation = snsMessage('You have chosen to subscribe…', { type: 'SubscriptionConfirmation' });
    const fetched: string[] = [];
    const fetch = (url: string) => {
      fetched.push(url);
      return Promise.resolve({ status: 200 });
    };
    expect(await confirmSnsSubscription(confirmation, { fetch })).toEqual({ ok: true });
    expect(fetched).toEqual([confirmation.SubscribeURL]);
    refused(await confirmSnsSubscription({ ...confirmation, SubscribeURL: 'https://evil.example.com/?Action=ConfirmSubscription' }, { fetch }), /not an SNS host/);
    refused(await confirmSnsSubscription(snsMessage('x'), { fetch }), /Notification is not confirmed/);
    refused(await confirmSnsSubscription(confirmation, { fetch: () => Promise.resolve({ status: 403 }) }), /403/);
    refused(await confirmSnsSubscription(confirmation, { fetch: () => Promise.reject(new Error('timeout')) }), /timeout/);
    expect(fetched).toHaveLength(1);
  });

  it('the test certificate is the self-signed test fixture, not an AWS one', () => {
    expect(SNS_TEST_CERT).toContain('BEGIN CERTIFICATE');
  });
});

describe('Svix signatures (Resend)', () => {
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const body = fixtureText('resend/email.bounced.json');
  const id = 'msg_2Lm3bZ4x8yVq1xCmn0gkPpYBgv1';
  const headers = (overrides: Record<string, string> = {}, raw: string = body, timestamp: number = NOW_SEC) => ({
    'svix-id': id,
    'svix-timestamp': String(timestamp),
    'svix-signature': signSvix(id, timestamp, raw, secret),
    ...overrides,
  });
  const at = { now: NOW };

  it('accepts a valid signature, in any header casing, and a Headers object', () => {
    expect(verifySvix(headers(), body, secret, at)).toEqual({ ok: true });
    expect(verifySvix(headers(), Buffer.from(body), secret, at)).toEqual({ ok: true });
    const upper = Object.fromEntries(Object.entries(headers()).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifySvix(upper, body, secret, at)).toEqual({ ok: true });
    expect(verifySvix(new Headers(headers()), body, secret, at)).toEqual({ ok: true });
  });

  it('accepts any of several space-separated signatures (secret rotation)', () => {
    const other = `whsec_${randomBytes(24).toString('base64')}`;
    const list = `v1,${signSvix(id, NOW_SEC, body, other).slice(3)} v1a,ignored ${headers()['svix-signature']}`;
    expect(verifySvix(headers({ 'svix-signature': list }), body, secret, at)).toEqual({ ok: true });
  });

  it('agrees with the resend SDK (standardwebhooks) on what a valid signature is', () => {
    const now = Math.floor(Date.now() / 1000);
    const signed = headers({}, body, now);
    const resend = new Resend('re_test_0000000000000000');
    const payload = resend.webhooks.verify({ payload: body, headers: { id, timestamp: String(now), signature: signed['svix-signature'] }, webhookSecret: secret });
    expect(payload.type).toBe('email.bounced');
    expect(verifySvix(signed, body, secret)).toEqual({ ok: true });
  });

  it('refuses a forged body, a wrong key, an unsigned request, a stale timestamp', () => {
    refused(verifySvix(headers(), body.replace('Permanent', 'Transient'), secret, at), /no v1 signature matches/);
    refused(verifySvix(headers(), body, `whsec_${randomBytes(24).toString('base64')}`, at), /no v1 signature matches/);
    refused(verifySvix({ 'svix-id': id, 'svix-timestamp': String(NOW_SEC) }, body, secret, at), /unsigned/);
    refused(verifySvix({}, body, secret, at), /unsigned/);
    refused(verifySvix(headers({}, body, NOW_SEC - 301), body, secret, at), /old, over the tolerance of 300 s/);
    refused(verifySvix(headers({}, body, NOW_SEC + 301), body, secret, at), /future/);
    expect(verifySvix(headers({}, body, NOW_SEC - 299), body, secret, at)).toEqual({ ok: true });
  });

  it('refuses a changed svix-id or timestamp (both are signed)', () => {
    refused(verifySvix(headers({ 'svix-id': 'msg_other' }), body, secret, at), /no v1 signature matches/);
    refused(verifySvix(headers({ 'svix-timestamp': String(NOW_SEC - 1) }), body, secret, at), /no v1 signature matches/);
  });

  it('refuses malformed headers and secrets without throwing', () => {
    refused(verifySvix(headers({ 'svix-timestamp': '12.5' }), body, secret, at), /not a Unix time/);
    refused(verifySvix(headers({ 'svix-signature': 'v2,abc' }), body, secret, at), /has no v1 signature/);
    refused(verifySvix(headers({ 'svix-signature': 'v1,***' }), body, secret, at), /no v1 signature matches/);
    refused(verifySvix({ ...headers(), 'svix-id': [id, id] as unknown as string }, body, secret, at), /repeated/);
    refused(verifySvix(headers(), body, 'whsec_', at), /whsec_/);
    refused(verifySvix(headers(), body, 'not base64 !!', at), /whsec_/);
    refused(verifySvix(headers(), 42 as unknown as string, secret, at), /not bytes/);
    refused(verifySvix(null as unknown as Record<string, string>, body, secret, at), /unsigned/);
  });
});

describe('SendGrid-style ECDSA signatures (ScaiSend)', () => {
  const keys = ecdsaKeys();
  const body = fixtureText('sendgrid/events.json');
  const at = { now: NOW };

  it('accepts a valid signature with the key as PEM or as the bare base64 SendGrid shows', () => {
    const headers = sendgridHeaders(body, keys.privateKeyPem);
    expect(verifySendgrid(headers, body, keys.publicKeyPem, at)).toEqual({ ok: true });
    expect(verifySendgrid(headers, Buffer.from(body), keys.publicKeyBase64, at)).toEqual({ ok: true });
    const title = { 'X-Twilio-Email-Event-Webhook-Signature': headers['x-twilio-email-event-webhook-signature'], 'X-Twilio-Email-Event-Webhook-Timestamp': String(NOW_SEC) };
    expect(verifySendgrid(title, body, keys.publicKeyPem, at)).toEqual({ ok: true });
  });

  it('refuses a forged body, a wrong key, an unsigned request, a stale timestamp', () => {
    const headers = sendgridHeaders(body, keys.privateKeyPem);
    refused(verifySendgrid(headers, body.replace('"bounce"', '"delivered"'), keys.publicKeyPem, at), /does not match/);
    refused(verifySendgrid(headers, body, ecdsaKeys().publicKeyPem, at), /does not match/);
    refused(verifySendgrid({}, body, keys.publicKeyPem, at), /unsigned/);
    refused(verifySendgrid(sendgridHeaders(body, keys.privateKeyPem, NOW_SEC - 600), body, keys.publicKeyPem, at), /old/);
    refused(verifySendgrid({ ...headers, 'x-twilio-email-event-webhook-timestamp': String(NOW_SEC - 1) }, body, keys.publicKeyPem, at), /does not match/);
  });

  it('refuses keys that are not ECDSA P-256 and garbage signatures, without throwing', () => {
    const headers = sendgridHeaders(body, keys.privateKeyPem);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    refused(verifySendgrid(headers, body, rsa, at), /not an ECDSA P-256/);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    refused(verifySendgrid(headers, body, p384, at), /not an ECDSA P-256/);
    refused(verifySendgrid(headers, body, 'hello', at), /not a PEM or base64 DER/);
    refused(verifySendgrid({ ...headers, 'x-twilio-email-event-webhook-signature': 'AAAA' }, body, keys.publicKeyPem, at), /does not match|could not verify/);
    refused(verifySendgrid({ ...headers, 'x-twilio-email-event-webhook-signature': '%%%' }, body, keys.publicKeyPem, at), /not base64/);
  });
});

describe('the generic scheme (relay, sendfleet)', () => {
  const secret = randomBytes(32).toString('hex');
  const body = fixtureText('generic/sendfleet-batch.json');
  const at = { now: NOW };
  const signed = (raw: string = body, now: number = NOW) => ({ 'x-sendlens-signature': signGeneric(raw, secret, now) });

  it('accepts t=<unix>,v1=<hex HMAC-SHA256 of "t.body">', () => {
    const header = signGeneric(body, secret, NOW);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyGeneric(signed(), body, secret, at)).toEqual({ ok: true });
    expect(verifyGeneric({ 'X-Sendlens-Signature': `${header},v1=${'0'.repeat(64)}` }, body, secret, at)).toEqual({ ok: true });
  });

  it('refuses a forged body, a wrong key, an unsigned request, a stale timestamp', () => {
    refused(verifyGeneric(signed(), body.replace('sf-1', 'sf-9'), secret, at), /no v1 signature matches/);
    refused(verifyGeneric(signed(), body, randomBytes(32).toString('hex'), at), /no v1 signature matches/);
    refused(verifyGeneric({}, body, secret, at), /unsigned/);
    refused(verifyGeneric(signed(body, NOW - 301_000), body, secret, at), /old/);
  });

  it('refuses malformed headers and short secrets', () => {
    refused(verifyGeneric({ 'x-sendlens-signature': `v1=${'a'.repeat(64)}` }, body, secret, at), /exactly one t=/);
    refused(verifyGeneric({ 'x-sendlens-signature': `t=${NOW_SEC},t=${NOW_SEC},v1=${'a'.repeat(64)}` }, body, secret, at), /exactly one t=/);
    refused(verifyGeneric({ 'x-sendlens-signature': `t=${NOW_SEC}` }, body, secret, at), /no v1/);
    refused(verifyGeneric(signed(), body, 'short', at), /shorter than 32 bytes/);
    expect(() => signGeneric(body, 'short')).toThrow(/32 bytes/);
  });
});
