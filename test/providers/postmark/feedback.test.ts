import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateDeliveryEvent } from '../../../src/events/index.js';
import { FeedbackError } from '../../../src/feedback/index.js';
import { POSTMARK_BOUNCE_TYPES, POSTMARK_RECORDS, fromPostmarkWebhook, postmarkWebhookEndpoint, verifyPostmarkBasicAuth } from '../../../src/providers/postmark/index.js';
import { Receiver, ctx, hasher } from '../receiver.js';

/**
 * Sample payloads from Anymail's tests (anymail/django-anymail
 * tests/test_postmark_webhooks.py), which reproduce Postmark's documented
 * samples (postmarkapp.com/developer/webhooks/*-webhook).
 */
const bounce = {
  RecordType: 'Bounce',
  ID: 901542550,
  Type: 'HardBounce',
  TypeCode: 1,
  ServerID: 23,
  Name: 'Hard bounce',
  MessageID: '2706ee8a-737c-4285-b032-ccd317af53ed',
  Description: 'The server was unable to deliver your message (ex: unknown user, mailbox not found).',
  Details: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
  Email: 'bounce@example.com',
  From: 'sender@example.com',
  BouncedAt: '2016-04-27T16:28:50.3963933-04:00',
  DumpAvailable: true,
  Inactive: true,
  CanActivate: true,
  Subject: 'Postmark event test',
  Content: '...',
};
const delivery = {
  RecordType: 'Delivery',
  ServerId: 23,
  MessageID: '883953f4-6105-42a2-a16a-77a8eac79483',
  Recipient: 'recipient@example.com',
  Tag: 'welcome-email',
  Metadata: { cohort: '2014-08-A', sendlens_message_id: 'order-42', sendlens_workspace: 'acme' },
  DeliveredAt: '2014-08-01T13:28:10.2735393-04:00',
  Details: 'Test delivery webhook details',
};
const spamComplaint = { ...bounce, Type: 'SpamComplaint', TypeCode: 512, RecordType: 'SpamComplaint', Name: 'Spam complaint', Email: 'spam@example.com', Details: 'Test spam complaint details', Description: '' };
const open = { RecordType: 'Open', FirstOpen: true, MessageID: 'f4830d10-9c35-4f0c-bca3-3d9b459821f8', ReceivedAt: '2016-04-27T16:21:41.2493688-04:00', Recipient: 'recipient@example.com' };
const click = { RecordType: 'Click', ClickLocation: 'HTML', OriginalLink: 'https://example.com/click/me', MessageID: 'f4830d10-9c35-4f0c-bca3-3d9b459821f8', ReceivedAt: '2017-10-25T15:21:11.9065619Z', Recipient: 'recipient@example.com' };
const subscriptionChange = { RecordType: 'SubscriptionChange', MessageID: 'a4909a96-73d7-4c49-b148-a54522d3f7ac', ServerID: 23, MessageStream: 'outbound', ChangedAt: '2022-06-05T17:17:32Z', Recipient: 'john@example.com', Origin: 'Recipient', SuppressSending: true, SuppressionReason: 'ManualSuppression' };

