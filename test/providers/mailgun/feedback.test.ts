import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateDeliveryEvent } from '../../../src/events/index.js';
import { FeedbackError } from '../../../src/feedback/index.js';
import { MAILGUN_EVENTS, MAILGUN_FAILURES, SeenTokens, fromMailgunWebhook, mailgunWebhookEndpoint, verifyMailgunWebhook } from '../../../src/providers/mailgun/index.js';
import { Receiver, ctx, hasher } from '../receiver.js';

const KEY = 'mailgun-signing-key-0123456789abcdef';

/** Mailgun's signature block: hex HMAC-SHA256 of timestamp + token (as Anymail's mailgun_signature helper computes it). */
function sign(eventData: Record<string, unknown>, timestampSec: number, token: string, key = KEY): Record<string, unknown> {
  const timestamp = String(timestampSec);
  return { signature: { timestamp, token, signature: createHmac('sha256', key).update(timestamp + token).digest('hex') }, 'event-data': eventData };
}

/**
 * Sample event-data from Anymail's tests (anymail/django-anymail
 * tests/test_mailgun_webhooks.py): "an actual, complete (sanitized)
 * delivered event as received from Mailgun", and the failed ones.
 */
const delivered = {
  tags: [],
  timestamp: 1534108637.153125,
  storage: { url: 'https://sw.api.mailgun.net/v3/domains/example.org/messages/eyJwI...', key: 'eyJwI...' },
  'recipient-domain': 'example.com',
  id: 'hTWCTD81RtiDN-...',
  campaigns: [],
  'user-variables': { sendlens_message_id: 'order-42', sendlens_workspace: 'acme' },
  flags: { 'is-routed': false, 'is-authenticated': true, 'is-system-test': false, 'is-test-mode': false },
  'log-level': 'info',
  envelope: { 'sending-ip': '333.123.123.200', sender: 'test@example.org', transport: 'smtp', targets: 'recipient@example.com' },
  message: { headers: { to: 'recipient@example.com', 'message-id': '20180812211713.1.DF5966851B4BAA99@example.org', from: 'test@example.org', subject: 'Testing' }, attachments: [], size: 809 },
  recipient: 'recipient@example.com',
  event: 'delivered',
  'delivery-status': { tls: true, 'mx-host': 'smtp-in.example.com', 'attempt-no': 1, description: '', 'session-seconds': 3.5700838565826416, utf8: true, code: 250, message: 'OK', 'certificate-verified': true },
};
const failedPermanent = {
  event: 'failed',
  severity: 'permanent',
  reason: 'bounce',
  recipient: 'invalid@example.com',
  timestamp: 1534110422.389832,
  'log-level': 'error',
  message: { headers: { to: 'invalid@example.com', 'message-id': '20180812214658.1.0DF563D0B3597700@example.org', from: 'Test Sender ' } },
  'delivery-status': { tls: true, 'mx-host': 'aspmx.l.example.org', 'attempt-no': 1, description: '', 'session-seconds': 2.952177047729492, utf8: true, code: 550, message: "5.1.1 The email account that you tried to reach does not exist. Please try\n5.1.1 double-checking the recipient's email address for typos", 'certificate-verified': true },
};
const failedTemporary = {
  event: 'failed',
  severity: 'temporary',
  reason: 'generic',
  timestamp: 1534111899.659519,
  'log-level': 'warn',
  message: { headers: { to: 'undeliverable@nomx.example.com', 'message-id': '20180812214638.1.4A7D468E9BC18C5D@example.org', from: 'Test Sender ', subject: 'Testing' } },
  recipient: 'undeliverable@nomx.example.com',
  'delivery-status': { 'attempt-no': 3, description: 'No MX for nomx.example.com', 'session-seconds': 0.0, 'retry-seconds': 1800, code: 498, message: 'No MX for nomx.example.com' },
};
const rejectedEvent = {
  event: 'rejected',
  timestamp: 1529704976.104692,
  'log-level': 'warn',
  reject: { reason: 'Sandbox subdomains are for test purposes only.', description: '' },
  message: { headers: { to: 'Recipient Name <recipient@example.org>', 'message-id': '20180622220256.1.B31A451A2E5422BB@sandbox55887.mailgun.org', from: 'test@sandbox55887.mailgun.org', subject: 'Test Subject' } },
};
const complainedEvent = { event: 'complained', id: 'ncV2XwymRUKbPek_MIM-Gw', timestamp: 1377214260.049634, 'log-level': 'warn', recipient: 'recipient@example.com', message: { headers: { to: 'foo@recipient.com', 'message-id': '20130718032413.263EE2E0926@example.org', from: 'Sender Name <sender@example.org>', subject: 'We are not spammer' } } };
const opened = { event: 'opened', timestamp: 1534109600.089676, recipient: 'recipient@example.com', message: { headers: { 'message-id': '20180812213139.1.BC6694A917BB7E6A@example.org' } } };
const body = (eventData: Record<string, unknown>) => ({ signature: { timestamp: '1534108637', token: 'tok', signature: '00' }, 'event-data': eventData });

