import type { ProviderId } from '../normalize/index.js';

/**
 * The demo's week, as data: who sends through which provider, how each
 * provider answers on a normal day, and the incidents. Every canned answer is
 * in the provider's own format (status, headers, body as its API sends it;
 * an SMTP reply as the server writes it); test/demo checks that each one
 * normalizes to the code named beside it.
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
  { workspace: 'acme', senderDomain: 'mail.acme.example', provider: 'ses', weight: 0.18 },
  { workspace: 'acme', senderDomain: 'news.acme.example', provider: 'resend', weight: 0.15 },
  { workspace: 'globex', senderDomain: 'billing.globex.example', provider: 'sendfleet', weight: 0.115 },
  { workspace: 'globex', senderDomain: 'alerts.globex.example', provider: 'relay', weight: 0.115 },
  { workspace: 'initech', senderDomain: 'tx.initech.example', provider: 'scaisend', weight: 0.115 },
  { workspace: 'initech', senderDomain: 'hello.initech.example', provider: 'resend', weight: 0.085 },
  { workspace: 'umbrella', senderDomain: 'mail.umbrella.example', provider: 'sendgrid', weight: 0.07 },
  { workspace: 'umbrella', senderDomain: 'mg.umbrella.example', provider: 'mailgun', weight: 0.06 },
  { workspace: 'hooli', senderDomain: 'account.hooli.example', provider: 'postmark', weight: 0.055 },
  { workspace: 'hooli', senderDomain: 'notify.hooli.example', provider: 'smtp', weight: 0.055 },
];

export const RECIPIENT_DOMAINS = ['gmail.example', 'outlook.example', 'yahoo.example', 'icloud.example', 'corp.example', 'proton.example'] as const;

/** The providers the demo simulates: all nine sendlens knows. */
export type DemoProviderId = Extract<ProviderId, 'relay' | 'sendfleet' | 'ses' | 'scaisend' | 'resend' | 'sendgrid' | 'mailgun' | 'postmark' | 'smtp'>;
/** The ones reached over HTTP; smtp goes through nodemailer to the demo's SMTP server (simulated-smtp.ts). */
export type HttpProviderId = Exclude<DemoProviderId, 'smtp'>;

/** What a send request is made of, in any provider's format. */
export interface SendRequest {
  from: string;
  to: string;
  messageId: string;
  workspace: string;
  senderDomain: string;
}

/** Each provider's send endpoint, request body and success answer. */
export interface ProviderApi {
  path(senderDomain: string): string;
  /** A JSON body as an object, or form fields (Mailgun's Messages API). */
  body(send: SendRequest): object | URLSearchParams;
  /** The provider's own form of its message id, from 32 random hex digits; the first 24 of them unless told. */
  providerMessageId?(hex: string, senderDomain: string): string;
  /** `request` is the request's body as sent (Postmark echoes its To). */
  success(providerMessageId: string, request: string): CannedAnswer;
}

/** Our message id and workspace travel in each provider's custom fields, and come back in its webhooks. */
const tags = (send: SendRequest) => ({ sendlens_message_id: send.messageId, sendlens_workspace: send.workspace });

const asUuid = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;

function jsonField(request: string, name: string): string {
  try {
    const value = (JSON.parse(request) as Record<string, unknown>)[name];
    return typeof value === 'string' ? value : '';
  } catch {
    return '';
  }
}

