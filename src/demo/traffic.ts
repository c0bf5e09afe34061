import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, createHmac, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { SendInstrumentation } from '../instrument/index.js';
import { instrumentFetch, judgeFetch, judgeThrown, sendWithRetry } from '../instrument/index.js';
import type { RetryPolicy } from '../instrument/index.js';
import { signGeneric, signSvix } from '../feedback/index.js';
import { MAILGUN_WEBHOOK_PATH } from '../providers/mailgun/index.js';
import { POSTMARK_WEBHOOK_PATH } from '../providers/postmark/index.js';
import { SENDGRID_WEBHOOK_PATH } from '../providers/sendgrid/index.js';
import { WEBHOOK_PATHS } from '../webhooks/index.js';
import { SeededRandom } from './random.js';
import { ANSWER_HEADER, apiUrl } from './simulated-providers.js';
import type { SmtpSender } from './simulated-smtp.js';
import { BACKGROUND_FAILURES, INCIDENTS, LIST_HYGIENE_INCIDENT, NORMAL_FEEDBACK, PROVIDER_APIS, RECIPIENT_DOMAINS, ROUTES } from './scenario.js';
import type { AnswerName, DemoProviderId, FeedbackRates, HttpProviderId, Incident, Route, SendRequest, SmtpAnswerName } from './scenario.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
/** Simulated time per step of the simulation. */
export const TICK_MS = 10 * MINUTE;
/**
 * Feedback is posted every this many ticks (and at the end): providers batch
 * their webhooks too, and each request the demo's receiver takes is one
 * insert in single-process mode.
 */
const FEEDBACK_EVERY_TICKS = 36;
/** Attempts running at once against the simulated providers. */
const CONCURRENCY = 24;
/** Distinct recipients per recipient domain: addresses repeat over the week, as real lists do. */
const RECIPIENTS_PER_DOMAIN = 4_000;

/** The secrets the demo's webhook endpoints verify, and the demo signs with. */
export interface FeedbackKeys {
  svixSecret: string;
  genericSecret: string;
  /** ScaiSend signs as SendGrid does (ECDSA P-256), with a key pair of its own. */
  scaisendPublicKey: string;
  scaisendPrivateKeyPem: string;
  sendgridPublicKey: string;
  sendgridPrivateKeyPem: string;
  mailgunSigningKey: string;
  postmarkUsername: string;
  postmarkPassword: string;
}

