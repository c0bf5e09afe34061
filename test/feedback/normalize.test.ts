import { describe, expect, it } from 'vitest';
import { uuidv7Time } from '../../src/events/index.js';
import { validateDeliveryEvent } from '../../src/events/index.js';
import type { DeliveryEvent } from '../../src/events/index.js';
import { FeedbackError, fromGenericEvents, verifySnsMessage } from '../../src/feedback/index.js';
import { fromResendWebhook } from '../../src/providers/resend/index.js';
import { fromSendgridEvents } from '../../src/providers/sendgrid/index.js';
import { SES_BOUNCES, fromSesNotification } from '../../src/providers/ses/index.js';
import { matches } from '../../src/feedback/mappings.js';
import { NOW, certificateFetcher, ctx, fixture, fixtureNames, fixtureText, hasher, leakedAddresses, snsMessage } from './helpers.js';

/** outcome / bounce_type / code of each event a fixture gives, in order; [] = no event (not delivery feedback). */
type Expected = [DeliveryEvent['outcome'], DeliveryEvent['bounce_type'], DeliveryEvent['code']][];

const SES: Record<string, Expected> = {
  'notification-bounce-permanent-general.json': [
    ['bounced', 'hard', null],
    ['bounced', 'hard', null],
  ],
  'notification-bounce-transient-mailboxfull.json': [['bounced', 'soft', null]],
  'notification-bounce-undetermined.json': [['bounced', 'undetermined', null]],
  'notification-bounce-permanent-suppressed.json': [['suppressed', null, 'suppression.recipient_suppressed']],
  'notification-bounce-on-account-suppression-list.json': [['suppressed', null, 'suppression.recipient_suppressed']],
  'notification-complaint.json': [['complained', null, null]],
  'notification-complaint-on-account-suppression-list.json': [['suppressed', null, 'suppression.recipient_suppressed']],
  'notification-delivery.json': [
    ['delivered', null, null],
    ['delivered', null, null],
  ],
  'notification-delivery-delay.json': [['deferred', null, null]],
  'notification-reject.json': [['rejected', null, 'content.message_rejected']],
  'notification-subscription-succeeded.json': [],
  'event-bounce-permanent-noemail.json': [['bounced', 'hard', 'recipient.invalid_address']],
  'event-bounce-transient-content-rejected.json': [['bounced', 'soft', 'content.message_rejected']],
  'event-complaint.json': [['complained', null, null]],
  'event-delivery.json': [['delivered', null, null]],
  'event-delivery-delay.json': [['deferred', null, null]],
  'event-reject.json': [['rejected', null, 'content.message_rejected']],
  'event-rendering-failure.json': [['rejected', null, 'content.template_render_failed']],
  'event-send.json': [],
  'event-open.json': [],
};

const RESEND: Record<string, Expected> = {
  // Two addresses in data.to: Resend posts one webhook per recipient, so this one is one event (see anymail.test.ts).
  'email.delivered.json': [['delivered', null, null]],
  'email.bounced.json': [['bounced', 'hard', null]],
  'email.bounced-suppressed.json': [['suppressed', null, 'suppression.recipient_suppressed']],
  'email.bounced-transient.json': [['bounced', 'soft', null]],
  'email.complained.json': [['complained', null, null]],
  'email.delivery_delayed.json': [['deferred', null, null]],
  'email.failed.json': [['rejected', null, 'quota.daily_exceeded']],
  'email.suppressed.json': [['suppressed', null, 'suppression.recipient_suppressed']],
  'email.sent.json': [],
  'email.opened.json': [],
  'contact.created.json': [],
};

const SENDGRID: Expected = [
  ['delivered', null, null],
  ['deferred', null, null],
  ['bounced', 'hard', 'recipient.invalid_address'],
  ['bounced', 'soft', null],
  ['suppressed', null, 'suppression.recipient_suppressed'],
  ['rejected', null, 'content.template_render_failed'],
  ['suppressed', null, 'suppression.recipient_suppressed'],
  ['rejected', null, 'validation.invalid_fields'],
  ['rejected', null, 'content.message_rejected'],
  ['suppressed', null, 'suppression.recipient_suppressed'],
  ['complained', null, null],
];

