import type { ClickHouseClient } from '@clickhouse/client';
import { deliveryEventId, RecipientHasher, validateDeliveryEvent, validateSendEvent } from '../../src/events/index.js';
import type { DeliveryEvent, SendEvent } from '../../src/events/index.js';
import type { OtelTraceRow } from '../../src/ingest/index.js';
import { categoryOf, defaultRetryFor } from '../../src/normalize/index.js';
import type { ErrorCode, ProviderId } from '../../src/normalize/index.js';

/**
 * Realistic sendlens data for tests that need a populated store: send
 * attempts with their normalized failures, provider feedback, and optionally
 * the attempts' spans, inserted into the raw tables so the materialized
 * views fill the rollups exactly as the loader's inserts do.
 *
 *   const data = generateData({ minutes: 120 });   // pure: the same seed gives the same events
 *   await insertGeneratedData(client, data);       // email_send_events, email_delivery_events, otel_traces
 *
 * The scenario is `SENDERS`: six senders in four workspaces over the five
 * providers, each with its own failure mix. Every send event passes
 * `validateSendEvent` and every delivery event `validateDeliveryEvent`
 * (generation throws otherwise). What tests can count on:
 *   - acme/mail.acme.com (ses) and acme/news.acme.com (sendfleet) are healthy; sendfleet hits its daily quota;
 *   - globex/notify.globex.io (resend) is throttled with Retry-After and sends to suppressed recipients;
 *   - globex/globex.io (relay) runs in staging;
 *   - initech/mail.initech.dev (scaisend) gets account.sandbox_restricted errors, and its feedback
 *     carries no sender domain (SendGrid-style events never do);
 *   - umbrella/umbrella.example (ses) bounces ~12% hard and draws ~0.7% complaints, and is suspended
 *     (account.sending_suspended) in its last ten minutes.
 * Feedback arrives within a minute of its send; `redeliveries` delivery events are inserted twice
 * (a webhook delivered again), which the rollups must count once.
 */

export interface Sender {
  workspace: string;
  senderDomain: string;
  provider: ProviderId;
  environment: string;
  service: string;
  /** Messages started per minute. */
  perMinute: number;
  /** Failure probability of each code, per attempt. */
  failures: Partial<Record<ErrorCode, number>>;
  /** Per accepted recipient: hard and soft bounce, complaint (after delivery), provider-side suppression. */
  feedback: { hard: number; soft: number; complaint: number; suppressed: number };
}

export const SENDERS: readonly Sender[] = [
  {
    workspace: 'acme',
    senderDomain: 'mail.acme.com',
    provider: 'ses',
    environment: 'production',
    service: 'checkout',
    perMinute: 12,
    failures: { 'throttling.rate_limited': 0.03, 'provider.unavailable': 0.005, 'recipient.invalid_address': 0.005, 'suppression.recipient_suppressed': 0.003 },
    feedback: { hard: 0.01, soft: 0.02, complaint: 0.0004, suppressed: 0.002 },
  },
  {
    workspace: 'acme',
    senderDomain: 'news.acme.com',
    provider: 'sendfleet',
    environment: 'production',
    service: 'newsletter',
    perMinute: 6,
    failures: { 'quota.daily_exceeded': 0.04, 'throttling.rate_limited': 0.02, 'validation.invalid_fields': 0.005 },
    feedback: { hard: 0.015, soft: 0.03, complaint: 0.0008, suppressed: 0.003 },
  },
  {
    workspace: 'globex',
    senderDomain: 'notify.globex.io',
    provider: 'resend',
    environment: 'production',
    service: 'notifications',
    perMinute: 8,
    failures: { 'throttling.rate_limited': 0.08, 'suppression.recipient_suppressed': 0.02, 'network.timeout': 0.005, 'quota.monthly_exceeded': 0.005 },
    feedback: { hard: 0.02, soft: 0.01, complaint: 0.0005, suppressed: 0.01 },
  },
  {
    workspace: 'globex',
    senderDomain: 'globex.io',
    provider: 'relay',
    environment: 'staging',
    service: 'notifications',
    perMinute: 3,
    failures: { 'network.connection_failed': 0.02, 'provider.internal_error': 0.01 },
    feedback: { hard: 0.01, soft: 0.01, complaint: 0, suppressed: 0 },
  },
  {
    workspace: 'initech',
    senderDomain: 'mail.initech.dev',
    provider: 'scaisend',
    environment: 'production',
    service: 'billing',
    perMinute: 5,
    failures: { 'account.sandbox_restricted': 0.03, 'throttling.rate_limited': 0.04, 'sender.domain_not_verified': 0.005 },
    feedback: { hard: 0.02, soft: 0.02, complaint: 0.001, suppressed: 0.005 },
  },
  {
    workspace: 'umbrella',
    senderDomain: 'umbrella.example',
    provider: 'ses',
    environment: 'production',
    service: 'marketing',
    perMinute: 6,
    failures: { 'throttling.rate_limited': 0.02, 'suppression.recipient_suppressed': 0.01 },
    feedback: { hard: 0.12, soft: 0.03, complaint: 0.007, suppressed: 0.01 },
  },
];

