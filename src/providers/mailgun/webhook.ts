import { createHmac, timingSafeEqual } from 'node:crypto';
import type { DeliveryEvent } from '../../events/index.js';
import { DEFAULT_TOLERANCE_SEC } from '../../feedback/index.js';
import type { FeedbackContext, Verdict } from '../../feedback/index.js';
import type { WebhookEndpoint } from '../../webhooks/index.js';
import { fromMailgunWebhook } from './feedback.js';
import type { ProviderWebhook } from '../types.js';

/**
 * Mailgun signs each webhook inside its JSON body: `signature: { timestamp,
 * token, signature }`, where signature is the hex HMAC-SHA256 of
 * `timestamp + token` under the account's webhook signing key
 * (https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks).
 * Mailgun's advice, followed here: refuse a stale timestamp, and never accept
 * the same token twice once its events are stored (a token whose events could
 * not be stored is given back, so Mailgun's redelivery after our 503 is accepted).
 */
export const MAILGUN_WEBHOOK_PATH = '/webhooks/mailgun';
/** Tokens remembered at most; 100,000 tokens in a 5-minute window is ~330 webhooks a second, ~10 MB. */
export const MAX_REMEMBERED_TOKENS = 100_000;
export const MAX_TOKEN_CHARS = 256;
export const MIN_SIGNING_KEY_CHARS = 16;

const refuse = (reason: string): Verdict => ({ ok: false, reason });

/**
 * The tokens seen within the tolerance window, bounded. A token is kept
 * until its signed timestamp leaves the window (after that the timestamp
 * check refuses it anyway). When the cache is full of tokens still inside
 * the window, new requests are refused (Mailgun retries later) rather than
 * forgetting a token that could then be replayed.
 */
export class SeenTokens {
  readonly #expiries = new Map<string, number>();

  constructor(readonly maxEntries: number = MAX_REMEMBERED_TOKENS) {}

  get size(): number {
    return this.#expiries.size;
  }

  /** Records a token; false when it was already seen, or when there is no room. */
  remember(token: string, expiresAtMs: number, nowMs: number): 'new' | 'seen' | 'full' {
    const known = this.#expiries.get(token);
    if (known !== undefined && known > nowMs) return 'seen';
    if (this.#expiries.size >= this.maxEntries) this.#prune(nowMs);
    if (this.#expiries.size >= this.maxEntries) return 'full';
    this.#expiries.set(token, expiresAtMs);
    return 'new';
  }

  /** Forgets a token spent on a request that was not stored, so its redelivery is accepted. */
  forget(token: string): void {
    this.#expiries.delete(token);
  }

  #prune(nowMs: number): void {
    for (const [token, expiry] of this.#expiries) if (expiry <= nowMs) this.#expiries.delete(token);
  }
}

export interface MailgunVerifyOptions {
  /** The current time in Unix milliseconds; Date.now() when omitted. */
  now?: number;
  /** How far (seconds) the signed timestamp may be from now, either way; 300. */
  toleranceSec?: number;
  /** Where seen tokens are remembered; without it, replays within the window are not detected. */
  seen?: SeenTokens;
}

/**
 * Verifies a Mailgun webhook from its raw body. Never throws; a reason never
 * repeats a token, a signature or the key.
 */
export function verifyMailgunWebhook(rawBody: Buffer | string, signingKey: string, options: MailgunVerifyOptions = {}): Verdict {
  try {
    if (signingKey.length < MIN_SIGNING_KEY_CHARS) return refuse('the configured signing key is too short');
    let body: unknown;
    try {
      body = JSON.parse(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8'));
    } catch {
      return refuse('unsigned: the body is not JSON, so it carries no signature');
    }
    const signature = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).signature : undefined;
    if (typeof signature !== 'object' || signature === null) return refuse('unsigned: the body has no signature object');
    const { timestamp, token, signature: hex } = signature as Record<string, unknown>;
    if (typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp)) return refuse('signature.timestamp is not a Unix time in seconds');
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_CHARS) return refuse('signature.token is missing or too long');
    if (typeof hex !== 'string' || !/^[0-9a-fA-F]{64}$/.test(hex)) return refuse('signature.signature is not a hex SHA-256 HMAC');
    const now = options.now ?? Date.now();
    const tolerance = options.toleranceSec ?? DEFAULT_TOLERANCE_SEC;
    const skew = Number(timestamp) - now / 1000;
    if (skew < -tolerance) return refuse(`the timestamp is ${Math.round(-skew)} s old, over the tolerance of ${tolerance} s (a replay, or a clock off)`);
    if (skew > tolerance) return refuse(`the timestamp is ${Math.round(skew)} s in the future, over the tolerance of ${tolerance} s`);
    const expected = createHmac('sha256', signingKey).update(timestamp).update(token).digest();
    if (!timingSafeEqual(expected, Buffer.from(hex, 'hex'))) return refuse('the signature does not match the timestamp and token');
    // Only a genuine signature spends its token, so forged requests cannot fill the cache.
    if (options.seen) {
      const verdict = options.seen.remember(token, (Number(timestamp) + tolerance) * 1000, now);
      if (verdict === 'seen') return refuse('the token was already used (a replay)');
      if (verdict === 'full') return refuse(`more than ${options.seen.maxEntries} webhooks within the tolerance window; deliver again later`);
      const seen = options.seen;
      // Mailgun redelivers a webhook we answered 5xx with the same token: it must not read as a replay.
      return { ok: true, release: () => seen.forget(token) };
    }
    return { ok: true };
  } catch (error) {
    return refuse(`could not verify: ${(error as Error).message}`);
  }
}

export interface MailgunWebhookConfig {
  /** The HTTP webhook signing key from Mailgun's settings (not the API key). */
  signingKey: string;
  path?: string;
  toleranceSec?: number;
  maxRememberedTokens?: number;
  /** The clock the timestamp is checked against; tests pin it. */
  now?: () => number;
}

/** The receiver's Mailgun endpoint; the lead mounts it in the registry. */
export function mailgunWebhookEndpoint(config: MailgunWebhookConfig, context: () => FeedbackContext): WebhookEndpoint<DeliveryEvent> {
  if (config.signingKey.length < MIN_SIGNING_KEY_CHARS) throw new Error(`the Mailgun webhook signing key must be at least ${MIN_SIGNING_KEY_CHARS} characters`);
  const seen = new SeenTokens(config.maxRememberedTokens ?? MAX_REMEMBERED_TOKENS);
  const now = config.now ?? Date.now;
  return {
    path: config.path ?? MAILGUN_WEBHOOK_PATH,
    verify: (request) => verifyMailgunWebhook(request.rawBody, config.signingKey, { now: now(), seen, ...(config.toleranceSec !== undefined && { toleranceSec: config.toleranceSec }) }),
    normalize: (body) => fromMailgunWebhook(body, context()),
  };
}

/** Mounted by the receiver when MAILGUN_WEBHOOK_SIGNING_KEY is set. */
export const mailgunWebhook: ProviderWebhook<MailgunWebhookConfig> = {
  path: MAILGUN_WEBHOOK_PATH,
  settings: ['MAILGUN_WEBHOOK_SIGNING_KEY'],
  fromEnv: (env) => (env.MAILGUN_WEBHOOK_SIGNING_KEY ? { signingKey: env.MAILGUN_WEBHOOK_SIGNING_KEY } : undefined),
  endpoint: mailgunWebhookEndpoint,
};
