import { describe, expect, it } from 'vitest';
import type { DeliveryEvent } from '../../src/events/index.js';
import { FeedbackError } from '../../src/feedback/index.js';
import { fromResendWebhook } from '../../src/providers/resend/index.js';
import { fromSesNotification } from '../../src/providers/ses/index.js';
import { ctx, fixture, hasher, leakedAddresses } from './helpers.js';

/**
 * The payloads of Anymail's own webhook tests (and Resend's changelog), each
 * cited in fixtures/anymail/README.md: what sendlens makes of them. Before
 * these fixes the SNS notice and the SES notifications without
 * mail.timestamp were refused (400), the suppressed-as-bounce was counted as
 * a bounce, and a multi-recipient Resend event became one event per address.
 */

const outcome = (events: DeliveryEvent[]) => events.map((e) => [e.outcome, e.bounce_type, e.code]);

describe('Amazon SES, as Anymail tests it', () => {
  it('the "Successfully validated SNS topic" notice is acknowledged with no event', () => {
    // anymail tests/test_amazon_ses_webhooks.py test_sns_confirmation_success_notification
    expect(fromSesNotification(fixture('anymail/ses-sns-validated-notice.json'), ctx)).toEqual([]);
  });

  it('any other plain-text SNS Message is still refused, not silently dropped', () => {
    const notice = fixture('anymail/ses-sns-validated-notice.json') as Record<string, unknown>;
    expect(() => fromSesNotification({ ...notice, Message: 'Something else entirely.' }, ctx)).toThrow(FeedbackError);
    expect(() => fromSesNotification({ ...notice, Message: 'Successfully validated SNS topic for Amazon SES event publishing. And more.' }, ctx)).toThrow(/not JSON/);
  });

  it('an UnsubscribeConfirmation is not a notification (the receiver answers it before normalizing)', () => {
    // anymail tests/test_amazon_ses_webhooks.py test_sns_unsubscribe_confirmation
    expect(() => fromSesNotification(fixture('anymail/ses-sns-unsubscribe-confirmation.json'), ctx)).toThrow(/UnsubscribeConfirmation is not a notification/);
  });

  it('a bounce without mail.timestamp or bounce.timestamp takes the SNS Timestamp, one event per bounced recipient', () => {
    // anymail tests/test_amazon_ses_webhooks.py test_multiple_bounce_event
    const events = fromSesNotification(fixture('anymail/ses-multiple-bounce-no-timestamp.json'), ctx);
    expect(outcome(events)).toEqual([
      ['bounced', 'hard', null],
      ['bounced', 'hard', null],
    ]);
    expect(events.map((e) => e.recipient_hash)).toEqual([hasher.hash('jane@example.com'), hasher.hash('richard@example.com')]);
    for (const event of events) expect(event.occurred_at).toBe('2018-03-26T17:58:59.675Z');
    expect(leakedAddresses(events)).toEqual([]);
  });

  it('a complaint and a rendering failure without mail.timestamp are kept too', () => {
    // anymail tests/test_amazon_ses_webhooks.py test_complaint_event, test_rendering_failure_event
    const [complaint, ...moreComplaints] = fromSesNotification(fixture('anymail/ses-complaint-no-timestamp.json'), ctx);
    expect(moreComplaints).toEqual([]);
    expect(complaint).toMatchObject({ outcome: 'complained', recipient_hash: hasher.hash('richard@example.com'), provider_reason: 'abuse', occurred_at: '2018-03-26T17:58:59.675Z' });
    const [failure] = fromSesNotification(fixture('anymail/ses-rendering-failure-no-timestamp.json'), ctx);
    expect(failure).toMatchObject({ outcome: 'rejected', code: 'content.template_render_failed', occurred_at: '2018-03-26T17:58:59.675Z' });
  });

  it('the event time still wins over the SNS Timestamp when SES gives one, and a bare SES object with no time is refused', () => {
    const envelope = fixture('anymail/ses-multiple-bounce-no-timestamp.json') as { Message: string };
    const ses = JSON.parse(envelope.Message) as { bounce: Record<string, unknown>; mail: Record<string, unknown> };
    const withMailTime = { ...envelope, Message: JSON.stringify({ ...ses, mail: { ...ses.mail, timestamp: '2018-03-26T17:58:50.000Z' } }) };
    expect(fromSesNotification(withMailTime, ctx)[0]?.occurred_at).toBe('2018-03-26T17:58:50.000Z');
    const withBounceTime = { ...envelope, Message: JSON.stringify({ ...ses, bounce: { ...ses.bounce, timestamp: '2018-03-26T17:58:55.000Z' } }) };
    expect(fromSesNotification(withBounceTime, ctx)[0]?.occurred_at).toBe('2018-03-26T17:58:55.000Z');
    expect(() => fromSesNotification(ses, ctx)).toThrow(/mail\.timestamp is missing and there is no SNS Timestamp/);
    expect(() => fromSesNotification({ ...envelope, Timestamp: 'yesterday' }, ctx)).toThrow(/the SNS Timestamp is not an ISO 8601 time/);
  });

  it('a redelivered SNS message gives the same event ids (the fallback time is the signed Timestamp, not the arrival)', () => {
    const body = fixture('anymail/ses-multiple-bounce-no-timestamp.json');
    const ids = (receivedAt: number) => fromSesNotification(body, { ...ctx, receivedAt }).map((e) => e.event_id);
    expect(ids(ctx.receivedAt + 60_000)).toEqual(ids(ctx.receivedAt));
  });
});