/** An ECDSA P-256 key pair as SendGrid's Event Webhook uses one: the public key base64 DER, the private key PEM. */
function ecdsaKeyPair(): { publicKey: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

export function feedbackKeys(): FeedbackKeys {
  const scaisend = ecdsaKeyPair();
  const sendgrid = ecdsaKeyPair();
  return {
    svixSecret: `whsec_${randomBytes(24).toString('base64')}`,
    genericSecret: randomBytes(32).toString('hex'),
    scaisendPublicKey: scaisend.publicKey,
    scaisendPrivateKeyPem: scaisend.privateKeyPem,
    sendgridPublicKey: sendgrid.publicKey,
    sendgridPrivateKeyPem: sendgrid.privateKeyPem,
    mailgunSigningKey: `key-${randomBytes(16).toString('hex')}`,
    postmarkUsername: 'sendlens-demo',
    postmarkPassword: randomBytes(24).toString('base64url'),
  };
}

export interface TrafficOptions {
  seed: number;
  /** The simulated span ends now and starts this many days before. */
  days: number;
  /** Send attempts to aim for over the whole span (retries come on top). */
  sends: number;
  instrumentation: SendInstrumentation;
  /** The simulated providers' base URL. */
  providersUrl: string;
  /** The webhook receiver's base URL. */
  webhooksUrl: string;
  keys: FeedbackKeys;
  /** Sends SMTP's share of the traffic; without it (smtp-server or nodemailer not installed) SMTP's sends are left out. */
  smtp?: SmtpSender | null;
  /** The simulated time every instrumented call is stamped with (the instrumentation's clock reads it). */
  clock: SimulatedClock;
  onProgress?: (progress: TrafficProgress) => void;
  /** Wall-clock end of the simulated span; default now. */
  endsAt?: number;
  /** Simulated time per step; default TICK_MS. */
  tickMs?: number;
  /** Live traffic: each step waits until the wall clock reaches it (a span that ends in the future). */
  paced?: boolean;
  /** Stops a paced run between steps. */
  signal?: AbortSignal;
}

export interface TrafficProgress {
  fraction: number;
  simulatedAt: number;
  sends: number;
  attempts: number;
  feedback: number;
}

export interface TrafficTotals {
  sends: number;
  attempts: number;
  accepted: number;
  feedbackEvents: number;
  webhookRequests: number;
  startedAt: number;
  endedAt: number;
}

/** Simulated time, per async call chain: each send carries its own moment, and retries move it on. */
export class SimulatedClock {
  readonly #storage = new AsyncLocalStorage<{ at: number }>();

  now = (): number => this.#storage.getStore()?.at ?? Date.now();

  run<T>(at: number, work: () => Promise<T>): Promise<T> {
    return this.#storage.run({ at }, work);
  }

  /** Waiting, in simulated time: the retry helper's sleep. */
  advance = async (ms: number): Promise<void> => {
    const store = this.#storage.getStore();
    if (store) store.at += ms;
  };
}

/** Sends per hour of the simulated day: quiet nights, a working-day peak. */
function diurnal(hourOfDay: number): number {
  return 0.35 + 0.65 * Math.max(0, Math.sin(((hourOfDay - 6) / 24) * 2 * Math.PI)) + (hourOfDay >= 8 && hourOfDay < 18 ? 0.3 : 0);
}

/** Feedback waiting to be posted, by the endpoint it goes to. */
interface PendingFeedback {
  /** SES, relay and SendFleet, as generic signed events. */
  generic: object[];
  /** SendGrid-format event batches: ScaiSend speaks it, SendGrid is it. */
  scaisend: object[];
  sendgrid: object[];
  /** One event per request, as Resend, Mailgun and Postmark post them. */
  resend: string[];
  mailgun: object[];
  postmark: object[];
}

const noFeedback = (): PendingFeedback => ({ generic: [], scaisend: [], sendgrid: [], resend: [], mailgun: [], postmark: [] });
const countOf = (pending: PendingFeedback): number => Object.values(pending).reduce((sum: number, items: unknown[]) => sum + items.length, 0);

/** One send the plan calls for: who sends, to which recipient domain, when (simulated), and its number, which seeds its own chances. */
export interface PlannedSend {
  route: Route;
  recipientDomain: string;
  at: number;
  number: number;
}

export interface TrafficPlan {
  startsAt: number;
  endsAt: number;
  tickMs: number;
  tickCount: number;
  /** The incidents placed on the span. */
  incidents: (Incident & { from: number; to: number })[];
  /** Step by step, the sends of each step (in the order the seeded generator drew them). */
  ticks(): Generator<{ tickStart: number; sends: PlannedSend[] }>;
}

/**
 * The simulated span as a pure function of seed, days and sends, placed so it
 * ends at `endsAt`: the same seed gives the same sends at the same offsets
 * whenever it runs. The day's shape is counted from the span's start, not
 * read from the wall clock's UTC hour: read from the clock, how many sends
 * fell in each step (and so every draw after it) depended on the time of day
 * the demo started, and a short incident (the JWT burst is 13 minutes of a
 * 2-day run) could fall in a quiet hour and get no send at all.
 */
export function planTraffic(options: { seed: number; days: number; sends: number; endsAt: number; tickMs?: number }): TrafficPlan {
  const { endsAt } = options;
  const startsAt = endsAt - options.days * 24 * HOUR;
  const tickMs = options.tickMs ?? TICK_MS;
  const tickCount = Math.max(1, Math.round((options.days * 24 * HOUR) / tickMs));
  const scale = options.days / 7;
  const incidents = INCIDENTS.map((incident) => ({ ...incident, from: startsAt + incident.startHours * scale * HOUR, to: startsAt + (incident.startHours + incident.hours) * scale * HOUR }));
  const meanDiurnal = Array.from({ length: 24 }, (_, h) => diurnal(h)).reduce((a, b) => a + b, 0) / 24;
  const perTick = options.sends / tickCount / meanDiurnal;
  function* ticks(): Generator<{ tickStart: number; sends: PlannedSend[] }> {
    const random = new SeededRandom(options.seed);
    let sequence = 0;
    for (let tick = 0; tick < tickCount; tick += 1) {
      const tickStart = startsAt + tick * tickMs;
      const hourOfDay = Math.floor((tickStart - startsAt) / HOUR) % 24;
      const count = Math.round(perTick * diurnal(hourOfDay) * (0.85 + 0.3 * random.next()));
      // Incidents with a burst add that provider's extra sends for the tick.
      const extra: Route[] = [];
      for (const incident of incidents) {
        if (!incident.burst || tickStart + tickMs <= incident.from || tickStart >= incident.to) continue;
        const routes = ROUTES.filter((r) => r.provider === incident.provider);
        const share = routes.reduce((sum, r) => sum + r.weight, 0);
        const more = Math.round(count * share * (incident.burst - 1));
        for (let i = 0; i < more; i += 1) extra.push(random.pick(routes));
      }
      const sends: PlannedSend[] = [];
      for (let i = 0; i < count + extra.length; i += 1) {
        const route = i < count ? pickRoute(random) : (extra[i - count] as Route);
        const recipientDomain = random.pick(RECIPIENT_DOMAINS);
        const at = tickStart + Math.floor(random.next() * tickMs);
        sequence += 1;
        sends.push({ route, recipientDomain, at, number: sequence });
      }
      yield { tickStart, sends };
    }
  }
  return { startsAt, endsAt, tickMs, tickCount, incidents, ticks };
}

/** Whether a rule scoped to a sender and a recipient domain (each optional) covers a send. */
const covers = (rule: { senderDomain?: string; recipientDomain?: string }, route: Route, recipientDomain: string): boolean =>
  (!rule.senderDomain || rule.senderDomain === route.senderDomain) && (!rule.recipientDomain || rule.recipientDomain === recipientDomain);

/** Simulated week → instrumented sends against the simulated providers, and signed provider feedback to the receiver. */
export async function runTraffic(options: TrafficOptions): Promise<TrafficTotals> {
  const plan = planTraffic({ seed: options.seed, days: options.days, sends: options.sends, endsAt: options.endsAt ?? Date.now(), ...(options.tickMs !== undefined && { tickMs: options.tickMs }) });
  const { startsAt, endsAt, tickMs, tickCount, incidents } = plan;
  const hygieneFrom = endsAt - Math.min(LIST_HYGIENE_INCIDENT.hours * HOUR, (endsAt - startsAt) / 2);
  const totals: TrafficTotals = { sends: 0, attempts: 0, accepted: 0, feedbackEvents: 0, webhookRequests: 0, startedAt: startsAt, endedAt: endsAt };
  const fetches = new Map<HttpProviderId, ReturnType<typeof instrumentFetch>>();
  for (const provider of Object.keys(PROVIDER_APIS) as HttpProviderId[]) fetches.set(provider, instrumentFetch(options.instrumentation, { provider }));

  const answerFor = (route: Route, recipientDomain: string, at: number, attempt: number, random: SeededRandom): AnswerName | null => {
    for (const incident of incidents) {
      if (incident.provider !== route.provider || at < incident.from || at >= incident.to) continue;
      if (!covers(incident, route, recipientDomain) || (incident.firstAttemptOnly && attempt > 1)) continue;
      const share = incident.ramp ? (incident.share * (at - incident.from)) / (incident.to - incident.from) : incident.share;
      if (random.next() < share) return incident.answer;
    }
    let roll = random.next();
    for (const failure of BACKGROUND_FAILURES[route.provider]) {
      if (!covers(failure, route, recipientDomain)) continue;
      if (roll < failure.share) return failure.answer;
      roll -= failure.share;
    }
    return null;
  };

  /** One send over a provider's HTTP API; true when the provider took it. */
  const sendHttp = async (provider: HttpProviderId, sending: Sending, retryPolicy: RetryPolicy): Promise<boolean> => {
    const { route, request, providerMessageId, random } = sending;
    const api = PROVIDER_APIS[provider];
    const fetch = fetches.get(provider) as ReturnType<typeof instrumentFetch>;
    const payload = api.body(request);
    // Mailgun's form fields go as fetch encodes them (application/x-www-form-urlencoded).
    const body = payload instanceof URLSearchParams ? payload : JSON.stringify(payload);
    const response = await sendWithRetry(
      (attempt) => {
        totals.attempts += 1;
        // Each attempt's answer is decided when it is made, in simulated time (a retry may land after the incident).
        const answer = answerFor(route, sending.recipientDomain, options.clock.now(), attempt, random);
        return fetch(apiUrl(options.providersUrl, provider, route.senderDomain), {
          method: 'POST',
          headers: { ...(typeof body === 'string' && { 'content-type': 'application/json' }), [ANSWER_HEADER]: answer ?? `ok:${providerMessageId}` },
          body,
          sendlens: { attempt, workspace: route.workspace, messageId: request.messageId, operation: 'send' },
        });
      },
      judgeFetch(provider),
      retryPolicy,
    );
    await response.arrayBuffer();
    return response.status < 300;
  };

  /** One send through nodemailer to the demo's SMTP server; a refusal is thrown, as nodemailer does. */
  const sendSmtp = async (smtp: SmtpSender, sending: Sending, retryPolicy: RetryPolicy): Promise<boolean> => {
    const { route, request, random } = sending;
    try {
      await sendWithRetry(
        (attempt) => {
          totals.attempts += 1;
          const answer = answerFor(route, sending.recipientDomain, options.clock.now(), attempt, random) as SmtpAnswerName | null;
          return smtp.send({ from: request.from, to: request.to, subject: 'Your weekly summary', text: 'Here is what happened this week.', answer }, { workspace: route.workspace, messageId: request.messageId, attempt });
        },
        judgeThrown('smtp'),
        retryPolicy,
      );
      return true;
    } catch (error) {
      // Only the server's refusals are part of the week; anything else is the demo failing.
      if (typeof (error as { responseCode?: unknown }).responseCode === 'number') return false;
      throw error;
    }
  };

  /**
   * One send, retried as the normalized retry class says. All its chances come
   * from its own generator, seeded by the run's seed and its number, so the
   * week is the same on every run whatever order the sends complete in.
   */
  const send = async (planned: PlannedSend, random: SeededRandom, pending: PendingFeedback): Promise<void> => {
    const { route, at, number, recipientDomain } = planned;
    const request: SendRequest = { from: `noreply@${route.senderDomain}`, to: `user${random.below(RECIPIENTS_PER_DOMAIN)}@${recipientDomain}`, messageId: `${route.workspace}-${number}`, workspace: route.workspace, senderDomain: route.senderDomain };
    const hex = random.hex(32);
    const api = route.provider === 'smtp' ? undefined : PROVIDER_APIS[route.provider];
    const providerMessageId = api?.providerMessageId?.(hex, route.senderDomain) ?? hex.slice(0, 24);
    const sending: Sending = { route, recipientDomain, request, providerMessageId, random };
    // Live traffic is stamped and waits in real time (a retry after Retry-After really waits, up to a minute);
    // a simulated week moves its own clock instead.
    const live = options.paced === true;
    const retryPolicy: RetryPolicy = live
      ? { sleep: (ms: number) => abortableSleep(ms, options.signal), random: () => random.next(), maxWaitMs: MINUTE }
      : { sleep: options.clock.advance, random: () => random.next(), maxWaitMs: 10 * MINUTE };
    const attempts = (): Promise<boolean> => (route.provider === 'smtp' ? sendSmtp(options.smtp as SmtpSender, sending, retryPolicy) : sendHttp(route.provider, sending, retryPolicy));
    // Outside a simulated moment the clock reads the wall clock.
    const accepted = live ? await attempts() : await options.clock.run(at, attempts);
    totals.sends += 1;
    if (!accepted) return;
    totals.accepted += 1;
    const rates: FeedbackRates = route.senderDomain === LIST_HYGIENE_INCIDENT.senderDomain && at >= hygieneFrom ? LIST_HYGIENE_INCIDENT.rates : NORMAL_FEEDBACK;
    feedbackFor(route, { at, to: request.to, from: request.from, messageId: request.messageId, providerMessageId }, rates, random, pending);
  };

  let pending = noFeedback();
  let tick = 0;
  for (const { tickStart, sends } of plan.ticks()) {
    if (options.signal?.aborted) break;
    // Live: a step's sends are stamped within it, so it runs once the step is over, never ahead of the clock.
    if (options.paced && tickStart + tickMs > Date.now()) await abortableSleep(tickStart + tickMs - Date.now(), options.signal);
    if (options.signal?.aborted) break;
    // Without the SMTP packages SMTP's sends are left out; the others keep their numbers, and so their chances.
    const jobs = sends
      .filter((planned) => planned.route.provider !== 'smtp' || options.smtp)
      .map((planned) => {
        const own = new SeededRandom(Math.imul(options.seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(planned.number, 0xc2b2ae35));
        return () => send(planned, own, pending);
      });
    await runLimited(jobs, CONCURRENCY);
    tick += 1;
    if (tick % FEEDBACK_EVERY_TICKS === 0 || tick === tickCount || options.signal?.aborted) {
      totals.feedbackEvents += countOf(pending);
      totals.webhookRequests += await postFeedback(options, pending);
      pending = noFeedback();
    }
    options.onProgress?.({ fraction: tick / tickCount, simulatedAt: tickStart + tickMs, sends: totals.sends, attempts: totals.attempts, feedback: totals.feedbackEvents });
  }
  return totals;
}

/** A send in flight: what it is, and the generator all its chances come from. */
interface Sending {
  route: Route;
  recipientDomain: string;
  request: SendRequest;
  providerMessageId: string;
  random: SeededRandom;
}

/** A real wait that a stop request cuts short. */
function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const stop = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', stop);
      resolve();
    }, ms);
    signal?.addEventListener('abort', stop, { once: true });
  });
}

