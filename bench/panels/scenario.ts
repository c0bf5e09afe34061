/**
 * The bench store's population, as data: who sends, through which provider,
 * how often it fails and with which code, what feedback comes back, and the
 * incidents. bench/panels/fill.ts renders these tables into SQL; nothing here
 * knows SQL.
 */
import { ALL_CODES, CATEGORIES, categoryOf, defaultRetryFor } from '../../src/normalize/index.js';
import type { Category, ErrorCode, ProviderId } from '../../src/normalize/index.js';

export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** The history the store holds, ending at the fill's `now`. */
export const HISTORY_MS = 30 * DAY_MS;

/** Feedback events per send event. */
export const DELIVERIES_PER_SEND = 0.7;

/**
 * Tenants. A workspace's rank r (0 = largest) is ⌊COUNT · u^SKEW⌋ for a
 * uniform u, so P(rank < x) = (x / COUNT)^(1/SKEW): with SKEW 4 the top 1%
 * (20 workspaces) send about 32% of the mail, the top 10% about 56%, and the
 * smallest still a few events per million.
 */
export const WORKSPACES = { count: 2_000, skew: 4 } as const;

/**
 * 500 sender domains. The largest workspaces own several, the next ones one
 * each, and the long tail sends from the platform's shared domains (as small
 * tenants of a multi-tenant sender do before they verify their own).
 */
export const SENDER_DOMAINS = {
  /** Ranks below this own `prefixes.length` domains each: `<prefix>.<workspace>.example`. */
  multiDomainRanks: 50,
  prefixes: ['mail', 'news', 'notify'],
  /** Ranks below this (and above the previous) own `mail.<workspace>.example`. */
  singleDomainRanks: 350,
  /** The rest send from `s<k>.platform-mail.example`, k = rank mod this. */
  sharedDomains: 50,
} as const;

export const DOMAIN_COUNT = SENDER_DOMAINS.multiDomainRanks * SENDER_DOMAINS.prefixes.length + (SENDER_DOMAINS.singleDomainRanks - SENDER_DOMAINS.multiDomainRanks) + SENDER_DOMAINS.sharedDomains;

export const workspaceName = (rank: number): string => `ws-${String(rank).padStart(4, '0')}`;

/** Each sender domain sends through a primary provider (by a hash of its name), and fails over to a second one for this share of its sends. */
export const FAILOVER_SHARE = 0.1;

/** How the domains' providers are spread: a few big ones and a tail, every provider of the contract present. */
export const PROVIDER_WEIGHTS: readonly (readonly [ProviderId, number])[] = [
  ['ses', 0.3],
  ['sendgrid', 0.18],
  ['mailgun', 0.14],
  ['postmark', 0.1],
  ['resend', 0.1],
  ['sendfleet', 0.07],
  ['scaisend', 0.05],
  ['relay', 0.03],
  ['smtp', 0.03],
];

/** Providers whose throttling and quota answers carry a Retry-After (SES and the SMTP paths do not). */
export const RETRY_AFTER_PROVIDERS: readonly ProviderId[] = ['resend', 'sendfleet', 'scaisend', 'sendgrid', 'mailgun', 'postmark'];
export const RETRY_AFTER_MS: readonly number[] = [1_000, 2_000, 5_000, 30_000, 60_000];

/** Feedback of SendGrid-style providers carries no sender domain. */
export const FEEDBACK_WITHOUT_SENDER_DOMAIN: readonly ProviderId[] = ['sendgrid', 'scaisend'];

export const SERVICES = ['checkout', 'notifications', 'billing', 'marketing', 'auth', 'digest'] as const;
export const STAGING_SHARE = 0.03;

/** Operations and their shares; only the send operations address recipients. */
export const OPERATION_WEIGHTS = [
  ['send', 0.87],
  ['send_batch', 0.1],
  ['domain_verify', 0.005],
  ['domain_manage', 0.005],
  ['webhook_manage', 0.005],
  ['template_manage', 0.005],
  ['suppression_manage', 0.005],
  ['other', 0.005],
] as const;
/** A batch send addresses 2 to 2 + this − 1 recipients. */
export const BATCH_RECIPIENTS = 49;

