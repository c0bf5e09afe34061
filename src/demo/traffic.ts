import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { SendInstrumentation } from '../instrument/index.js';
import { instrumentFetch, judgeFetch, sendWithRetry } from '../instrument/index.js';
import type { ProviderId } from '../normalize/index.js';
import { signGeneric, signSvix } from '../feedback/index.js';
import { SeededRandom } from './random.js';
import { ANSWER_HEADER, apiUrl } from './simulated-providers.js';
import { BACKGROUND_FAILURES, INCIDENTS, LIST_HYGIENE_INCIDENT, NORMAL_FEEDBACK, PROVIDER_APIS, RECIPIENT_DOMAINS, ROUTES } from './scenario.js';
import type { AnswerName, FeedbackRates, Incident, Route } from './scenario.js';

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
  sendgridPublicKey: string;
  sendgridPrivateKeyPem: string;
}

export function feedbackKeys(): FeedbackKeys {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    svixSecret: `whsec_${randomBytes(24).toString('base64')}`,
    genericSecret: randomBytes(32).toString('hex'),
    sendgridPublicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    sendgridPrivateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
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

interface PendingFeedback {
  generic: object[];
  sendgrid: object[];
  resend: { body: string }[];
}

/** One send the plan calls for: who sends, when (simulated), and its number, which seeds its own chances. */
export interface PlannedSend {
  route: Route;
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
        const at = tickStart + Math.floor(random.next() * tickMs);
        sequence += 1;
        sends.push({ route, at, number: sequence });
      }
      yield { tickStart, sends };
    }
  }
  return { startsAt, endsAt, tickMs, tickCount, incidents, ticks };
}