describe('Mailgun webhooks → delivery events', () => {
  it('delivered: the message id, tags, SMTP reply and time', () => {
    const [event, ...rest] = fromMailgunWebhook(body(delivered), ctx);
    expect(rest).toEqual([]);
    expect(validateDeliveryEvent(event).ok).toBe(true);
    expect(event).toMatchObject({
      provider: 'mailgun',
      provider_type: 'delivered',
      outcome: 'delivered',
      occurred_at: '2018-08-12T21:17:17.153Z',
      recipient_hash: hasher.hash('recipient@example.com'),
      sender_domain: 'example.org',
      provider_message_id: '20180812211713.1.DF5966851B4BAA99', // the Message-ID's unique left part: no address reaches an event
      provider_event_id: 'hTWCTD81RtiDN-...',
      message_id: 'order-42',
      workspace: 'acme',
      smtp_code: 250,
    });
  });

  it('failed/permanent/bounce is a hard bounce with its SMTP facts; failed/temporary is deferred', () => {
    expect(fromMailgunWebhook(body(failedPermanent), ctx)[0]).toMatchObject({ provider_type: 'failed/permanent', outcome: 'bounced', bounce_type: 'hard', provider_reason: 'bounce', smtp_code: 550, smtp_status: '5.1.1' });
    expect(fromMailgunWebhook(body(failedTemporary), ctx)[0]).toMatchObject({ provider_type: 'failed/temporary', outcome: 'deferred', bounce_type: null, smtp_code: 498, diagnostic: 'No MX for nomx.example.com' });
  });

  // Every row of the failure table, by its severity and reason.
  it.each(MAILGUN_FAILURES.filter((row) => typeof row.severity === 'string' && row.severity !== '*').map((row) => [`${String(row.severity)}/${String(row.reason)}`, row] as const))('failed %s maps as its row says', (_name, row) => {
    const reason = row.reason === '*' ? 'generic' : String(row.reason);
    const [event] = fromMailgunWebhook(body({ ...failedPermanent, severity: row.severity, reason }), ctx);
    expect(event).toMatchObject({ outcome: row.mapping.outcome, code: row.mapping.code, bounce_type: row.mapping.outcome === 'bounced' ? row.mapping.bounceType : null });
  });

  it('suppressions are their own outcome, not bounces', () => {
    for (const reason of ['suppress-bounce', 'suppress-complaint', 'suppress-unsubscribe']) {
      expect(fromMailgunWebhook(body({ ...failedPermanent, reason }), ctx)[0]).toMatchObject({ outcome: 'suppressed', code: 'suppression.recipient_suppressed', bounce_type: null });
    }
  });

  it('a failure without a severity is an undetermined bounce', () => {
    const { severity: _s, ...withoutSeverity } = failedPermanent;
    expect(fromMailgunWebhook(body(withoutSeverity), ctx)[0]).toMatchObject({ outcome: 'bounced', bounce_type: 'undetermined' });
  });

  it('rejected (no recipient field: the To header is used) and complained', () => {
    expect(fromMailgunWebhook(body(rejectedEvent), ctx)[0]).toMatchObject({ outcome: 'rejected', code: 'unknown.unmapped', recipient_hash: hasher.hash('recipient@example.org'), provider_reason: 'Sandbox subdomains are for test purposes only.' });
    expect(fromMailgunWebhook(body(complainedEvent), ctx)[0]).toMatchObject({ outcome: 'complained', code: null, sender_domain: 'example.org' });
  });

  it.each(Object.entries(MAILGUN_EVENTS).filter(([, mapping]) => mapping === null).map(([type]) => type))('%s is acknowledged and dropped', (type) => {
    expect(fromMailgunWebhook(body({ ...opened, event: type }), ctx)).toEqual([]);
  });

  it('an event type no row names gives no event rather than an error', () => {
    expect(fromMailgunWebhook(body({ ...opened, event: 'list_member_uploaded' }), ctx)).toEqual([]);
  });

  it('refuses a body that is not a Mailgun webhook, naming the field', () => {
    expect(() => fromMailgunWebhook({ hello: 1 }, ctx)).toThrow(FeedbackError);
    expect(() => fromMailgunWebhook(body({ ...delivered, timestamp: 'noon' }), ctx)).toThrow(/event-data.timestamp/);
  });
});