/** The sender suspended in its last minutes, and for how long. */
export const SUSPENDED = { senderDomain: 'umbrella.example', lastMinutes: 10 } as const;

export interface GenerateOptions {
  /** The end of the generated period (exclusive), floored to the minute. Default: now. */
  end?: Date;
  /** Length of the period in minutes. Default: 120. */
  minutes?: number;
  /** Seed of every random choice: the same seed and period give the same events. Default: 1. */
  seed?: number;
  /** Also generate `otel_traces` rows: a root span per message and a CLIENT span per attempt. Default: true. */
  spans?: boolean;
}

export interface GeneratedData {
  /** The period: events occur in [from, to). */
  from: Date;
  to: Date;
  sends: SendEvent[];
  /** Distinct delivery events (what the rollups count). */
  deliveries: DeliveryEvent[];
  /** How many of `deliveries` are inserted a second time, as a redelivered webhook. */
  redeliveries: number;
  spans: OtelTraceRow[];
}

/** The key recipient hashes are made with, so a test can hash an address the way the data did. */
export const GENERATED_RECIPIENT_KEY = 'generated-data-key-0123456789';

const STATUS: Partial<Record<string, number>> = {
  throttling: 429,
  quota: 429,
  account: 403,
  auth: 401,
  suppression: 422,
  recipient: 422,
  validation: 422,
  sender: 403,
  provider: 503,
};

/** Retry-After as each provider's API gives it (SES and relay send none). */
const RETRY_AFTER: Partial<Record<ProviderId, readonly number[]>> = {
  resend: [1_000, 1_000, 2_000, 5_000, 30_000],
  sendfleet: [2_000, 10_000, 60_000],
  scaisend: [1_000, 3_000, 15_000],
};

/** How each provider names the event types (delivery-event `provider_type`). */
const PROVIDER_TYPES: Record<ProviderId, Record<'delivered' | 'bounced' | 'complained' | 'suppressed', string>> = {
  ses: { delivered: 'Delivery', bounced: 'Bounce', complained: 'Complaint', suppressed: 'Bounce' },
  resend: { delivered: 'email.delivered', bounced: 'email.bounced', complained: 'email.complained', suppressed: 'email.suppressed' },
  scaisend: { delivered: 'delivered', bounced: 'bounce', complained: 'spamreport', suppressed: 'dropped' },
  relay: { delivered: 'delivered', bounced: 'bounced', complained: 'complained', suppressed: 'suppressed' },
  sendfleet: { delivered: 'delivered', bounced: 'bounced', complained: 'complained', suppressed: 'suppressed' },
  // SMTP feedback is a DSN (RFC 3464): its Action field names the outcome.
  smtp: { delivered: 'delivered', bounced: 'failed', complained: 'abuse', suppressed: 'failed' },
  sendgrid: { delivered: 'delivered', bounced: 'bounce', complained: 'spamreport', suppressed: 'dropped' },
  mailgun: { delivered: 'delivered', bounced: 'failed', complained: 'complained', suppressed: 'failed' },
  postmark: { delivered: 'Delivery', bounced: 'Bounce', complained: 'SpamComplaint', suppressed: 'Bounce' },
};