export const PROVIDER_APIS: Record<HttpProviderId, ProviderApi> = {
  relay: {
    path: () => '/v1/send',
    body: ({ from, to, messageId }) => ({ from, to: [to], subject: 'Your receipt', html: '<p>Thanks</p>', metadata: { message_id: messageId } }),
    success: (id) => ({ status: 202, body: { id, status: 'queued' }, code: null }),
  },
  sendfleet: {
    path: () => '/api/v1/send/',
    body: ({ from, to, messageId }) => ({ from_email: from, to: [to], subject: 'Invoice', html: '<p>Invoice</p>', reference: messageId }),
    success: (id) => ({ status: 200, body: { success: true, message_id: id }, code: null }),
  },
  ses: {
    path: () => '/v2/email/outbound-emails',
    body: ({ from, to }) => ({ FromEmailAddress: from, Destination: { ToAddresses: [to] }, Content: { Simple: { Subject: { Data: 'Sign-in code' }, Body: { Text: { Data: '123456' } } } } }),
    success: (id) => ({ status: 200, body: { MessageId: id }, code: null }),
  },
  scaisend: {
    path: () => '/v3/mail/send',
    body: ({ from, to }) => ({ from: { email: from }, personalizations: [{ to: [{ email: to }] }], subject: 'Shipping update', content: [{ type: 'text/plain', value: 'On its way' }] }),
    // SendGrid's v3 answer, which ScaiSend speaks: the message id in X-Message-Id.
    success: (id) => ({ status: 202, headers: { 'x-message-id': id }, body: '', code: null }),
  },
  resend: {
    path: () => '/emails',
    body: ({ from, to }) => ({ from, to: [to], subject: 'Weekly digest', html: '<p>Digest</p>' }),
    success: (id) => ({ status: 200, body: { id }, code: null }),
  },
  // SendGrid v3 Mail Send: 202 with an empty body, the message id in X-Message-Id; custom_args come back in every event.
  sendgrid: {
    path: () => '/v3/mail/send',
    body: (send) => ({ from: { email: send.from }, personalizations: [{ to: [{ email: send.to }], custom_args: tags(send) }], subject: 'Your order has shipped', content: [{ type: 'text/plain', value: 'On its way' }] }),
    providerMessageId: (hex) => Buffer.from(hex, 'hex').toString('base64url').slice(0, 22),
    success: (id) => ({ status: 202, headers: { 'x-message-id': id }, body: '', code: null }),
  },
  // Mailgun's Messages API takes form fields; `v:` variables come back as the webhook's user-variables.
  mailgun: {
    path: (senderDomain) => `/v3/${senderDomain}/messages`,
    body: (send) =>
      new URLSearchParams([
        ['from', `Umbrella <${send.from}>`],
        ['to', send.to],
        ['subject', 'Reset your password'],
        ['text', 'Follow the link to reset your password.'],
        ...Object.entries(tags(send)).map(([name, value]): [string, string] => [`v:${name}`, value]),
      ]),
    providerMessageId: (hex, senderDomain) => `20260101000000.${hex.slice(0, 16).toUpperCase()}@${senderDomain}`,
    success: (id) => ({ status: 200, body: { id: `<${id}>`, message: 'Queued. Thank you.' }, code: null }),
  },
  // Postmark's single send: {From, To, Metadata}; it answers with ErrorCode 0 and echoes To.
  postmark: {
    path: () => '/email',
    body: (send) => ({ From: send.from, To: send.to, Subject: 'Confirm your sign-in', TextBody: 'Your code is 123456', MessageStream: 'outbound', Metadata: tags(send) }),
    providerMessageId: (hex) => asUuid(hex),
    success: (id, request) => ({ status: 200, body: { To: jsonField(request, 'To'), SubmittedAt: new Date().toISOString(), MessageID: id, ErrorCode: 0, Message: 'OK' }, code: null }),
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
  // SendGrid: {"errors": [{message, field, help}]}, keyed by status and message (src/providers/sendgrid/catalog.ts).
  sendgridRateLimited: { status: 429, headers: { 'x-ratelimit-limit': '600', 'x-ratelimit-remaining': '0' }, body: { errors: [{ field: null, message: 'too many requests', help: null }] }, code: 'throttling.rate_limited' },
  sendgridInvalidTo: {
    status: 400,
    body: { errors: [{ message: 'Does not contain a valid address.', field: 'personalizations.0.to.0.email', help: 'http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#message.personalizations.to' }] },
    code: 'recipient.invalid_address',
  },
  sendgridSenderUnverified: {
    status: 403,
    body: { errors: [{ message: 'The from address does not match a verified Sender Identity. Mail cannot be sent until this error is resolved. Visit https://sendgrid.com/docs/for-developers/sending-email/sender-identity/ to see the Sender Identity requirements', field: 'from', help: null }] },
    code: 'sender.domain_not_verified',
  },
  // Mailgun: {"message": "..."} (src/providers/mailgun/catalog.ts).
  mailgunRateLimited: { status: 429, body: { message: 'Too many requests' }, code: 'throttling.rate_limited' },
  mailgunInvalidTo: { status: 400, body: { message: 'to parameter is not a valid address. please check documentation' }, code: 'recipient.invalid_address' },
  mailgunUnavailable: { status: 503, headers: { 'content-type': 'text/html' }, body: '<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>', code: 'provider.unavailable' },
  // Postmark: {"ErrorCode": n, "Message": "..."} (src/providers/postmark/catalog.ts).
  postmarkInactiveRecipient: {
    status: 422,
    body: { ErrorCode: 406, Message: "You tried to send to recipient(s) that have been marked as inactive. Found inactive addresses: user17@yahoo.example. Inactive recipients are ones that have generated a hard bounce, a spam complaint, or a manual suppression." },
    code: 'suppression.recipient_suppressed',
  },
  postmarkRateLimited: { status: 429, body: { ErrorCode: 429, Message: 'Rate limit exceeded. Please reduce the concurrency and request rate of your requests.' }, code: 'throttling.rate_limited' },
  postmarkInvalidTo: { status: 422, body: { ErrorCode: 300, Message: "Error parsing 'To': Illegal email address 'user12.gmail.example'. It must contain the '@' symbol." }, code: 'recipient.invalid_address' },
} as const satisfies Record<string, CannedAnswer>;

/**
 * An SMTP server's refusal of a message, as the demo's SMTP server answers at
 * the end of DATA: `<responseCode> <message>`, the enhanced status code
 * leading the message as real servers write it.
 */
export interface SmtpAnswer {
  responseCode: number;
  message: string;
  /** The normalized code the smtp catalog must give this reply, as nodemailer reports it. */
  code: string;
}

export const SMTP_ANSWERS = {
  // Gmail's wording for a DMARC p=reject failure, what a DNS change that breaks DKIM signing brings on.
  smtpDmarcRejected: {
    responseCode: 550,
    message:
      "5.7.26 Unauthenticated email from notify.hooli.example is not accepted due to domain's DMARC policy. Please contact the administrator of notify.hooli.example domain if this was a legitimate mail. To learn about the DMARC initiative, go to https://support.google.com/mail/?p=DmarcRejection 5a478bee46e88-2b0e5c1d4f3si1234567eaf.418 - gsmtp",
    code: 'sender.authentication_failed',
  },
  // Rspamd's greylisting answer at the end of DATA: the first try is refused on purpose, a retry gets through.
  smtpGreylisted: { responseCode: 451, message: '4.7.1 Greylisting in action, please come back later', code: 'throttling.greylisted' },
  smtpUserUnknown: { responseCode: 550, message: "5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces.", code: 'recipient.invalid_address' },
  smtpMailboxFull: { responseCode: 452, message: '4.2.2 The email account that you tried to reach is over quota.', code: 'recipient.mailbox_full' },
} as const satisfies Record<string, SmtpAnswer>;

export type HttpAnswerName = keyof typeof ANSWERS;
export type SmtpAnswerName = keyof typeof SMTP_ANSWERS;
export type AnswerName = HttpAnswerName | SmtpAnswerName;

/** The code the scenario says an answer normalizes to. */
export function codeOf(answer: AnswerName): string {
  return answer in SMTP_ANSWERS ? SMTP_ANSWERS[answer as SmtpAnswerName].code : ANSWERS[answer as HttpAnswerName].code;
}

/** A share of a provider's attempts given an answer; only those to `recipientDomain` when set. */
export interface FailureShare {
  answer: AnswerName;
  share: number;
  recipientDomain?: string;
}

/** A normal day's failures per provider: the share of attempts given each answer. */
export const BACKGROUND_FAILURES: Record<DemoProviderId, readonly FailureShare[]> = {
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
  sendgrid: [
    { answer: 'sendgridRateLimited', share: 0.003 },
    { answer: 'sendgridInvalidTo', share: 0.002 },
  ],
  mailgun: [
    { answer: 'mailgunInvalidTo', share: 0.002 },
    { answer: 'mailgunUnavailable', share: 0.001 },
  ],
  postmark: [
    { answer: 'postmarkInvalidTo', share: 0.002 },
    { answer: 'postmarkRateLimited', share: 0.002 },
  ],
  // Talking SMTP straight to the recipient's server, bounces come back as the send's own reply: SMTP has no webhooks.
  smtp: [
    { answer: 'smtpUserUnknown', share: 0.008 },
    { answer: 'smtpMailboxFull', share: 0.004 },
  ],
};

/**
 * An incident: from `startHours` after the start of the week, for
 * `hours`, a share of one provider's attempts (optionally one sender's, or
 * one recipient domain's) gets the answer; `ramp` grows the share linearly
 * from 0 over the incident.
 */
export interface Incident {
  name: string;
  provider: DemoProviderId;
  senderDomain?: string;
  recipientDomain?: string;
  answer: AnswerName;
  startHours: number;
  hours: number;
  share: number;
  ramp?: boolean;
  /** The provider's traffic is this many times its usual while the incident lasts (a campaign that set it off). */
  burst?: number;
  /** Only a send's first attempt gets the answer, its retries go through (greylisting). */
  firstAttemptOnly?: boolean;
}

/** Placed on a 7-day week; a shorter `--days` scales them. */
export const INCIDENTS: readonly Incident[] = [
  // The SMTP relay's new IP is unknown to corp.example's greylisting until it whitelists it a day later:
  // every first try is deferred, the retry accepted.
  { name: 'corp.example greylists the SMTP relay', provider: 'smtp', recipientDomain: 'corp.example', answer: 'smtpGreylisted', startHours: 8, hours: 30, share: 1, firstAttemptOnly: true },
  // A newsletter blast at eight times the usual rate is what trips SES's sending rate.
  { name: 'SES throttling storm', provider: 'ses', answer: 'sesThrottled', startHours: 30, hours: 4, share: 0.6, burst: 8 },
  // Someone deleted the verified Sender Identity: every send from that address is refused until it is verified again.
  { name: 'SendGrid sender identity deleted', provider: 'sendgrid', senderDomain: 'mail.umbrella.example', answer: 'sendgridSenderUnverified', startHours: 44, hours: 3, share: 1 },
  // A DNS change dropped the DKIM key: Gmail refuses the domain's mail under its DMARC p=reject until it is put back.
  { name: 'notify.hooli.example fails DMARC at Gmail after a DNS change', provider: 'smtp', senderDomain: 'notify.hooli.example', recipientDomain: 'gmail.example', answer: 'smtpDmarcRejected', startHours: 52, hours: 8, share: 1 },
  // A campaign at five times the usual rate runs into Mailgun's rate limit.
  { name: 'Mailgun rate limit during a campaign', provider: 'mailgun', answer: 'mailgunRateLimited', startHours: 60, hours: 2, share: 0.5, burst: 5 },
  { name: 'Resend daily quota exhausted', provider: 'resend', answer: 'resendDailyQuota', startHours: 68, hours: 4, share: 1 },
  { name: 'SendFleet sends to suppressed recipients', provider: 'sendfleet', answer: 'sendfleetSuppressed', startHours: 84, hours: 14, share: 0.2, ramp: true },
  { name: 'SendFleet sending suspended', provider: 'sendfleet', answer: 'sendfleetSuspended', startHours: 98, hours: 5, share: 1 },
  { name: 'ScaiSend JWT expiry burst', provider: 'scaisend', answer: 'scaisendJwtExpired', startHours: 110, hours: 0.75, share: 1 },
  // An imported list full of addresses Postmark deactivated earlier (hard bounces, complaints).
  { name: 'Postmark inactive recipients after a list import', provider: 'postmark', answer: 'postmarkInactiveRecipient', startHours: 116, hours: 10, share: 0.25, ramp: true },
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