describe('Mailgun signature verification', () => {
  const now = 1_800_000_000_000;
  const nowSec = now / 1000;
  const raw = (payload: unknown) => Buffer.from(JSON.stringify(payload));

  it('accepts a genuine signature, once: the same token again is a replay', () => {
    const seen = new SeenTokens();
    const signed = raw(sign(delivered, nowSec, 'token-0001'));
    expect(verifyMailgunWebhook(signed, KEY, { now, seen })).toEqual({ ok: true, release: expect.any(Function) as unknown as () => void });
    expect(verifyMailgunWebhook(signed, KEY, { now: now + 1000, seen })).toMatchObject({ ok: false, reason: expect.stringContaining('already used') as unknown as string });
  });

  it('gives a token back when its request was not stored: accepted once more, then a replay again', () => {
    const seen = new SeenTokens();
    const signed = raw(sign(delivered, nowSec, 'token-0002'));
    const first = verifyMailgunWebhook(signed, KEY, { now, seen });
    if (!first.ok) throw new Error(first.reason);
    first.release?.();
    expect(seen.size).toBe(0);
    expect(verifyMailgunWebhook(signed, KEY, { now: now + 1000, seen }).ok).toBe(true);
    expect(verifyMailgunWebhook(signed, KEY, { now: now + 2000, seen })).toMatchObject({ ok: false, reason: expect.stringContaining('already used') as unknown as string });
  });

  it('refuses a forged signature, another key, a stale or future timestamp, and an unsigned body', () => {
    const forged = sign(delivered, nowSec, 'token-0002');
    (forged.signature as Record<string, string>).signature = 'a'.repeat(64);
    expect(verifyMailgunWebhook(raw(forged), KEY, { now }).ok).toBe(false);
    expect(verifyMailgunWebhook(raw(sign(delivered, nowSec, 'token-0003', 'another-signing-key-0000')), KEY, { now }).ok).toBe(false);
    expect(verifyMailgunWebhook(raw(sign(delivered, nowSec - 301, 'token-0004')), KEY, { now })).toMatchObject({ ok: false, reason: expect.stringContaining('old') as unknown as string });
    expect(verifyMailgunWebhook(raw(sign(delivered, nowSec + 301, 'token-0005')), KEY, { now })).toMatchObject({ ok: false, reason: expect.stringContaining('future') as unknown as string });
    expect(verifyMailgunWebhook(raw({ 'event-data': delivered }), KEY, { now }).ok).toBe(false);
    expect(verifyMailgunWebhook('not json', KEY, { now }).ok).toBe(false);
  });

  it('does not let forged requests spend tokens', () => {
    const seen = new SeenTokens();
    const forged = sign(delivered, nowSec, 'token-0006', 'another-signing-key-0000');
    expect(verifyMailgunWebhook(raw(forged), KEY, { now, seen }).ok).toBe(false);
    expect(seen.size).toBe(0);
    expect(verifyMailgunWebhook(raw(sign(delivered, nowSec, 'token-0006')), KEY, { now, seen }).ok).toBe(true);
  });

  it('is bounded: when full of live tokens it refuses rather than forget one; expired ones make room', () => {
    const seen = new SeenTokens(2);
    expect(verifyMailgunWebhook(raw(sign(delivered, nowSec, 'a1')), KEY, { now, seen }).ok).toBe(true);
    expect(verifyMailgunWebhook(raw(sign(delivered, nowSec, 'a2')), KEY, { now, seen }).ok).toBe(true);
    expect(verifyMailgunWebhook(raw(sign(delivered, nowSec, 'a3')), KEY, { now, seen })).toMatchObject({ ok: false, reason: expect.stringContaining('more than 2') as unknown as string });
    expect(seen.size).toBe(2);
    // Past the window the first two have expired; a fresh token fits again.
    const later = now + 301_000;
    expect(verifyMailgunWebhook(raw(sign(delivered, later / 1000, 'a3')), KEY, { now: later, seen }).ok).toBe(true);
    expect(seen.size).toBe(1);
  });

  it('never repeats the token or the signature in its reason', () => {
    const seen = new SeenTokens();
    const signed = raw(sign(delivered, nowSec, 'secret-token-xyz'));
    verifyMailgunWebhook(signed, KEY, { now, seen });
    const verdict = verifyMailgunWebhook(signed, KEY, { now, seen });
    expect(JSON.stringify(verdict)).not.toContain('secret-token-xyz');
  });

  it('refuses a configuration with a short signing key', () => {
    expect(() => mailgunWebhookEndpoint({ signingKey: 'short' }, () => ctx)).toThrow(/at least 16/);
  });
});