function pickRoute(random: SeededRandom): Route {
  let roll = random.next();
  for (const route of ROUTES) {
    if (roll < route.weight) return route;
    roll -= route.weight;
  }
  return ROUTES[ROUTES.length - 1] as Route;
}

async function runLimited(jobs: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next] as () => Promise<void>;
      next += 1;
      await job();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
}

interface Sent {
  at: number;
  to: string;
  from: string;
  messageId: string;
  providerMessageId: string;
}

/** What became of an accepted send at the recipient's server, drawn from the rates. */
interface Fate {
  route: Route;
  sent: Sent;
  outcome: 'hard' | 'soft' | 'delivered';
  complained: boolean;
  /** A moment up to `ms` after the send. */
  after: (ms: number) => number;
  id: string;
  random: SeededRandom;
}

const HARD_BOUNCE = { code: 550, status: '5.1.1', text: 'The email account that you tried to reach does not exist.' };
const SOFT_BOUNCE = { code: 452, status: '4.2.2', text: 'The email account that you tried to reach is over quota.' };
const tagsOf = (fate: Fate) => ({ sendlens_message_id: fate.sent.messageId, sendlens_workspace: fate.route.workspace });

/**
 * Each provider's feedback in its own webhook format, queued for the endpoint
 * it goes to. Providers that post one event per request (Resend, Mailgun,
 * Postmark) leave delivered notifications out, to keep the demo's request
 * count down; SMTP has no webhooks: its bounces are the send's own reply.
 */