/** Retries: this share of attempts is attempt 2 or later, and this share attempt 3. */
export const RETRIED_SHARE = 0.08;
export const THIRD_ATTEMPT_SHARE = 0.02;

/** Recipients: a pool of addresses (a third of the sends, at least 20,000), hashed with the real HMAC-SHA256 under the bench's key. */
export const RECIPIENT_POOL = { perSend: 1 / 3, min: 20_000 } as const;
/** A fixed key for generated data, not a secret: the hashes only have to look (and size) like real ones. */
export const BENCH_RECIPIENT_KEY = 'sendlens-bench-recipient-key-0123456789';
/** Recipients' domains: consumer mailboxes by weight, the rest company mailboxes `corp<k>.example` spread evenly. */
export const RECIPIENT_DOMAINS = {
  consumer: [
    ['gmail.com', 0.34],
    ['outlook.com', 0.1],
    ['yahoo.com', 0.08],
    ['hotmail.com', 0.06],
    ['icloud.com', 0.06],
    ['aol.com', 0.02],
    ['proton.me', 0.02],
    ['gmx.de', 0.02],
    ['web.de', 0.02],
    ['comcast.net', 0.03],
  ] as readonly (readonly [string, number])[],
  corporateShare: 0.25,
  corporateDomains: 100,
} as const;

/** Share of attempts that fail (before incidents). */
export const FAILURE_SHARE = 0.1;

/** How failures spread over the categories; within a category its codes share equally, so every code of the taxonomy occurs. */
const CATEGORY_WEIGHTS: Record<Category, number> = {
  throttling: 28,
  recipient: 12,
  provider: 10,
  network: 9,
  suppression: 8,
  validation: 8,
  quota: 4,
  auth: 4,
  sender: 4,
  content: 4,
  account: 3,
  unknown: 2,
  idempotency: 2,
  not_found: 1,
  conflict: 1,
};

/**
 * Codes only incidents produce: one suspension error puts a sender at risk,
 * so a background rate of them would put every sender there.
 */
export const INCIDENT_ONLY_CODES: readonly ErrorCode[] = ['account.sending_suspended', 'account.suspended'];

export const FAILURE_CODE_WEIGHTS: readonly (readonly [ErrorCode, number])[] = ALL_CODES.filter((code) => !INCIDENT_ONLY_CODES.includes(code)).map((code) => {
  const category = categoryOf(code);
  const background = CATEGORIES[category].filter((reason) => !INCIDENT_ONLY_CODES.includes(`${category}.${reason}` as ErrorCode));
  return [code, CATEGORY_WEIGHTS[category] / background.length] as const;
});

export const RETRY_BY_CODE: readonly (readonly [ErrorCode, string])[] = ALL_CODES.map((code) => [code, defaultRetryFor(code)] as const);

/** HTTP status of a failure by category (network failures have none). */
export const STATUS_BY_CATEGORY: Readonly<Record<Category, number | null>> = {
  auth: 401,
  account: 403,
  sender: 403,
  recipient: 422,
  suppression: 422,
  validation: 422,
  content: 422,
  idempotency: 409,
  not_found: 404,
  conflict: 409,
  throttling: 429,
  quota: 429,
  provider: 503,
  network: null,
  unknown: 400,
};

/** Send-side incidents: within [now − fromAgo, now − toAgo), where the condition holds, `share` of attempts fail with `code`. */
export interface SendIncident {
  name: string;
  /** A column of the scenario and the value it must have. */
  column: 'provider' | 'sender_domain' | 'workspace';
  value: string;
  fromAgoMs: number;
  toAgoMs: number;
  code: ErrorCode;
  share: number;
}