/** Simulated week → instrumented sends against the simulated providers, and signed provider feedback to the receiver. */
export async function runTraffic(options: TrafficOptions): Promise<TrafficTotals> {
  const plan = planTraffic({ seed: options.seed, days: options.days, sends: options.sends, endsAt: options.endsAt ?? Date.now(), ...(options.tickMs !== undefined && { tickMs: options.tickMs }) });
  const { startsAt, endsAt, tickMs, tickCount, incidents } = plan;
  const hygieneFrom = endsAt - Math.min(LIST_HYGIENE_INCIDENT.hours * HOUR, (endsAt - startsAt) / 2);
  const totals: TrafficTotals = { sends: 0, attempts: 0, accepted: 0, feedbackEvents: 0, webhookRequests: 0, startedAt: startsAt, endedAt: endsAt };
  const fetches = new Map<ProviderId, ReturnType<typeof instrumentFetch>>();
  for (const provider of Object.keys(PROVIDER_APIS) as ProviderId[]) fetches.set(provider, instrumentFetch(options.instrumentation, { provider }));

  const answerFor = (route: Route, at: number, random: SeededRandom): AnswerName | null => {
    for (const incident of incidents) {
      if (incident.provider !== route.provider || at < incident.from || at >= incident.to) continue;
      if (incident.senderDomain && incident.senderDomain !== route.senderDomain) continue;
      const share = incident.ramp ? (incident.share * (at - incident.from)) / (incident.to - incident.from) : incident.share;
      if (random.next() < share) return incident.answer;
    }
    let roll = random.next();
    for (const failure of BACKGROUND_FAILURES[route.provider]) {
      if (roll < failure.share) return failure.answer;
      roll -= failure.share;
    }
    return null;
  };

  /**
   * One send, retried as the normalized retry class says. All its chances come
   * from its own generator, seeded by the run's seed and its number, so the
   * week is the same on every run whatever order the sends complete in.
   */
  const send = async (route: Route, at: number, number: number, random: SeededRandom, pending: PendingFeedback): Promise<void> => {
    const messageId = `${route.workspace}-${number}`;
    const from = `noreply@${route.senderDomain}`;
    const recipientDomain = random.pick(RECIPIENT_DOMAINS);
    const to = `user${random.below(RECIPIENTS_PER_DOMAIN)}@${recipientDomain}`;
    const api = PROVIDER_APIS[route.provider];
    const providerMessageId = random.hex(24);
    const fetch = fetches.get(route.provider) as ReturnType<typeof instrumentFetch>;
    // Each attempt's answer is decided when it is made, in simulated time (a retry may land after the incident).
    // Live traffic is stamped and waits in real time (a retry after Retry-After really waits, up to a minute);
    // a simulated week moves its own clock instead.
    const live = options.paced === true;
    const retryPolicy = live
      ? { sleep: (ms: number) => abortableSleep(ms, options.signal), random: () => random.next(), maxWaitMs: MINUTE }
      : { sleep: options.clock.advance, random: () => random.next(), maxWaitMs: 10 * MINUTE };
    const attempts = () =>
      sendWithRetry(
        (attempt) => {
          totals.attempts += 1;
          const answer = answerFor(route, options.clock.now(), random);
          return fetch(apiUrl(options.providersUrl, route.provider), {
            method: 'POST',
            headers: { 'content-type': 'application/json', [ANSWER_HEADER]: answer ?? `ok:${providerMessageId}` },
            body: JSON.stringify(api.body(from, to, messageId)),
            sendlens: { attempt, workspace: route.workspace, messageId, operation: 'send' },
          });
        },
        judgeFetch(route.provider),
        retryPolicy,
      );
    // Outside a simulated moment the clock reads the wall clock.
    const response = live ? await attempts() : await options.clock.run(at, attempts);
    await response.arrayBuffer();
    totals.sends += 1;
    if (response.status >= 300) return;
    totals.accepted += 1;
    const rates: FeedbackRates = route.senderDomain === LIST_HYGIENE_INCIDENT.senderDomain && at >= hygieneFrom ? LIST_HYGIENE_INCIDENT.rates : NORMAL_FEEDBACK;
    feedbackFor(route, { at, to, from, messageId, providerMessageId }, rates, random, pending);
  };

  let pending: PendingFeedback = { generic: [], sendgrid: [], resend: [] };
  let tick = 0;
  for (const { tickStart, sends } of plan.ticks()) {
    if (options.signal?.aborted) break;
    // Live: a step's sends are stamped within it, so it runs once the step is over, never ahead of the clock.
    if (options.paced && tickStart + tickMs > Date.now()) await abortableSleep(tickStart + tickMs - Date.now(), options.signal);
    if (options.signal?.aborted) break;
    const jobs = sends.map(({ route, at, number }) => {
      const own = new SeededRandom(Math.imul(options.seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(number, 0xc2b2ae35));
      return () => send(route, at, number, own, pending);
    });
    await runLimited(jobs, CONCURRENCY);
    tick += 1;
    if (tick % FEEDBACK_EVERY_TICKS === 0 || tick === tickCount || options.signal?.aborted) {
      totals.feedbackEvents += pending.generic.length + pending.sendgrid.length + pending.resend.length;
      totals.webhookRequests += await postFeedback(options, pending);
      pending = { generic: [], sendgrid: [], resend: [] };
    }
    options.onProgress?.({ fraction: tick / tickCount, simulatedAt: tickStart + tickMs, sends: totals.sends, attempts: totals.attempts, feedback: totals.feedbackEvents });
  }
  return totals;
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

/** What the provider reports back about an accepted send, in its own webhook format. */
function feedbackFor(route: Route, sent: Sent, rates: FeedbackRates, random: SeededRandom, pending: PendingFeedback): void {
  const roll = random.next();
  const outcome = roll < rates.hardBounce ? 'hard' : roll < rates.hardBounce + rates.softBounce ? 'soft' : 'delivered';
  const complained = outcome === 'delivered' && random.next() < rates.complaint;
  const after = (ms: number) => sent.at + 2_000 + Math.floor(random.next() * ms);
  const id = random.hex(20);
  if (route.provider === 'resend') {
    // Resend posts one event per request; delivered notifications are left out to keep the demo's request count down.
    const data = { created_at: new Date(sent.at).toISOString(), email_id: sent.providerMessageId, from: sent.from, to: [sent.to], subject: 'Weekly digest', tags: { sendlens_message_id: sent.messageId, sendlens_workspace: route.workspace } };
    if (outcome !== 'delivered') {
      const bounce = outcome === 'hard' ? { message: '550 5.1.1 The email account that you tried to reach does not exist.', type: 'Permanent', subType: 'General' } : { message: '452 4.2.2 The email account that you tried to reach is over quota.', type: 'Transient', subType: 'MailboxFull' };
      pending.resend.push({ body: JSON.stringify({ type: 'email.bounced', created_at: new Date(after(5 * MINUTE)).toISOString(), data: { ...data, bounce } }) });
    }
    if (complained) pending.resend.push({ body: JSON.stringify({ type: 'email.complained', created_at: new Date(after(6 * HOUR)).toISOString(), data }) });
    return;
  }
  if (route.provider === 'scaisend') {
    const base = { email: sent.to, sg_message_id: `${sent.providerMessageId}.filter0001.1.0`, sendlens_message_id: sent.messageId, sendlens_workspace: route.workspace };
    const event =
      outcome === 'hard'
        ? { ...base, event: 'bounce', type: 'bounce', status: '5.1.1', reason: '550 5.1.1 The email account that you tried to reach does not exist.' }
        : outcome === 'soft'
          ? { ...base, event: 'deferred', response: '452 4.2.2 Mailbox full', attempt: '1' }
          : { ...base, event: 'delivered', response: '250 2.0.0 OK' };
    pending.sendgrid.push({ ...event, timestamp: Math.floor(after(5 * MINUTE) / 1000), sg_event_id: `sg-${id}` });
    if (complained) pending.sendgrid.push({ ...base, event: 'spamreport', timestamp: Math.floor(after(6 * HOUR) / 1000), sg_event_id: `sg-${id}-c` });
    return;
  }
  // SES, relay and sendfleet feedback reach the demo's receiver as generic signed events
  // (SES's own path, SNS, needs a certificate from an AWS host).
  const base = { provider: route.provider, recipient: sent.to, from: sent.from, message_id: sent.messageId, provider_message_id: sent.providerMessageId, workspace: route.workspace };
  const event =
    outcome === 'hard'
      ? { ...base, type: 'bounced', bounce_type: 'hard', smtp_status: '5.1.1', smtp_code: 550, diagnostic: '550 5.1.1 user unknown' }
      : outcome === 'soft'
        ? { ...base, type: 'bounced', bounce_type: 'soft', smtp_status: '4.2.2', smtp_code: 452, diagnostic: '452 4.2.2 mailbox full' }
        : { ...base, type: 'delivered', diagnostic: '250 2.0.0 Ok: queued' };
  pending.generic.push({ ...event, timestamp: new Date(after(5 * MINUTE)).toISOString(), event_id: `ev-${id}` });
  if (complained) pending.generic.push({ ...base, type: 'complained', timestamp: new Date(after(6 * HOUR)).toISOString(), event_id: `ev-${id}-c` });
}

/** Posts a tick's feedback, signed as each provider signs; any answer but 200 stops the demo. */
async function postFeedback(options: TrafficOptions, pending: PendingFeedback): Promise<number> {
  const post = async (path: string, body: string, headers: Record<string, string>) => {
    const response = await fetch(`${options.webhooksUrl}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`the webhook receiver answered ${response.status} on ${path}: ${text.slice(0, 200)}`);
  };
  let requests = 0;
  for (let i = 0; i < pending.generic.length; i += 1_000) {
    const body = JSON.stringify(pending.generic.slice(i, i + 1_000));
    await post('/webhooks/generic', body, { 'x-sendlens-signature': signGeneric(body, options.keys.genericSecret) });
    requests += 1;
  }
  if (pending.sendgrid.length > 0) {
    const body = JSON.stringify(pending.sendgrid);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = createSign('sha256').update(timestamp).update(body).sign(options.keys.sendgridPrivateKeyPem, 'base64');
    await post('/webhooks/scaisend', body, { 'x-twilio-email-event-webhook-signature': signature, 'x-twilio-email-event-webhook-timestamp': timestamp });
    requests += 1;
  }
  for (const { body } of pending.resend) {
    // Stable per event, as Svix's message id is across redeliveries (the event id derives from it).
    const id = `msg_${createHash('sha256').update(body).digest('hex').slice(0, 24)}`;
    const timestamp = Math.floor(Date.now() / 1000);
    await post('/webhooks/resend', body, { 'svix-id': id, 'svix-timestamp': String(timestamp), 'svix-signature': signSvix(id, timestamp, body, options.keys.svixSecret) });
    requests += 1;
  }
  return requests;
}

export type { Incident };