const FEEDBACK_FORMATS: Record<DemoProviderId, ((fate: Fate, pending: PendingFeedback) => void) | null> = {
  resend: (fate, pending) => {
    const { sent } = fate;
    const data = { created_at: new Date(sent.at).toISOString(), email_id: sent.providerMessageId, from: sent.from, to: [sent.to], subject: 'Weekly digest', tags: tagsOf(fate) };
    if (fate.outcome !== 'delivered') {
      const bounce = fate.outcome === 'hard' ? { message: `${HARD_BOUNCE.code} ${HARD_BOUNCE.status} ${HARD_BOUNCE.text}`, type: 'Permanent', subType: 'General' } : { message: `${SOFT_BOUNCE.code} ${SOFT_BOUNCE.status} ${SOFT_BOUNCE.text}`, type: 'Transient', subType: 'MailboxFull' };
      pending.resend.push(JSON.stringify({ type: 'email.bounced', created_at: new Date(fate.after(5 * MINUTE)).toISOString(), data: { ...data, bounce } }));
    }
    if (fate.complained) pending.resend.push(JSON.stringify({ type: 'email.complained', created_at: new Date(fate.after(6 * HOUR)).toISOString(), data }));
  },
  scaisend: (fate, pending) => pending.scaisend.push(...sendgridEvents(fate)),
  sendgrid: (fate, pending) => pending.sendgrid.push(...sendgridEvents(fate)),
  mailgun: (fate, pending) => {
    const { sent } = fate;
    const base = {
      id: fate.id,
      recipient: sent.to,
      'recipient-domain': sent.to.split('@')[1],
      envelope: { sender: sent.from, transport: 'smtp', targets: sent.to, 'sending-ip': '198.51.100.21' },
      message: { headers: { to: sent.to, 'message-id': sent.providerMessageId, from: `Umbrella <${sent.from}>`, subject: 'Reset your password' }, attachments: [], size: 1480 },
      'user-variables': tagsOf(fate),
      tags: [],
      campaigns: [],
    };
    // Mailgun's times are Unix seconds with microseconds.
    const seconds = (ms: number) => Number((ms / 1000).toFixed(6));
    if (fate.outcome === 'hard') {
      const status = { tls: true, 'mx-host': 'mx.demo.example', 'attempt-no': 1, description: '', 'session-seconds': 0.8, code: HARD_BOUNCE.code, message: `${HARD_BOUNCE.status} ${HARD_BOUNCE.text}` };
      pending.mailgun.push({ ...base, event: 'failed', severity: 'permanent', reason: 'bounce', 'log-level': 'error', timestamp: seconds(fate.after(5 * MINUTE)), 'delivery-status': status });
    } else if (fate.outcome === 'soft') {
      // A temporary failure: Mailgun retries it, and reports it as such.
      const status = { tls: true, 'mx-host': 'mx.demo.example', 'attempt-no': 1, description: '', 'retry-seconds': 600, code: SOFT_BOUNCE.code, message: `${SOFT_BOUNCE.status} ${SOFT_BOUNCE.text}` };
      pending.mailgun.push({ ...base, event: 'failed', severity: 'temporary', reason: 'generic', 'log-level': 'warn', timestamp: seconds(fate.after(5 * MINUTE)), 'delivery-status': status });
    }
    if (fate.complained) pending.mailgun.push({ ...base, id: `${fate.id}-c`, event: 'complained', 'log-level': 'warn', timestamp: seconds(fate.after(6 * HOUR)) });
  },
  postmark: (fate, pending) => {
    const { sent } = fate;
    const base = { MessageID: sent.providerMessageId, ServerID: 23, MessageStream: 'outbound', Tag: 'sign-in', Metadata: tagsOf(fate), Email: sent.to, From: sent.from, Subject: 'Confirm your sign-in', DumpAvailable: false, CanActivate: true, Content: '' };
    // Postmark's record IDs are numbers.
    const id = 900_000_000 + fate.random.below(100_000_000);
    if (fate.outcome === 'hard') {
      pending.postmark.push({ ...base, RecordType: 'Bounce', ID: id, Type: 'HardBounce', TypeCode: 1, Name: 'Hard bounce', Description: 'The server was unable to deliver your message (ex: unknown user, mailbox not found).', Details: `smtp;${HARD_BOUNCE.code} ${HARD_BOUNCE.status} ${HARD_BOUNCE.text}`, Inactive: true, BouncedAt: new Date(fate.after(5 * MINUTE)).toISOString() });
    } else if (fate.outcome === 'soft') {
      pending.postmark.push({ ...base, RecordType: 'Bounce', ID: id, Type: 'SoftBounce', TypeCode: 4096, Name: 'Soft bounce/Undeliverable', Description: 'Unable to temporarily deliver this email.', Details: `smtp;${SOFT_BOUNCE.code} ${SOFT_BOUNCE.status} ${SOFT_BOUNCE.text}`, Inactive: false, BouncedAt: new Date(fate.after(5 * MINUTE)).toISOString() });
    }
    if (fate.complained) pending.postmark.push({ ...base, RecordType: 'SpamComplaint', ID: id + 1, Type: 'SpamComplaint', TypeCode: 512, Name: 'Spam complaint', Description: '', Details: '', Inactive: true, BouncedAt: new Date(fate.after(6 * HOUR)).toISOString() });
  },
  // SES, relay and SendFleet feedback reach the demo's receiver as generic signed events
  // (SES's own path, SNS, needs a certificate from an AWS host).
  ses: (fate, pending) => genericEvents(fate, pending),
  relay: (fate, pending) => genericEvents(fate, pending),
  sendfleet: (fate, pending) => genericEvents(fate, pending),
  smtp: null,
};