describe('Postmark webhooks → delivery events', () => {
  it('a Delivery is delivered, with the message id, tags, hash and time', () => {
    const [event, ...rest] = fromPostmarkWebhook(delivery, ctx);
    expect(rest).toEqual([]);
    expect(validateDeliveryEvent(event).ok).toBe(true);
    expect(event).toMatchObject({
      provider: 'postmark',
      provider_type: 'Delivery',
      outcome: 'delivered',
      bounce_type: null,
      code: null,
      occurred_at: '2014-08-01T17:28:10.273Z',
      recipient_hash: hasher.hash('recipient@example.com'),
      recipient_domain: 'example.com',
      provider_message_id: '883953f4-6105-42a2-a16a-77a8eac79483',
      message_id: 'order-42',
      workspace: 'acme',
    });
  });

  it('a HardBounce is a hard bounce, with the SMTP facts and no raw address', () => {
    const [event] = fromPostmarkWebhook(bounce, ctx);
    expect(event).toMatchObject({ provider_type: 'Bounce/HardBounce', outcome: 'bounced', bounce_type: 'hard', provider_bounce_type: 'HardBounce', provider_event_id: '901542550', smtp_status: '5.1.1', smtp_code: 550, sender_domain: 'example.com', occurred_at: '2016-04-27T20:28:50.396Z' });
    expect(JSON.stringify(event)).not.toContain('bounce@example.com');
  });

  it('a SpamComplaint record is a complaint', () => {
    expect(fromPostmarkWebhook(spamComplaint, ctx)[0]).toMatchObject({ outcome: 'complained', recipient_hash: hasher.hash('spam@example.com'), code: null });
  });

  it.each([
    ['Open', open],
    ['Click', click],
    ['SubscriptionChange', subscriptionChange],
  ])('%s is acknowledged and dropped (not delivery feedback)', (_name, payload) => {
    expect(fromPostmarkWebhook(payload, ctx)).toEqual([]);
  });

  it('names every record type the table knows', () => {
    expect(POSTMARK_RECORDS.map((r) => r.recordType).sort()).toEqual(['Bounce', 'Click', 'Delivery', 'Open', 'SpamComplaint', 'SubscriptionChange']);
  });

  // Every documented bounce Type (postmarkapp.com/developer/api/bounce-api#bounce-types) → its row.
  it.each(Object.entries(POSTMARK_BOUNCE_TYPES))('bounce Type %s maps as its row says', (type, mapping) => {
    const events = fromPostmarkWebhook({ ...bounce, Type: type }, ctx);
    if (mapping === null) {
      expect(events).toEqual([]);
      return;
    }
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: mapping.outcome, bounce_type: mapping.outcome === 'bounced' ? mapping.bounceType : null, code: mapping.code, provider_type: `Bounce/${type}` });
  });

  it('spot-checks the bounce table: soft, suppressed, rejected, deferred', () => {
    const outcome = (type: string) => fromPostmarkWebhook({ ...bounce, Type: type }, ctx)[0];
    expect(outcome('SoftBounce')).toMatchObject({ outcome: 'bounced', bounce_type: 'soft' });
    expect(outcome('ManuallyDeactivated')).toMatchObject({ outcome: 'suppressed', code: 'suppression.recipient_suppressed', bounce_type: null });
    expect(outcome('BadEmailAddress')).toMatchObject({ outcome: 'rejected', code: 'recipient.invalid_address' });
    expect(outcome('ChallengeVerification')).toMatchObject({ outcome: 'deferred', code: null });
    expect(outcome('SpamNotification')).toMatchObject({ outcome: 'bounced', bounce_type: 'soft', code: 'content.message_rejected' });
  });

  it('an undocumented bounce Type is an undetermined bounce, not an error', () => {
    expect(fromPostmarkWebhook({ ...bounce, Type: 'SomethingNew' }, ctx)[0]).toMatchObject({ outcome: 'bounced', bounce_type: 'undetermined' });
  });

  it('refuses a body that is not a Postmark record, naming the field', () => {
    expect(() => fromPostmarkWebhook({ hello: 'world' }, ctx)).toThrow(FeedbackError);
    expect(() => fromPostmarkWebhook({ ...delivery, DeliveredAt: 'yesterday' }, ctx)).toThrow(/DeliveredAt/);
    expect(() => fromPostmarkWebhook({ ...bounce, Email: undefined }, ctx)).toThrow(/Email/);
  });
});

describe('Postmark basic-auth verification', () => {
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const password = 'pm-hook-6f1c0a9e2b7d4f3a';

  it('accepts the configured credentials only', () => {
    expect(verifyPostmarkBasicAuth({ authorization: basic('postmark', password) }, 'postmark', password)).toEqual({ ok: true });
    expect(verifyPostmarkBasicAuth({ authorization: basic('postmark', `${password}x`) }, 'postmark', password).ok).toBe(false);
    expect(verifyPostmarkBasicAuth({ authorization: basic('other', password) }, 'postmark', password).ok).toBe(false);
    expect(verifyPostmarkBasicAuth({}, 'postmark', password)).toMatchObject({ ok: false, reason: expect.stringContaining('no credentials') as unknown as string });
    expect(verifyPostmarkBasicAuth({ authorization: `Bearer ${password}` }, 'postmark', password).ok).toBe(false);
  });

  it('never repeats what was sent in its reason', () => {
    const verdict = verifyPostmarkBasicAuth({ authorization: basic('postmark', 'guess-guess-guess') }, 'postmark', password);
    expect(verdict.ok).toBe(false);
    expect(JSON.stringify(verdict)).not.toContain('guess');
  });

  it('refuses a configuration with a short password', () => {
    expect(() => postmarkWebhookEndpoint({ username: 'postmark', password: 'short' }, () => ctx)).toThrow(/at least 16/);
  });
});

describe('the Postmark endpoint behind the webhook receiver', () => {
  const password = 'pm-hook-6f1c0a9e2b7d4f3a';
  const receiver = new Receiver(postmarkWebhookEndpoint({ username: 'postmark', password }, () => ({ ...ctx, receivedAt: Date.now() })));
  const auth = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });

  beforeAll(() => receiver.start());
  afterAll(() => receiver.stop());

  it('stores a request with the credentials, refuses one without (or with wrong ones) and writes nothing for it', async () => {
    const ok = await receiver.post('/webhooks/postmark', JSON.stringify(bounce), auth('postmark', password));
    expect(ok).toEqual({ status: 200, body: { accepted: 1 } });
    expect(receiver.stored).toHaveLength(1);

    const missing = await receiver.post('/webhooks/postmark', JSON.stringify(bounce));
    const wrong = await receiver.post('/webhooks/postmark', JSON.stringify(bounce), auth('postmark', 'not-the-password-at-all'));
    expect([missing.status, wrong.status]).toEqual([401, 401]);
    expect(receiver.stored).toHaveLength(1);
  });

  it('answers 400 for a body of the wrong shape, and 200 with nothing stored for an open', async () => {
    const before = receiver.stored.length;
    expect((await receiver.post('/webhooks/postmark', JSON.stringify({ nope: 1 }), auth('postmark', password))).status).toBe(400);
    expect(await receiver.post('/webhooks/postmark', JSON.stringify(open), auth('postmark', password))).toEqual({ status: 200, body: { accepted: 0 } });
    expect(receiver.stored.slice(before).flat()).toEqual([]);
  });
});