describe('Resend, as Anymail tests it', () => {
  it('an untyped email.bounced that says Resend suppressed the send is a suppression, not a bounce', () => {
    // anymail tests/test_resend_webhooks.py test_suppressed_event
    const events = fromResendWebhook(fixture('anymail/resend-bounced-suppressed-untyped.json'), { ...ctx, deliveryId: 'msg_suppressed' });
    expect(outcome(events)).toEqual([['suppressed', null, 'suppression.recipient_suppressed']]);
    expect(events[0]).toMatchObject({
      provider_type: 'email.bounced',
      provider_bounce_type: '',
      recipient_hash: hasher.hash('blocked@example.org'),
      diagnostic: expect.stringMatching(/^Resend has suppressed sending to this address/),
      occurred_at: '2023-10-01T20:01:01.598Z',
    });
  });

  it('an untyped hard bounce is hard; a typed one still follows its type', () => {
    // anymail tests/test_resend_webhooks.py test_hard_bounced_event
    expect(outcome(fromResendWebhook(fixture('anymail/resend-bounced-hard-untyped.json'), ctx))).toEqual([['bounced', 'hard', null]]);
    // resend.com/changelog/webhook-event-visibility: Permanent/Suppressed
    expect(outcome(fromResendWebhook(fixture('anymail/resend-changelog-bounced.json'), ctx))).toEqual([['suppressed', null, 'suppression.recipient_suppressed']]);
    // A typed bounce whose message happens to mention suppression is read by its type.
    const typed = fixture('anymail/resend-bounced-suppressed-untyped.json') as { data: { bounce: Record<string, unknown> } };
    const withType = { ...typed, data: { ...typed.data, bounce: { ...typed.data.bounce, type: 'Transient', subType: 'General' } } };
    expect(outcome(fromResendWebhook(withType, ctx))).toEqual([['bounced', 'soft', null]]);
  });

  it('an untyped bounce with another message stays a bounce of undetermined type', () => {
    const body = fixture('anymail/resend-bounced-hard-untyped.json') as { data: Record<string, unknown> };
    const general = { ...body, data: { ...body.data, bounce: { message: "The recipient's email provider sent a general bounce message." } } };
    expect(outcome(fromResendWebhook(general, ctx))).toEqual([['bounced', 'undetermined', null]]);
  });

  it('one webhook is one event: with one address in data.to, for that address', () => {
    const [event, ...more] = fromResendWebhook(fixture('anymail/resend-changelog-bounced.json'), { ...ctx, deliveryId: 'msg_a' });
    expect(more).toEqual([]);
    expect(event).toMatchObject({ recipient_hash: hasher.hash('delivered@resend.dev'), recipient_domain: 'resend.dev' });
  });

  it('with several addresses and nothing saying which: one event, recipient unknown, no one credited with it', () => {
    // The older shape (Anymail: "no indication of which recipient an event applies to").
    const events = fromResendWebhook(fixture('anymail/resend-delivered-two-recipients.json'), { ...ctx, deliveryId: 'msg_b' });
    expect(events).toHaveLength(1);
    // to@example.org and to2@example.org share the domain, so the domain is known.
    expect(events[0]).toMatchObject({ outcome: 'delivered', recipient_hash: '', recipient_domain: 'example.org', provider_event_id: 'msg_b' });
  });

  it('with several addresses, the one the bounce message names is the recipient', () => {
    const body = fixture('anymail/resend-delivered-two-recipients.json') as { data: Record<string, unknown> };
    const bounced = {
      type: 'email.bounced',
      created_at: '2023-09-28T17:20:00.000Z',
      data: { ...body.data, to: ['Recipient <to@example.org>', 'to2@example.org', 'other@example.net'], bounce: { message: "The recipient's email address does not exist: to2@example.org.", type: 'Permanent', subType: 'General' } },
    };
    const [event, ...more] = fromResendWebhook(bounced, { ...ctx, deliveryId: 'msg_c' });
    expect(more).toEqual([]);
    expect(event).toMatchObject({ outcome: 'bounced', recipient_hash: hasher.hash('to2@example.org'), recipient_domain: 'example.org' });
    expect(leakedAddresses([event as DeliveryEvent])).toEqual([]);
    // An address that only contains a listed one (xto2@…) names nobody; then the domains differ, so none is kept.
    const ambiguous = { ...bounced, data: { ...bounced.data, bounce: { ...bounced.data.bounce, message: 'does not exist: xto2@example.org' } } };
    expect(fromResendWebhook(ambiguous, { ...ctx, deliveryId: 'msg_c' })[0]).toMatchObject({ recipient_hash: '', recipient_domain: '' });
  });

  it('each webhook of a multi-recipient send keeps its own id; the same webhook again keeps the same id', () => {
    const body = fixture('anymail/resend-delivered-two-recipients.json');
    const first = fromResendWebhook(body, { ...ctx, deliveryId: 'msg_1' })[0]?.event_id;
    const second = fromResendWebhook(body, { ...ctx, deliveryId: 'msg_2' })[0]?.event_id;
    const again = fromResendWebhook(body, { ...ctx, receivedAt: ctx.receivedAt + 5_000, deliveryId: 'msg_1' })[0]?.event_id;
    expect(first).not.toBe(second);
    expect(again).toBe(first);
  });
});