describe('the Mailgun endpoint behind the webhook receiver', () => {
  const receiver = new Receiver(mailgunWebhookEndpoint({ signingKey: KEY }, () => ({ ...ctx, receivedAt: Date.now() })));
  beforeAll(() => receiver.start());
  afterAll(() => receiver.stop());

  it('stores a signed webhook once; a replay, a forgery and an unsigned body are refused and write nothing', async () => {
    const nowSec = Math.floor(Date.now() / 1000);
    const signed = JSON.stringify(sign({ ...failedPermanent, timestamp: nowSec }, nowSec, `tok-${nowSec}-receiver`));
    expect(await receiver.post('/webhooks/mailgun', signed)).toEqual({ status: 200, body: { accepted: 1 } });
    expect(receiver.stored).toHaveLength(1);

    const replay = await receiver.post('/webhooks/mailgun', signed);
    const forged = await receiver.post('/webhooks/mailgun', JSON.stringify(sign(delivered, nowSec, 'tok-forged', 'another-signing-key-0000')));
    const unsigned = await receiver.post('/webhooks/mailgun', JSON.stringify({ 'event-data': delivered }));
    expect([replay.status, forged.status, unsigned.status]).toEqual([401, 401, 401]);
    expect(receiver.stored).toHaveLength(1);
  });

  it('accepts Mailgun\'s redelivery of a webhook it could not store (503), and only then refuses the token', async () => {
    const nowSec = Math.floor(Date.now() / 1000);
    const signed = JSON.stringify(sign({ ...failedPermanent, timestamp: nowSec }, nowSec, `tok-${nowSec}-redelivered`));
    const before = receiver.stored.length;
    receiver.failingHandoffs = 1;
    expect((await receiver.post('/webhooks/mailgun', signed)).status).toBe(503);
    expect(receiver.stored).toHaveLength(before);
    // Mailgun retries a non-2xx answer with the same body, timestamp and token.
    expect(await receiver.post('/webhooks/mailgun', signed)).toEqual({ status: 200, body: { accepted: 1 } });
    expect(receiver.stored).toHaveLength(before + 1);
    expect((await receiver.post('/webhooks/mailgun', signed)).status).toBe(401);
    expect(receiver.stored).toHaveLength(before + 1);
  });
});
