import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { DeliveryEvent } from '../../events/index.js';
import type { FeedbackContext, Verdict } from '../../feedback/index.js';
import type { WebhookEndpoint } from '../../webhooks/index.js';
import { fromPostmarkWebhook } from './feedback.js';
import type { ProviderWebhook } from '../types.js';

/**
 * Postmark does not sign its webhooks; it lets the webhook URL carry HTTP
 * basic-auth credentials (https://user:password@host/…), which it sends as
 * `Authorization: Basic …` (https://postmarkapp.com/developer/webhooks/webhooks-overview#protecting-your-webhook-endpoint).
 * So the endpoint refuses any request without the configured credentials.
 * There is no timestamp, so nothing stops a replay of a captured request;
 * the deterministic event id makes storing it again a no-op.
 */
export const POSTMARK_WEBHOOK_PATH = '/webhooks/postmark';
/** The password is the only secret: a generated one of at least this many characters. */
export const MIN_POSTMARK_PASSWORD_CHARS = 16;

export interface PostmarkWebhookConfig {
  username: string;
  password: string;
  path?: string;
}

const refuse = (reason: string): Verdict => ({ ok: false, reason });
const digest = (value: string | Buffer): Buffer => createHash('sha256').update(value).digest();

/**
 * Checks `Authorization: Basic base64(username:password)` against the
 * configured pair, in constant time (both sides hashed to the same length
 * first). Never throws; a reason never repeats what was sent.
 */
export function verifyPostmarkBasicAuth(headers: IncomingHttpHeaders, username: string, password: string): Verdict {
  try {
    const value = headers.authorization;
    if (typeof value !== 'string' || value === '') return refuse('no credentials: Authorization: Basic is required');
    const match = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(value);
    if (!match?.[1]) return refuse('the Authorization header is not Basic credentials');
    const expected = digest(`${username}:${password}`);
    const received = digest(Buffer.from(match[1], 'base64'));
    return timingSafeEqual(expected, received) ? { ok: true } : refuse('the credentials do not match');
  } catch (error) {
    return refuse(`could not verify: ${(error as Error).message}`);
  }
}

/** The receiver's Postmark endpoint; the lead mounts it in the registry. */
export function postmarkWebhookEndpoint(config: PostmarkWebhookConfig, context: () => FeedbackContext): WebhookEndpoint<DeliveryEvent> {
  if (!config.username || config.username.includes(':')) throw new Error('the Postmark webhook username must be non-empty and contain no colon');
  if (config.password.length < MIN_POSTMARK_PASSWORD_CHARS) throw new Error(`the Postmark webhook password must be at least ${MIN_POSTMARK_PASSWORD_CHARS} characters`);
  return {
    path: config.path ?? POSTMARK_WEBHOOK_PATH,
    verify: (request) => verifyPostmarkBasicAuth(request.headers, config.username, config.password),
    normalize: (body) => fromPostmarkWebhook(body, context()),
  };
}

/** Mounted by the receiver when both POSTMARK_WEBHOOK_USERNAME and POSTMARK_WEBHOOK_PASSWORD are set. */
export const postmarkWebhook: ProviderWebhook<PostmarkWebhookConfig> = {
  path: POSTMARK_WEBHOOK_PATH,
  settings: ['POSTMARK_WEBHOOK_USERNAME', 'POSTMARK_WEBHOOK_PASSWORD'],
  fromEnv: (env) =>
    env.POSTMARK_WEBHOOK_USERNAME && env.POSTMARK_WEBHOOK_PASSWORD ? { username: env.POSTMARK_WEBHOOK_USERNAME, password: env.POSTMARK_WEBHOOK_PASSWORD } : undefined,
  endpoint: postmarkWebhookEndpoint,
};