/** mulberry32: small, fast and good enough to pick events; seeded so runs repeat. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const hex = (random: () => number, chars: number) => Array.from({ length: chars }, () => Math.floor(random() * 16).toString(16)).join('');

/** A UUIDv7 with its time bits at `ms` and its random bits from `random`, so a seed gives the same ids. */
function seededUuidv7(ms: number, random: () => number): string {
  const time = Math.floor(ms).toString(16).padStart(12, '0');
  const variant = (8 + Math.floor(random() * 4)).toString(16);
  return `${time.slice(0, 8)}-${time.slice(8)}-7${hex(random, 3)}-${variant}${hex(random, 3)}-${hex(random, 12)}`;
}

const iso = (ms: number) => new Date(ms).toISOString();
/** DateTime64(9) as otel_traces rows carry it: seconds, then nine fraction digits. */
const nanoTimestamp = (ms: number) => `${Math.floor(ms / 1000)}.${String(Math.round((ms % 1000) * 1e6)).padStart(9, '0')}`;

function pickCode(random: () => number, failures: Sender['failures']): ErrorCode | null {
  let roll = random();
  for (const [code, p] of Object.entries(failures) as [ErrorCode, number][]) {
    if (roll < p) return code;
    roll -= p;
  }
  return null;
}

/** Generates the scenario's events for the period; throws if any event breaks its contract. */
export function generateData(options: GenerateOptions = {}): GeneratedData {
  const minutes = options.minutes ?? 120;
  const to = Math.floor((options.end ?? new Date()).getTime() / 60_000) * 60_000;
  const from = to - minutes * 60_000;
  const random = prng(options.seed ?? 1);
  const hasher = new RecipientHasher(GENERATED_RECIPIENT_KEY);
  const sends: SendEvent[] = [];
  const deliveries: DeliveryEvent[] = [];
  const spans: OtelTraceRow[] = [];
  let messages = 0;

  const span = (row: Partial<OtelTraceRow> & Pick<OtelTraceRow, 'Timestamp' | 'TraceId' | 'SpanId' | 'SpanName' | 'Duration'>): OtelTraceRow => ({
    ParentSpanId: '',
    TraceState: '',
    SpanKind: 'Client',
    ServiceName: '',
    ResourceAttributes: {},
    ScopeName: 'sendlens',
    ScopeVersion: '0.1.0',
    SpanAttributes: {},
    StatusCode: 'Unset',
    StatusMessage: '',
    'Events.Timestamp': [],
    'Events.Name': [],
    'Events.Attributes': [],
    'Links.TraceId': [],
    'Links.SpanId': [],
    'Links.TraceState': [],
    'Links.Attributes': [],
    ...row,
  });

  for (let minute = from; minute < to; minute += 60_000) {
    for (const sender of SENDERS) {
      const suspended = sender.senderDomain === SUSPENDED.senderDomain && minute >= to - SUSPENDED.lastMinutes * 60_000;
      // Volume varies ±50% around the sender's rate.
      const count = Math.max(1, Math.round(sender.perMinute * (0.5 + random())));
      for (let m = 0; m < count; m++) {
        messages += 1;
        const batch = random() < 0.1;
        const recipients = batch ? 3 + Math.floor(random() * 8) : 1;
        // A small pool of suppressed addresses keeps being mailed: the point of the suppression dashboard.
        const suppressedTarget = random() < 0.02;
        const addresses = Array.from({ length: recipients }, (_, k) => (suppressedTarget && k === 0 ? `gone${Math.floor(random() * 5)}@${sender.senderDomain.replace(/^[^.]+\./, 'old.')}` : `user${messages}-${k}@example.${['com', 'net', 'org'][k % 3]}`));
        const first = hasher.facts(addresses[0]);
        const traceId = hex(random, 32);
        const rootSpanId = hex(random, 16);
        const messageStart = minute + Math.floor(random() * 50_000);
        let at = messageStart;
        let attempt = 1;
        for (;;) {
          let code = suspended ? ('account.sending_suspended' as ErrorCode) : pickCode(random, sender.failures);
          if (suppressedTarget && code === null && random() < 0.5) code = 'suppression.recipient_suppressed';
          const category = code === null ? null : categoryOf(code);
          const retryAfter = category === 'throttling' || code === 'quota.daily_exceeded' ? (RETRY_AFTER[sender.provider] ?? null) : null;
          const latency = Math.round((code === 'network.timeout' ? 10_000 : 40 + random() * 260) * 10) / 10;
          const spanId = hex(random, 16);
          const event: SendEvent = {
            event_id: seededUuidv7(at, random),
            schema_version: 1,
            occurred_at: iso(at),
            service: sender.service,
            environment: sender.environment,
            provider: sender.provider,
            operation: batch ? 'send_batch' : 'send',
            workspace: sender.workspace,
            sender_domain: sender.senderDomain,
            recipient_domain: first.domain,
            recipient_hash: first.hash,
            recipient_count: recipients,
            message_id: `msg-${messages}`,
            provider_message_id: code === null ? `${sender.provider}-${messages}` : '',
            attempt,
            outcome: code === null ? 'sent' : 'failed',
            status: code === null ? 200 : category === 'network' ? null : (STATUS[category ?? ''] ?? 400),
            provider_code: code === null ? null : code.split('.')[1] ?? null,
            code,
            category,
            retry: code === null ? null : defaultRetryFor(code),
            retry_after_ms: retryAfter ? (retryAfter[Math.floor(random() * retryAfter.length)] ?? null) : null,
            error_message: code === null ? null : `generated ${code}`,
            latency_ms: latency,
            trace_id: traceId,
            span_id: spanId,
          };
          const valid = validateSendEvent(event);
          if (!valid.ok) throw new Error(`generated send event is invalid: ${valid.reason}`);
          sends.push(event);
          if (options.spans !== false) {
            spans.push(
              span({
                Timestamp: nanoTimestamp(at),
                TraceId: traceId,
                SpanId: spanId,
                ParentSpanId: rootSpanId,
                SpanName: `${event.operation} ${sender.provider}`,
                ServiceName: sender.service,
                ResourceAttributes: { 'service.name': sender.service, 'deployment.environment.name': sender.environment },
                SpanAttributes: {
                  'email.provider': sender.provider,
                  'email.operation': event.operation,
                  'email.attempt': String(attempt),
                  'email.workspace': sender.workspace,
                  'email.sender.domain': sender.senderDomain,
                  'email.outcome': event.outcome,
                  ...(code !== null && { 'error.type': code, 'email.error.category': category ?? '' }),
                },
                Duration: String(Math.round(latency * 1e6)),
                StatusCode: code === null ? 'Unset' : 'Error',
                StatusMessage: event.error_message ?? '',
              }),
            );
          }
          // Throttled and unavailable calls are retried once, after the provider's wait when it gave one.
          const retryable = event.retry === 'retry_after' || event.retry === 'backoff';
          if (!retryable || attempt >= 2 || at + 2_000 >= minute + 60_000) {
            if (options.spans !== false) {
              spans.push(
                span({
                  Timestamp: nanoTimestamp(messageStart - 5),
                  TraceId: traceId,
                  SpanId: rootSpanId,
                  SpanName: `deliver ${event.operation}`,
                  SpanKind: 'Internal',
                  ServiceName: sender.service,
                  ResourceAttributes: { 'service.name': sender.service, 'deployment.environment.name': sender.environment },
                  Duration: String(Math.round((at + latency - messageStart + 5) * 1e6)),
                  StatusCode: code === null ? 'Unset' : 'Error',
                }),
              );
            }
            if (code === null && (event.operation === 'send' || event.operation === 'send_batch')) {
              for (const address of addresses) deliveries.push(...feedbackFor(sender, event, address, at, random, hasher));
            }
            break;
          }
          attempt += 1;
          at += Math.min(event.retry_after_ms ?? 1_000, 2_000);
        }
      }
    }
  }
  const redeliveries = Math.floor(deliveries.length * 0.02);
  return { from: new Date(from), to: new Date(to), sends, deliveries, redeliveries, spans };
}