const GENERIC: Record<string, Expected> = {
  'relay-bounce.json': [['bounced', 'hard', 'recipient.invalid_address']],
  'sendfleet-batch.json': [
    ['delivered', null, null],
    ['bounced', 'soft', null],
    ['complained', null, null],
    ['deferred', null, null],
    ['rejected', null, 'content.template_render_failed'],
    ['suppressed', null, 'suppression.recipient_suppressed'],
  ],
};

const summary = (events: DeliveryEvent[]): Expected => events.map((e) => [e.outcome, e.bounce_type, e.code]);

/** What every delivery event must satisfy, whatever it came from. */
function wellFormed(events: DeliveryEvent[]): void {
  for (const event of events) {
    const checked = validateDeliveryEvent(event);
    expect(checked.ok ? 'valid' : checked.reason).toBe('valid');
    expect(event.bounce_type !== null).toBe(event.outcome === 'bounced');
    if (event.outcome === 'rejected' || event.outcome === 'suppressed') expect(event.code).not.toBeNull();
    if (['delivered', 'complained', 'deferred'].includes(event.outcome)) expect(event.code).toBeNull();
    expect(event.category).toBe(event.code === null ? null : event.code.split('.')[0]);
    expect(uuidv7Time(event.event_id)).toBe(Date.parse(event.occurred_at));
    expect(event.received_at).toBe(new Date(NOW).toISOString());
  }
  expect(leakedAddresses(events)).toEqual([]);
}

const all: DeliveryEvent[] = [];

