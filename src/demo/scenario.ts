import type { ProviderId } from '../normalize/index.js';

/**
 * The demo's week, as data: who sends through which provider, how each
 * provider answers on a normal day, and the incidents. Every canned answer is
 * in the provider's own format (status, headers, body as its API sends it);
 * test/demo checks that each one normalizes to the code named beside it.
 */

export interface CannedAnswer {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
  /** The normalized code the catalog must give this answer; null for a success. */
  code: string | null;
}

/** One sender: a workspace's domain sending through one provider. */
export interface Route {
  workspace: string;
  senderDomain: string;
  provider: DemoProviderId;
  /** Share of all sends. */
  weight: number;
}

export const ROUTES: readonly Route[] = [
  { workspace: 'acme', senderDomain: 'mail.acme.example', provider: 'ses', weight: 0.24 },
  { workspace: 'acme', senderDomain: 'news.acme.example', provider: 'resend', weight: 0.2 },
  { workspace: 'globex', senderDomain: 'billing.globex.example', provider: 'sendfleet', weight: 0.15 },
  { workspace: 'globex', senderDomain: 'alerts.globex.example', provider: 'relay', weight: 0.15 },
  { workspace: 'initech', senderDomain: 'tx.initech.example', provider: 'scaisend', weight: 0.15 },
  { workspace: 'initech', senderDomain: 'hello.initech.example', provider: 'resend', weight: 0.11 },
];

export const RECIPIENT_DOMAINS = ['gmail.example', 'outlook.example', 'yahoo.example', 'icloud.example', 'corp.example', 'proton.example'] as const;

/** The providers the demo simulates (smtp, sendgrid, mailgun and postmark are not in it yet). */
export type DemoProviderId = Extract<ProviderId, 'relay' | 'sendfleet' | 'ses' | 'scaisend' | 'resend'>;

/** Each provider's send endpoint, request body and success answer. */
export interface ProviderApi {
  path: string;
  body(from: string, to: string, messageId: string): unknown;
  success(providerMessageId: string): CannedAnswer;
}

export const PROVIDER_APIS: Record<DemoProviderId, ProviderApi> = {
  relay: {
    path: '/v1/send',
    body: (from, to, id) => ({ from, to: [to], subject: 'Your receipt', html: '<p>Thanks</p>', metadata: { message_id: id } }),
    success: (id) => ({ status: 202, body: { id, status: 'queued' }, code: null }),
  },
  sendfleet: {
    path: '/api/v1/send/',
    body: (from, to, id) => ({ from_email: from, to: [to], subject: 'Invoice', html: '<p>Invoice</p>', reference: id }),
    success: (id) => ({ status: 200, body: { success: true, message_id: id }, code: null }),
  },
  ses: {
    path: '/v2/email/outbound-emails',
    body: (from, to) => ({ FromEmailAddress: from, Destination: { ToAddresses: [to] }, Content: { Simple: { Subject: { Data: 'Sign-in code' }, Body: { Text: { Data: '123456' } } } } }),
    success: (id) => ({ status: 200, body: { MessageId: id }, code: null }),
  },
  scaisend: {
    path: '/v3/mail/send',
    body: (from, to) => ({ from: { email: from }, personalizations: [{ to: [{ email: to }] }], subject: 'Shipping update', content: [{ type: 'text/plain', value: 'On its way' }] }),
    success: () => ({ status: 202, body: '', code: null }),
  },
  resend: {
    path: '/emails',
    body: (from, to) => ({ from, to: [to], subject: 'Weekly digest', html: '<p>Digest</p>' }),
    success: (id) => ({ status: 200, body: { id }, code: null }),
  },
};

const SES_XML = (code: string, message: string) =>
  `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>3d2e1f0a-5b6c-11e6-8f4f-3b1a2c5d7e9f</RequestId></ErrorResponse>`;