/** SendGrid's Event Webhook events (ScaiSend's too): custom args at the top level of each event. */
function sendgridEvents(fate: Fate): object[] {
  const { sent } = fate;
  const base = { email: sent.to, sg_message_id: `${sent.providerMessageId}.filterdrecv-5bb8bd6f8c-8r2tk-1-6512A3F1-1E.0`, 'smtp-id': `<${sent.providerMessageId}@geopod-ismtpd-3>`, ...tagsOf(fate) };
  const event =
    fate.outcome === 'hard'
      ? { ...base, event: 'bounce', type: 'bounce', bounce_classification: 'Invalid Address', status: HARD_BOUNCE.status, reason: `${HARD_BOUNCE.code} ${HARD_BOUNCE.status} ${HARD_BOUNCE.text}` }
      : fate.outcome === 'soft'
        ? { ...base, event: 'deferred', response: `${SOFT_BOUNCE.code} ${SOFT_BOUNCE.status} ${SOFT_BOUNCE.text}`, attempt: '1' }
        : { ...base, event: 'delivered', response: '250 2.0.0 OK', tls: 1 };
  const events: object[] = [{ ...event, timestamp: Math.floor(fate.after(5 * MINUTE) / 1000), sg_event_id: `sg-${fate.id}` }];
  if (fate.complained) events.push({ ...base, event: 'spamreport', timestamp: Math.floor(fate.after(6 * HOUR) / 1000), sg_event_id: `sg-${fate.id}-c` });
  return events;
}