describe('SES through SNS: every fixture, both shapes, signed and verified', () => {
  it('has an expectation for every fixture', () => {
    expect(fixtureNames('ses')).toEqual(Object.keys(SES).sort());
  });

  it.each(Object.entries(SES))('%s', async (name, expected) => {
    const text = fixtureText(`ses/${name}`);
    const envelope = snsMessage(text, { version: name.startsWith('event') ? '2' : '1' });
    expect(await verifySnsMessage(envelope, { fetchCertificate: certificateFetcher().fetch, certificateCache: new Map(), now: NOW })).toEqual({ ok: true });
    const events = fromSesNotification(envelope, ctx);
    expect(summary(events)).toEqual(expected);
    // The same SES object without the SNS envelope (raw delivery, SQS) gives the same events.
    expect(fromSesNotification(fixture(`ses/${name}`), ctx)).toEqual(events);
    for (const event of events) {
      expect(event.provider).toBe('ses');
      expect(event.sender_domain).toBe('mail.acme.com');
      expect(event.recipient_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(event.provider_message_id).toMatch(/^0100018e1f2a3b4c-/);
    }
    wellFormed(events);
    all.push(...events);
  });

  it('keeps per-recipient SMTP facts, scrubbed diagnostics, ids from headers and tags', () => {
    const [jane, richard] = fromSesNotification(fixture('ses/notification-bounce-permanent-general.json'), ctx);
    expect(jane).toMatchObject({
      provider_type: 'Bounce',
      provider_bounce_type: 'Permanent',
      bounce_subtype: 'General',
      smtp_status: '5.1.1',
      smtp_code: 550,
      recipient_domain: 'example.com',
      recipient_hash: hasher.hash('jane.doe@example.com'),
      message_id: 'order-1234',
      workspace: 'acme',
      provider_event_id: '0100018e1f2a3b4c-5d6e7f80-91a2-4b3c-8d4e-5f6a7b8c9d0e-000000',
      occurred_at: '2026-11-20T09:14:05.501Z',
    });
    expect(jane?.diagnostic).toBe('smtp; 550 5.1.1 <[email]>: Recipient address rejected: User unknown in virtual mailbox table');
    expect(richard).toMatchObject({ smtp_status: '5.7.1', smtp_code: 554, recipient_domain: 'example.org', recipient_hash: hasher.hash('richard.roe@example.org') });
    expect(richard?.diagnostic).toContain('[email]');

    const [tagged] = fromSesNotification(fixture('ses/event-bounce-permanent-noemail.json'), ctx);
    expect(tagged).toMatchObject({ message_id: 'order-5678', workspace: 'acme' });
    const [delay] = fromSesNotification(fixture('ses/event-delivery-delay.json'), ctx);
    expect(delay).toMatchObject({ provider_reason: 'MailboxFull', smtp_status: '4.2.2', smtp_code: 452, provider_event_id: '' });
    const [render] = fromSesNotification(fixture('ses/event-rendering-failure.json'), ctx);
    expect(render).toMatchObject({ provider_type: 'Rendering Failure', diagnostic: "Attribute 'attributes' is not present in the rendering data." });
    const [reject] = fromSesNotification(fixture('ses/event-reject.json'), ctx);
    expect(reject).toMatchObject({ occurred_at: '2026-11-21T09:40:00.000Z', provider_reason: 'Bad content', message_id: 'order-5683' });
    const [complaint] = fromSesNotification(fixture('ses/notification-complaint.json'), ctx);
    expect(complaint).toMatchObject({ provider_reason: 'abuse', bounce_subtype: '', provider_event_id: '0100018e1f2a3b4c-a2b3c4d5-e6f7-4081-929d-0e1f2a3b4c5d-000000' });
    const [delivered] = fromSesNotification(fixture('ses/notification-delivery.json'), ctx);
    expect(delivered).toMatchObject({ smtp_code: 250, smtp_status: '2.6.0', diagnostic: '250 2.6.0 Message received' });
  });

  it('maps every row of the SES bounce table', () => {
    const base = fixture('ses/event-bounce-permanent-noemail.json') as { bounce: Record<string, unknown> };
    const cases: [string, string, string][] = [
      ['Permanent', 'General', 'bounced/hard/null'],
      ['Permanent', 'NoEmail', 'bounced/hard/recipient.invalid_address'],
      ['Permanent', 'Suppressed', 'suppressed/null/suppression.recipient_suppressed'],
      ['Permanent', 'OnAccountSuppressionList', 'suppressed/null/suppression.recipient_suppressed'],
      ['Permanent', 'SomethingNew', 'bounced/hard/null'],
      ['Transient', 'General', 'bounced/soft/null'],
      ['Transient', 'MailboxFull', 'bounced/soft/null'],
      ['Transient', 'MessageTooLarge', 'bounced/soft/validation.payload_too_large'],
      ['Transient', 'ContentRejected', 'bounced/soft/content.message_rejected'],
      ['Transient', 'AttachmentRejected', 'bounced/soft/validation.invalid_attachment'],
      ['Transient', 'SomethingNew', 'bounced/soft/null'],
      ['Undetermined', 'Undetermined', 'bounced/undetermined/null'],
      ['Weird', 'Weird', 'bounced/undetermined/null'],
    ];
    const hit = new Set<number>();
    for (const [bounceType, bounceSubType, want] of cases) {
      const payload = { ...base, bounce: { ...base.bounce, bounceType, bounceSubType } };
      const [event] = fromSesNotification(payload, ctx);
      expect(`${event?.outcome}/${event?.bounce_type}/${event?.code}`, `${bounceType}/${bounceSubType}`).toBe(want);
      hit.add(SES_BOUNCES.findIndex((row) => matches(row.bounceType, bounceType) && matches(row.bounceSubType, bounceSubType)));
    }
    // Every row is the first match of some case above: no dead rows.
    expect([...hit].sort((a, b) => a - b)).toEqual(SES_BOUNCES.map((_, i) => i));
  });
});

describe('Resend: every event type', () => {
  it('has an expectation for every fixture', () => {
    expect(fixtureNames('resend')).toEqual(Object.keys(RESEND).sort());
  });

  it.each(Object.entries(RESEND))('%s', (name, expected) => {
    const events = fromResendWebhook(fixture(`resend/${name}`), { ...ctx, deliveryId: 'msg_2Lm3bZ4x8yVq1xCmn0gkPpYBgv1' });
    expect(summary(events)).toEqual(expected);
    for (const event of events) {
      expect(event).toMatchObject({
        provider: 'resend',
        provider_message_id: '56761188-7520-42d8-8898-ff6fc54ce618',
        provider_event_id: 'msg_2Lm3bZ4x8yVq1xCmn0gkPpYBgv1',
        message_id: 'signup-42',
        workspace: 'acme',
        sender_domain: 'mail.acme.com',
        occurred_at: '2026-11-21T10:00:02.126Z',
      });
    }
    wellFormed(events);
    all.push(...events);
  });

  it('keeps the bounce type, subtype and scrubbed message', () => {
    const [event] = fromResendWebhook(fixture('resend/email.bounced.json'), ctx);
    expect(event).toMatchObject({ provider_bounce_type: 'Permanent', bounce_subtype: 'General', smtp_code: null, smtp_status: '5.1.1' });
    expect(event?.diagnostic).toBe("The recipient's email address does not exist: [email] 550 5.1.1 The email account that you tried to reach does not exist.");
    const [suppressed] = fromResendWebhook(fixture('resend/email.suppressed.json'), ctx);
    expect(suppressed).toMatchObject({ bounce_subtype: 'OnAccountSuppressionList', diagnostic: 'This email address is on your suppression list.' });
  });
});

describe('SendGrid-style events (ScaiSend)', () => {
  it('maps every event type, dropped reasons included', () => {
    const events = fromSendgridEvents(fixture('sendgrid/events.json'), ctx);
    expect(summary(events)).toEqual(SENDGRID);
    wellFormed(events);
    all.push(...events);
    const [, , hard, blocked, , template] = events;
    expect(hard).toMatchObject({
      provider: 'scaisend',
      provider_type: 'bounce',
      provider_bounce_type: 'bounce',
      provider_reason: 'Invalid Address',
      smtp_status: '5.0.0',
      smtp_code: 500,
      diagnostic: '500 unknown recipient [email]',
      provider_message_id: '14c5d75ce93.dfd.64b463',
      provider_event_id: 'sg_event_id_03_rbtnWrG3qdGd3bw',
      message_id: 'receipt-1003',
      workspace: 'acme',
      sender_domain: '',
      occurred_at: new Date((1795168800 + 3) * 1000).toISOString(),
    });
    expect(blocked).toMatchObject({ provider_bounce_type: 'blocked', smtp_status: '4.7.0', smtp_code: 421 });
    expect(template).toMatchObject({ provider_type: 'dropped', provider_reason: 'template_render_error', code: 'content.template_render_failed', category: 'content' });
  });

  it('takes the provider from the context', () => {
    const events = fromSendgridEvents(fixture('sendgrid/events.json'), { ...ctx, provider: 'relay' });
    expect(new Set(events.map((e) => e.provider))).toEqual(new Set(['relay']));
  });
});

describe('the generic shape', () => {
  it.each(Object.entries(GENERIC))('%s', (name, expected) => {
    const events = fromGenericEvents(fixture(`generic/${name}`), ctx);
    expect(summary(events)).toEqual(expected);
    wellFormed(events);
    all.push(...events);
  });

  it('keeps what the sender stated', () => {
    const [event] = fromGenericEvents(fixture('generic/relay-bounce.json'), { ...ctx, workspace: 'configured' });
    expect(event).toMatchObject({
      provider: 'relay',
      provider_type: 'bounced',
      workspace: 'configured',
      sender_domain: 'mail.acme.com',
      recipient_domain: 'example.com',
      recipient_hash: hasher.hash('jane@example.com'),
      message_id: 'invoice-77',
      provider_message_id: 'relay-msg-9f2c',
      provider_event_id: 'relay-evt-000017',
      bounce_subtype: 'mailbox_unknown',
      smtp_status: '5.1.1',
      smtp_code: 550,
    });
    expect(event?.diagnostic).toBe('550 5.1.1 <[email]>: Recipient address rejected: User unknown');
  });
});

describe('across providers', () => {
  it('no produced event carries an address, and every one validates', () => {
    expect(all.length).toBeGreaterThan(40);
    wellFormed(all);
    expect(JSON.stringify(all)).not.toMatch(/example\.(com|org|net)[^"]/);
    expect(new Set(all.map((e) => e.event_id)).size).toBe(all.length);
  });
});

describe('redelivery gives the same event ids', () => {
  it('for every provider, when the same payload arrives again', () => {
    const ses = fixture('ses/notification-bounce-permanent-general.json');
    const later = { ...ctx, receivedAt: NOW + 60_000 };
    const ids = (events: DeliveryEvent[]) => events.map((e) => e.event_id);
    expect(ids(fromSesNotification(snsMessage(JSON.stringify(ses)), later))).toEqual(ids(fromSesNotification(ses, ctx)));
    expect(ids(fromResendWebhook(fixture('resend/email.bounced.json'), later))).toEqual(ids(fromResendWebhook(fixture('resend/email.bounced.json'), ctx)));
    expect(ids(fromSendgridEvents(fixture('sendgrid/events.json'), later))).toEqual(ids(fromSendgridEvents(fixture('sendgrid/events.json'), ctx)));
    expect(ids(fromGenericEvents(fixture('generic/sendfleet-batch.json'), later))).toEqual(ids(fromGenericEvents(fixture('generic/sendfleet-batch.json'), ctx)));
  });

  it('and for one SES bounce arriving both as an identity notification and as a published event', () => {
    const notification = fixture('ses/notification-bounce-permanent-general.json') as Record<string, unknown>;
    const { notificationType, ...rest } = notification;
    const published = { eventType: notificationType, ...rest };
    expect(fromSesNotification(published, ctx).map((e) => e.event_id)).toEqual(fromSesNotification(notification, ctx).map((e) => e.event_id));
  });

  it('but distinct events get distinct ids', () => {
    const base = fixture('ses/event-delivery-delay.json') as { deliveryDelay: Record<string, unknown> };
    const next = { ...base, deliveryDelay: { ...base.deliveryDelay, timestamp: '2026-11-21T09:50:00.000Z' } };
    expect(fromSesNotification(next, ctx)[0]?.event_id).not.toBe(fromSesNotification(base, ctx)[0]?.event_id);
    const other = fromResendWebhook(fixture('resend/email.bounced.json'), { ...ctx, deliveryId: 'msg_other' });
    expect(other[0]?.event_id).not.toBe(fromResendWebhook(fixture('resend/email.bounced.json'), ctx)[0]?.event_id);
  });
});

describe('bad shapes are FeedbackErrors (400) with clear messages', () => {
  const bounce = fixture('ses/notification-bounce-permanent-general.json') as Record<string, unknown>;
  const resend = fixture('resend/email.bounced.json') as Record<string, unknown>;
  const cases: [string, () => unknown, RegExp][] = [
    ['SES: not an object', () => fromSesNotification([], ctx), /the body is not a JSON object/],
    ['SES: no type', () => fromSesNotification({ mail: {} }, ctx), /neither eventType nor notificationType/],
    ['SES: no mail', () => fromSesNotification({ notificationType: 'Bounce', bounce: bounce.bounce }, ctx), /mail is not a JSON object/],
    ['SES: no messageId', () => fromSesNotification({ ...bounce, mail: {} }, ctx), /mail\.messageId/],
    ['SES: recipients not a list', () => fromSesNotification({ ...bounce, bounce: { ...(bounce.bounce as object), bouncedRecipients: 'x' } }, ctx), /bounce\.bouncedRecipients is not a list/],
    ['SES: bad time', () => fromSesNotification({ ...bounce, bounce: { ...(bounce.bounce as object), timestamp: 'soon' } }, ctx), /bounce\.timestamp is not an ISO 8601 time/],
    ['SNS: subscription confirmation', () => fromSesNotification(snsMessage('x', { type: 'SubscriptionConfirmation' }), ctx), /SubscriptionConfirmation is not a notification/],
    ['SNS: Message not JSON', () => fromSesNotification(snsMessage('plain text'), ctx), /not JSON/],
    ['Resend: no type', () => fromResendWebhook({ data: {} }, ctx), /type is missing/],
    ['Resend: no data', () => fromResendWebhook({ type: 'email.bounced' }, ctx), /data is not a JSON object/],
    ['Resend: to not a list', () => fromResendWebhook({ ...resend, data: { ...(resend.data as object), to: 5 } }, ctx), /data\.to is not a list/],
    ['Resend: bounce not an object', () => fromResendWebhook({ ...resend, data: { ...(resend.data as object), bounce: 'x' } }, ctx), /data\.bounce is not a JSON object/],
    ['SendGrid: not an array', () => fromSendgridEvents({ event: 'bounce' }, ctx), /not a JSON array/],
    ['SendGrid: no email', () => fromSendgridEvents([{ event: 'bounce', timestamp: 1795168800 }], ctx), /event 0\.email/],
    ['SendGrid: bad timestamp', () => fromSendgridEvents([{ event: 'delivered', email: 'a@example.com', timestamp: 'now' }], ctx), /event 0\.timestamp/],
    ['SendGrid: timestamp in ms', () => fromSendgridEvents([{ event: 'delivered', email: 'a@example.com', timestamp: 1795168800000 }], ctx), /between 2000 and 2100/],
    ['generic: unknown field', () => fromGenericEvents({ ...(fixture('generic/relay-bounce.json') as object), bounceType: 'hard' }, ctx), /must NOT have additional properties 'bounceType'/],
    ['generic: unknown type', () => fromGenericEvents({ provider: 'relay', type: 'opened', timestamp: '2026-11-21T11:00:00Z', recipient: 'a@example.com' }, ctx), /\/type/],
    ['generic: bounce_type on delivered', () => fromGenericEvents({ provider: 'relay', type: 'delivered', timestamp: '2026-11-21T11:00:00Z', recipient: 'a@example.com', bounce_type: 'hard' }, ctx), /bounce_type is only for type bounced/],
    ['generic: code on deferred', () => fromGenericEvents({ provider: 'relay', type: 'deferred', timestamp: '2026-11-21T11:00:00Z', recipient: 'a@example.com', code: 'network.timeout' }, ctx), /code is not allowed/],
    ['generic: unknown code', () => fromGenericEvents({ provider: 'relay', type: 'rejected', timestamp: '2026-11-21T11:00:00Z', recipient: 'a@example.com', code: 'made.up' }, ctx), /\/code/],
    ['generic: bad time', () => fromGenericEvents([{ provider: 'relay', type: 'delivered', timestamp: '21/11/2026', recipient: 'a@example.com' }], ctx), /event 0\.timestamp/],
    ['generic: too many', () => fromGenericEvents(Array.from({ length: 10_001 }, () => ({})), ctx), /more than 10000 events/],
  ];

  it.each(cases)('%s', (_name, run, message) => {
    let thrown: unknown;
    try {
      run();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(FeedbackError);
    expect((thrown as FeedbackError).status).toBe(400);
    expect((thrown as FeedbackError).message).toMatch(message);
    expect((thrown as FeedbackError).message).not.toMatch(/@/);
  });

  it('unknown event types are not errors: they give no events', () => {
    expect(fromSesNotification({ eventType: 'SomethingNew', mail: {} }, ctx)).toEqual([]);
    expect(fromResendWebhook({ type: 'domain.updated', created_at: 'x', data: {} }, ctx)).toEqual([]);
    expect(fromSendgridEvents([{ event: 'machine_opened' }], ctx)).toEqual([]);
  });
});