/** Answers of the incidents and of a normal day's small failure rate, by name. */
export const ANSWERS = {
  sesThrottled: { status: 400, headers: { 'content-type': 'text/xml' }, body: SES_XML('Throttling', 'Maximum sending rate exceeded.'), code: 'throttling.rate_limited' },
  sesInvalidParameter: { status: 400, headers: { 'content-type': 'text/xml' }, body: SES_XML('InvalidParameterValue', 'Missing final @domain'), code: 'validation.invalid_fields' },
  resendDailyQuota: {
    status: 429,
    headers: { 'ratelimit-limit': '2', 'ratelimit-remaining': '0', 'ratelimit-reset': '1' },
    body: { statusCode: 429, name: 'daily_quota_exceeded', message: 'You have reached your daily email sending quota.' },
    code: 'quota.daily_exceeded',
  },
  resendRateLimited: { status: 429, headers: { 'retry-after': '1' }, body: { statusCode: 429, name: 'rate_limit_exceeded', message: 'Too many requests. You can only make 2 requests per second.' }, code: 'throttling.rate_limited' },
  resendValidation: { status: 422, body: { statusCode: 422, name: 'validation_error', message: 'Invalid `to` field. The email address needs to follow the `email@example.com` format.' }, code: 'validation.invalid_fields' },
  sendfleetSuppressed: { status: 422, body: { success: false, error: 'recipient_suppressed', detail: 'jane.doe@gmail.example is on your suppression list.' }, code: 'suppression.recipient_suppressed' },
  sendfleetSuspended: { status: 403, body: { success: false, error: 'sending_suspended', detail: "Your account's API sending has been suspended." }, code: 'account.sending_suspended' },
  sendfleetThrottled: { status: 429, headers: { 'Retry-After': '7' }, body: { detail: 'Request was throttled. Expected available in 7 seconds.' }, code: 'throttling.rate_limited' },
  scaisendJwtExpired: { status: 401, body: { detail: 'JWT expired' }, code: 'auth.token_expired' },
  scaisendTemplate: { status: 400, body: { errors: [{ message: 'template_id must start with d-', field: 'template_id', help: null }] }, code: 'validation.invalid_fields' },
  relayUnavailable: { status: 503, body: { error: { code: 'provider_unavailable', message: 'AWS SES upstream returned 5xx.' } }, code: 'provider.unavailable' },
  relayRateLimited: { status: 429, headers: { 'retry-after': '20' }, body: { error: { code: 'rate_limited', message: 'Per-workspace plan limit reached.' } }, code: 'throttling.rate_limited' },
  relayDomainNotVerified: { status: 422, body: { error: { code: 'domain_not_verified', message: 'The sender domain has not been verified yet.' } }, code: 'sender.domain_not_verified' },
} as const satisfies Record<string, CannedAnswer>;

export type AnswerName = keyof typeof ANSWERS;

/** A normal day's failures per provider: the share of attempts given each answer. */
export const BACKGROUND_FAILURES: Record<DemoProviderId, readonly { answer: AnswerName; share: number }[]> = {
  ses: [
    { answer: 'sesThrottled', share: 0.004 },
    { answer: 'sesInvalidParameter', share: 0.001 },
  ],
  resend: [
    { answer: 'resendRateLimited', share: 0.004 },
    { answer: 'resendValidation', share: 0.002 },
  ],
  sendfleet: [
    { answer: 'sendfleetThrottled', share: 0.003 },
    { answer: 'sendfleetSuppressed', share: 0.002 },
  ],
  scaisend: [{ answer: 'scaisendTemplate', share: 0.002 }],
  relay: [
    { answer: 'relayRateLimited', share: 0.004 },
    { answer: 'relayDomainNotVerified', share: 0.001 },
  ],
};

/**
 * An incident: from `startHours` after the start of the week, for
 * `hours`, a share of one provider's attempts (optionally one sender's) gets
 * the answer; `ramp` grows the share linearly from 0 over the incident.
 */
export interface Incident {
  name: string;
  provider: DemoProviderId;
  senderDomain?: string;
  answer: AnswerName;
  startHours: number;
  hours: number;
  share: number;
  ramp?: boolean;
  /** The provider's traffic is this many times its usual while the incident lasts (a campaign that set it off). */
  burst?: number;
}

/** Placed on a 7-day week; a shorter `--days` scales them. */
export const INCIDENTS: readonly Incident[] = [
  // A newsletter blast at eight times the usual rate is what trips SES's sending rate.
  { name: 'SES throttling storm', provider: 'ses', answer: 'sesThrottled', startHours: 30, hours: 4, share: 0.6, burst: 8 },
  { name: 'Resend daily quota exhausted', provider: 'resend', answer: 'resendDailyQuota', startHours: 68, hours: 4, share: 1 },
  { name: 'SendFleet sends to suppressed recipients', provider: 'sendfleet', answer: 'sendfleetSuppressed', startHours: 84, hours: 14, share: 0.2, ramp: true },
  { name: 'SendFleet sending suspended', provider: 'sendfleet', answer: 'sendfleetSuspended', startHours: 98, hours: 5, share: 1 },
  { name: 'ScaiSend JWT expiry burst', provider: 'scaisend', answer: 'scaisendJwtExpired', startHours: 110, hours: 0.75, share: 1 },
  { name: 'relay provider_unavailable outage', provider: 'relay', answer: 'relayUnavailable', startHours: 130, hours: 1.5, share: 0.7 },
];

/** Provider feedback after a send that went out: rates per accepted recipient. */
export interface FeedbackRates {
  hardBounce: number;
  softBounce: number;
  complaint: number;
}

export const NORMAL_FEEDBACK: FeedbackRates = { hardBounce: 0.008, softBounce: 0.012, complaint: 0.0003 };

/**
 * The sender driven into review: for the last `hours` of the week, its hard
 * bounces run at 7.5% and complaints at 0.15% (SES's review lines are 5% and
 * 0.1%, its pause lines 10% and 0.5%).
 */
export const LIST_HYGIENE_INCIDENT = {
  name: 'news.acme.example mails an old list',
  senderDomain: 'news.acme.example',
  hours: 30,
  rates: { hardBounce: 0.075, softBounce: 0.02, complaint: 0.0015 } satisfies FeedbackRates,
};