function genericEvents(fate: Fate, pending: PendingFeedback): void {
  const { route, sent } = fate;
  const base = { provider: route.provider, recipient: sent.to, from: sent.from, message_id: sent.messageId, provider_message_id: sent.providerMessageId, workspace: route.workspace };
  const event =
    fate.outcome === 'hard'
      ? { ...base, type: 'bounced', bounce_type: 'hard', smtp_status: '5.1.1', smtp_code: 550, diagnostic: '550 5.1.1 user unknown' }
      : fate.outcome === 'soft'
        ? { ...base, type: 'bounced', bounce_type: 'soft', smtp_status: '4.2.2', smtp_code: 452, diagnostic: '452 4.2.2 mailbox full' }
        : { ...base, type: 'delivered', diagnostic: '250 2.0.0 Ok: queued' };
  pending.generic.push({ ...event, timestamp: new Date(fate.after(5 * MINUTE)).toISOString(), event_id: `ev-${fate.id}` });
  if (fate.complained) pending.generic.push({ ...base, type: 'complained', timestamp: new Date(fate.after(6 * HOUR)).toISOString(), event_id: `ev-${fate.id}-c` });
}

/** What the provider reports back about an accepted send, in its own webhook format. */
function feedbackFor(route: Route, sent: Sent, rates: FeedbackRates, random: SeededRandom, pending: PendingFeedback): void {
  const roll = random.next();
  const outcome = roll < rates.hardBounce ? 'hard' : roll < rates.hardBounce + rates.softBounce ? 'soft' : 'delivered';
  const complained = outcome === 'delivered' && random.next() < rates.complaint;
  const after = (ms: number) => sent.at + 2_000 + Math.floor(random.next() * ms);
  const id = random.hex(20);
  FEEDBACK_FORMATS[route.provider]?.({ route, sent, outcome, complained, after, id, random }, pending);
}