/** What the provider reports about one accepted recipient: delivered, maybe then a complaint; or a bounce; or suppressed. */
function feedbackFor(sender: Sender, send: SendEvent, address: string, sentAt: number, random: () => number, hasher: RecipientHasher): DeliveryEvent[] {
  const facts = hasher.facts(address);
  const types = PROVIDER_TYPES[sender.provider];
  const ses = sender.provider === 'ses';
  const out: DeliveryEvent[] = [];
  // Feedback lands within the same minute or the next: webhooks are quick.
  let at = sentAt + 500 + Math.floor(random() * 8_000);
  const event = (outcome: DeliveryEvent['outcome'], extra: Partial<DeliveryEvent>): DeliveryEvent => {
    const providerType = types[outcome as keyof typeof types] ?? outcome;
    const providerEventId = `${send.provider_message_id}-${outcome}-${facts.hash.slice(0, 8)}`;
    const row: DeliveryEvent = {
      event_id: deliveryEventId(at, [send.provider, send.provider_message_id, providerType, facts.hash, iso(at), providerEventId]),
      schema_version: 1,
      occurred_at: iso(at),
      received_at: iso(at + 300),
      provider: send.provider,
      provider_type: providerType,
      workspace: send.workspace,
      // SendGrid-style events (ScaiSend) never carry the sender.
      sender_domain: sender.provider === 'scaisend' ? '' : send.sender_domain,
      recipient_domain: facts.domain,
      recipient_hash: facts.hash,
      message_id: send.message_id,
      provider_message_id: send.provider_message_id,
      provider_event_id: providerEventId,
      outcome,
      bounce_type: null,
      provider_bounce_type: '',
      bounce_subtype: '',
      provider_reason: '',
      smtp_status: '',
      smtp_code: null,
      diagnostic: '',
      code: null,
      category: null,
      ...extra,
    };
    const valid = validateDeliveryEvent(row);
    if (!valid.ok) throw new Error(`generated delivery event is invalid: ${valid.reason}`);
    return row;
  };
  const { hard, soft, suppressed } = sender.feedback;
  const roll = random();
  if (address.startsWith('gone') || roll < suppressed) {
    out.push(event('suppressed', { code: 'suppression.recipient_suppressed', category: 'suppression', bounce_subtype: ses ? 'OnAccountSuppressionList' : '', provider_reason: 'recipient on suppression list' }));
  } else if (roll < suppressed + hard) {
    const invalid = random() < 0.6;
    out.push(
      event('bounced', {
        bounce_type: 'hard',
        provider_bounce_type: ses ? 'Permanent' : 'bounce',
        bounce_subtype: ses ? (invalid ? 'NoEmail' : 'General') : '',
        smtp_status: '5.1.1',
        smtp_code: 550,
        diagnostic: 'smtp; 550 5.1.1 user unknown',
        code: invalid ? 'recipient.invalid_address' : null,
        category: invalid ? 'recipient' : null,
      }),
    );
  } else if (roll < suppressed + hard + soft) {
    out.push(event('bounced', { bounce_type: 'soft', provider_bounce_type: ses ? 'Transient' : 'blocked', bounce_subtype: ses ? 'MailboxFull' : '', smtp_status: '4.2.2', smtp_code: 452, diagnostic: 'smtp; 452 4.2.2 mailbox full' }));
  } else {
    out.push(event('delivered', { smtp_status: '2.0.0', smtp_code: 250 }));
    if (random() < sender.feedback.complaint) {
      at += 20_000 + Math.floor(random() * 20_000);
      out.push(event('complained', { bounce_subtype: ses ? 'abuse' : '', provider_reason: 'abuse' }));
    }
  }
  return out;
}

const INSERT_SETTINGS = { date_time_input_format: 'best_effort', input_format_null_as_default: 1 } as const;

/**
 * Inserts the data into email_send_events, email_delivery_events (with the
 * redelivered duplicates) and otel_traces, as JSONEachRow the way the loader
 * does, so the materialized views fill the rollups. Returns the data.
 */
export async function insertGeneratedData(client: ClickHouseClient, data: GeneratedData = generateData()): Promise<GeneratedData> {
  const insert = (table: string, values: readonly object[]) => (values.length ? client.insert({ table, values: [...values], format: 'JSONEachRow', clickhouse_settings: INSERT_SETTINGS }) : Promise.resolve());
  await insert('email_send_events', data.sends);
  await insert('email_delivery_events', data.deliveries);
  // The redelivered webhooks, in their own insert: distinct events in the rollups must not change.
  await insert('email_delivery_events', data.deliveries.slice(0, data.redeliveries));
  await insert('otel_traces', data.spans);
  return data;
}
