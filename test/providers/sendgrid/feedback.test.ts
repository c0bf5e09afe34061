import { createSign, generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SENDGRID_EVENTS, fromSendgridEvents } from '../../../src/providers/sendgrid/index.js';
import { sendgridWebhookEndpoint } from '../../../src/providers/sendgrid/index.js';
import { Receiver, ctx, hasher } from '../receiver.js';

/** A throwaway P-256 key pair standing in for the one SendGrid's settings page shows. */
const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const publicKey = keys.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
function signed(body: string, timestampSec = Math.floor(Date.now() / 1000)): Record<string, string> {
  const signature = createSign('sha256').update(String(timestampSec)).update(body).sign(keys.privateKey, 'base64');
  return { 'x-twilio-email-event-webhook-signature': signature, 'x-twilio-email-event-webhook-timestamp': String(timestampSec) };
}

/** Sample events from Anymail's tests (anymail/django-anymail tests/test_sendgrid_webhooks.py), SendGrid's own samples. */
const samples = {
  processed: { email: 'recipient@example.com', timestamp: 1461095246, 'smtp-id': '<wrfRRvF7Q0GgwUo2CvDmEA@ismtpd0006p1sjc2.sendgrid.net>', sg_event_id: 'ZyjAM5rnQmuI1KFInHQ3Nw', sg_message_id: 'wrfRRvF7Q0GgwUo2CvDmEA.filter0425p1mdw1.13037.57168B4A1D.0', event: 'processed', category: ['tag1', 'tag2'] },
  delivered: { ip: '167.89.17.173', response: '250 2.0.0 OK 1461095248 m143si2210036ioe.159 - gsmtp ', 'smtp-id': '<wrfRRvF7Q0GgwUo2CvDmEA@ismtpd0006p1sjc2.sendgrid.net>', sg_event_id: 'nOSv8m0eTQ-vxvwNwt3fZQ', sg_message_id: 'wrfRRvF7Q0GgwUo2CvDmEA.filter0425p1mdw1.13037.57168B4A1D.0', tls: 1, event: 'delivered', email: 'recipient@example.com', timestamp: 1461095250, sendlens_message_id: 'order-42', sendlens_workspace: 'acme' },
  droppedInvalid: { email: 'invalid@invalid', timestamp: 1461095250, 'smtp-id': '<wrfRRvF7Q0GgwUo2CvDmEA@ismtpd0006p1sjc2.sendgrid.net>', sg_event_id: '3NPOePGOTkeM_U3fgWApfg', sg_message_id: 'filter0093p1las1.9128.5717FB8127.0', reason: 'Invalid', event: 'dropped' },
  droppedUnsubscribed: { email: 'unsubscribe@example.com', timestamp: 1461095250, sg_event_id: 'oxy9OLwMTAy5EsuZn1qhIg', sg_message_id: 'filter0199p1las1.4745.5717FB6F5.0', reason: 'Unsubscribed Address', event: 'dropped' },
  bounce: { ip: '167.89.17.173', status: '5.1.1', sg_event_id: 'lC0Rc-FuQmKbnxCWxX1jRQ', reason: '550 5.1.1 The email account that you tried to reach does not exist.', sg_message_id: 'Lli-03HcQ5-JLybO9fXsJg.filter0077p1las1.21536.5717FC482.0', tls: 1, event: 'bounce', email: 'noreply@example.com', timestamp: 1461095250, type: 'bounce' },
  blocked: { status: '4.0.0', sg_event_id: 'bl0ck3d-FuQmKbnxCWxX1jRQ', reason: '550 5.7.1 Service unavailable; client host blocked', sg_message_id: 'Lli-03HcQ5-JLybO9fXsJg.filter0077p1las1.21536.5717FC482.0', event: 'bounce', email: 'noreply@example.com', timestamp: 1461095250, type: 'blocked' },
  deferred: { response: 'Email was deferred due to the following reason(s): [IPs were throttled by recipient server]', sg_event_id: 'b_syL5UiTvWC_Ky5L6Bs5Q', sg_message_id: 'u9Gvi3mzT6iC2poAb58_qQ.filter0465p1mdw1.8054.5718271B40.0', event: 'deferred', email: 'recipient@example.com', attempt: '1', timestamp: 1461200990 },
  open: { email: 'recipient@example.com', timestamp: 1461095250, ip: '66.102.6.229', sg_event_id: 'MjIwNDg5NTgtZGE3OC00NDI1LWFiMmMtMDUyZTU2ZmFkOTFm', sg_message_id: 'wrfRRvF7Q0GgwUo2CvDmEA.filter0425p1mdw1.13037.57168B4A1D.0', useragent: 'Mozilla/5.0', event: 'open' },
  click: { ip: '24.130.34.103', sg_event_id: 'OTdlOGUzYjctYjc5Zi00OWE4LWE4YWUtNjIxNjk2ZTJlNGVi', sg_message_id: '_fjPjuJfRW-IPs5SuvYotg.filter0590p1mdw1.2098.57168CFC4B.0', event: 'click', email: 'recipient@example.com', timestamp: 1461095250, url: 'http://www.example.com' },
  spamreport: { email: 'recipient@example.com', timestamp: 1461095250, sg_event_id: 'c3BhbXJlcG9ydA', sg_message_id: 'wrfRRvF7Q0GgwUo2CvDmEA.filter0425p1mdw1.13037.57168B4A1D.0', event: 'spamreport' },
  unsubscribe: { email: 'recipient@example.com', timestamp: 1461095250, sg_event_id: 'dW5zdWJzY3JpYmU', sg_message_id: 'wrfRRvF7Q0GgwUo2CvDmEA.filter0425p1mdw1.13037.57168B4A1D.0', event: 'unsubscribe' },
  group_unsubscribe: { email: 'recipient@example.com', timestamp: 1461095250, sg_event_id: 'Z3JvdXBfdW5zdWI', sg_message_id: 'wrfRRvF7Q0GgwUo2CvDmEA.filter0425p1mdw1.13037.57168B4A1D.0', event: 'group_unsubscribe', asm_group_id: 10 },
  group_resubscribe: { email: 'recipient@example.com', timestamp: 1461095250, sg_event_id: 'Z3JvdXBfcmVzdWI', sg_message_id: 'wrfRRvF7Q0GgwUo2CvDmEA.filter0425p1mdw1.13037.57168B4A1D.0', event: 'group_resubscribe', asm_group_id: 10 },
};