/** SendGrid's signature: ECDSA P-256 over the timestamp header followed by the raw body. */
function signSendgrid(body: string, privateKeyPem: string): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createSign('sha256').update(timestamp).update(body).sign(privateKeyPem, 'base64');
  return { 'x-twilio-email-event-webhook-signature': signature, 'x-twilio-email-event-webhook-timestamp': timestamp };
}

/** Mailgun's signature block: the hex HMAC-SHA256 of timestamp + a one-time token, under the signing key. */
function mailgunSignature(signingKey: string): { timestamp: string; token: string; signature: string } {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const token = randomBytes(25).toString('hex');
  return { timestamp, token, signature: createHmac('sha256', signingKey).update(timestamp).update(token).digest('hex') };
}

/** Posts a tick's feedback, signed as each provider signs; any answer but 200 stops the demo. */
async function postFeedback(options: TrafficOptions, pending: PendingFeedback): Promise<number> {
  const post = async (path: string, body: string, headers: Record<string, string>) => {
    const response = await fetch(`${options.webhooksUrl}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`the webhook receiver answered ${response.status} on ${path}: ${text.slice(0, 200)}`);
  };
  const { keys } = options;
  let requests = 0;
  for (let i = 0; i < pending.generic.length; i += 1_000) {
    const body = JSON.stringify(pending.generic.slice(i, i + 1_000));
    await post(WEBHOOK_PATHS.generic, body, { 'x-sendlens-signature': signGeneric(body, keys.genericSecret) });
    requests += 1;
  }
  for (const [path, events, privateKeyPem] of [
    [WEBHOOK_PATHS.scaisend, pending.scaisend, keys.scaisendPrivateKeyPem],
    [SENDGRID_WEBHOOK_PATH, pending.sendgrid, keys.sendgridPrivateKeyPem],
  ] as const) {
    // SendGrid batches events: at most 1,000 to a request here.
    for (let i = 0; i < events.length; i += 1_000) {
      const body = JSON.stringify(events.slice(i, i + 1_000));
      await post(path, body, signSendgrid(body, privateKeyPem));
      requests += 1;
    }
  }
  for (const body of pending.resend) {
    // Stable per event, as Svix's message id is across redeliveries (the event id derives from it).
    const id = `msg_${createHash('sha256').update(body).digest('hex').slice(0, 24)}`;
    const timestamp = Math.floor(Date.now() / 1000);
    await post(WEBHOOK_PATHS.resend, body, { 'svix-id': id, 'svix-timestamp': String(timestamp), 'svix-signature': signSvix(id, timestamp, body, keys.svixSecret) });
    requests += 1;
  }
  for (const eventData of pending.mailgun) {
    await post(MAILGUN_WEBHOOK_PATH, JSON.stringify({ signature: mailgunSignature(keys.mailgunSigningKey), 'event-data': eventData }), {});
    requests += 1;
  }
  // Postmark sends the credentials of the webhook URL (https://user:password@host/…) as basic auth.
  const authorization = `Basic ${Buffer.from(`${keys.postmarkUsername}:${keys.postmarkPassword}`).toString('base64')}`;
  for (const record of pending.postmark) {
    await post(POSTMARK_WEBHOOK_PATH, JSON.stringify(record), { authorization });
    requests += 1;
  }
  return requests;
}

export type { Incident };