export const SEND_INCIDENTS: readonly SendIncident[] = [
  { name: 'throttling burst', column: 'provider', value: 'ses', fromAgoMs: 6 * HOUR_MS, toAgoMs: 5 * HOUR_MS, code: 'throttling.rate_limited', share: 0.5 },
  { name: 'suspension', column: 'sender_domain', value: `mail.${workspaceName(20)}.example`, fromAgoMs: 2 * HOUR_MS, toAgoMs: 0, code: 'account.sending_suspended', share: 1 },
  { name: 'account suspended', column: 'workspace', value: workspaceName(1500), fromAgoMs: 3 * DAY_MS, toAgoMs: 2 * DAY_MS, code: 'account.suspended', share: 1 },
  { name: 'quota exhausted', column: 'workspace', value: workspaceName(3), fromAgoMs: 25 * MINUTE_MS, toAgoMs: 0, code: 'quota.daily_exceeded', share: 0.3 },
];

/**
 * Kinds of feedback with their shares and what the event then carries. A
 * feedback event follows a send (its workspace, domain, provider, recipient
 * and message) by a few seconds to ten minutes.
 */
export interface FeedbackKind {
  kind: string;
  share: number;
  outcome: 'delivered' | 'bounced' | 'complained' | 'deferred' | 'rejected' | 'suppressed';
  bounceType: '' | 'hard' | 'soft' | 'undetermined';
  providerType: string;
  providerBounceType: string;
  bounceSubtype: string;
  smtpStatus: string;
  smtpCode: number | null;
  code: ErrorCode | '';
  diagnostic: string;
}

export const FEEDBACK_KINDS: readonly FeedbackKind[] = [
  { kind: 'delivered', share: 0.9, outcome: 'delivered', bounceType: '', providerType: 'delivered', providerBounceType: '', bounceSubtype: '', smtpStatus: '2.0.0', smtpCode: 250, code: '', diagnostic: '' },
  { kind: 'hard', share: 0.012, outcome: 'bounced', bounceType: 'hard', providerType: 'bounce', providerBounceType: 'Permanent', bounceSubtype: 'General', smtpStatus: '5.1.1', smtpCode: 550, code: 'recipient.invalid_address', diagnostic: 'smtp; 550 5.1.1 user unknown' },
  { kind: 'soft', share: 0.012, outcome: 'bounced', bounceType: 'soft', providerType: 'bounce', providerBounceType: 'Transient', bounceSubtype: 'MailboxFull', smtpStatus: '4.2.2', smtpCode: 452, code: 'recipient.mailbox_full', diagnostic: 'smtp; 452 4.2.2 mailbox full' },
  { kind: 'undetermined', share: 0.003, outcome: 'bounced', bounceType: 'undetermined', providerType: 'bounce', providerBounceType: 'Undetermined', bounceSubtype: '', smtpStatus: '', smtpCode: null, code: '', diagnostic: '' },
  { kind: 'complained', share: 0.0006, outcome: 'complained', bounceType: '', providerType: 'spamreport', providerBounceType: '', bounceSubtype: '', smtpStatus: '', smtpCode: null, code: '', diagnostic: '' },
  { kind: 'deferred', share: 0.05, outcome: 'deferred', bounceType: '', providerType: 'deferred', providerBounceType: '', bounceSubtype: '', smtpStatus: '4.7.1', smtpCode: 421, code: '', diagnostic: 'smtp; 421 4.7.1 try again later' },
  { kind: 'rejected', share: 0.006, outcome: 'rejected', bounceType: '', providerType: 'dropped', providerBounceType: '', bounceSubtype: '', smtpStatus: '5.7.1', smtpCode: 554, code: 'content.spam_rejected', diagnostic: 'smtp; 554 5.7.1 message rejected as spam' },
  { kind: 'suppressed', share: 0.0164, outcome: 'suppressed', bounceType: '', providerType: 'dropped', providerBounceType: '', bounceSubtype: '', smtpStatus: '', smtpCode: null, code: 'suppression.recipient_suppressed', diagnostic: '' },
];

/** Feedback incident: within the window, for the domain's sends, these kinds take these shares first (a bounce and complaint spike). */
export const FEEDBACK_INCIDENT = {
  name: 'bounce spike',
  // Its provider (by the hash of its name) is one whose feedback names the sender domain.
  senderDomain: `notify.${workspaceName(7)}.example`,
  fromAgoMs: DAY_MS,
  toAgoMs: 0,
  shares: [
    ['hard', 0.15],
    ['complained', 0.006],
  ] as const,
} as const;