describe('SendGrid event webhook → delivery events (the shared SendGrid normalizer, provider sendgrid)', () => {
  const normalize = (event: object) => fromSendgridEvents([event], { ...ctx, provider: 'sendgrid' });

  it.each([
    ['delivered', samples.delivered, { outcome: 'delivered', code: null, provider_message_id: 'wrfRRvF7Q0GgwUo2CvDmEA', message_id: 'order-42', workspace: 'acme', smtp_code: 250 }],
    ['bounce (type bounce)', samples.bounce, { outcome: 'bounced', bounce_type: 'hard', smtp_status: '5.1.1', smtp_code: 550 }],
    ['bounce (type blocked)', samples.blocked, { outcome: 'bounced', bounce_type: 'soft' }],
    ['deferred', samples.deferred, { outcome: 'deferred', code: null }],
    ['dropped Invalid', samples.droppedInvalid, { outcome: 'rejected', code: 'recipient.invalid_address' }],
    ['dropped Unsubscribed Address', samples.droppedUnsubscribed, { outcome: 'suppressed', code: 'suppression.recipient_suppressed' }],
    ['spamreport', samples.spamreport, { outcome: 'complained', code: null }],
  ])('%s', (_name, sample, expected) => {
    const [event, ...rest] = normalize(sample);
    expect(rest).toEqual([]);
    expect(event).toMatchObject({ provider: 'sendgrid', recipient_hash: hasher.hash(sample.email), ...expected });
  });

  it.each(['processed', 'open', 'click', 'unsubscribe', 'group_unsubscribe', 'group_resubscribe'] as const)('%s is acknowledged and dropped', (type) => {
    expect(normalize(samples[type])).toEqual([]);
  });

  it('every event type SendGrid documents has a row', () => {
    expect(SENDGRID_EVENTS.map((row) => row.type).sort()).toEqual(['bounce', 'click', 'deferred', 'delivered', 'dropped', 'group_resubscribe', 'group_unsubscribe', 'open', 'processed', 'spamreport', 'unsubscribe']);
  });
});

describe('the SendGrid endpoint behind the webhook receiver', () => {
  const receiver = new Receiver(sendgridWebhookEndpoint({ publicKey }, () => ({ ...ctx, receivedAt: Date.now() })));
  beforeAll(() => receiver.start());
  afterAll(() => receiver.stop());

  it('stores a signed batch as provider sendgrid; unsigned, forged and stale requests are refused and write nothing', async () => {
    const body = JSON.stringify([samples.delivered, samples.bounce, samples.open]);
    expect(await receiver.post('/webhooks/sendgrid', body, signed(body))).toEqual({ status: 200, body: { accepted: 2 } });
    expect(receiver.stored.flat().map((e) => [e.provider, e.outcome])).toEqual([
      ['sendgrid', 'delivered'],
      ['sendgrid', 'bounced'],
    ]);

    const unsigned = await receiver.post('/webhooks/sendgrid', body);
    const forged = await receiver.post('/webhooks/sendgrid', JSON.stringify([samples.spamreport]), signed(body));
    const stale = await receiver.post('/webhooks/sendgrid', body, signed(body, Math.floor(Date.now() / 1000) - 3600));
    expect([unsigned.status, forged.status, stale.status]).toEqual([401, 401, 401]);
    expect(receiver.stored).toHaveLength(1);
  });
});
