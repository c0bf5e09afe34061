import { verifySvix } from '../../feedback/index.js';
import { fromResendWebhook } from './feedback.js';
import type { ProviderWebhook } from '../types.js';

export const RESEND_WEBHOOK_PATH = '/webhooks/resend';

export interface ResendWebhookConfig {
  /** The endpoint's signing secret (`whsec_…`). */
  secret: string;
}

/** Resend's webhooks, signed by Svix; the svix-id names the delivery, stable across retries. */
export const resendWebhook: ProviderWebhook<ResendWebhookConfig> = {
  path: RESEND_WEBHOOK_PATH,
  settings: ['RESEND_WEBHOOK_SECRET'],
  fromEnv: (env) => (env.RESEND_WEBHOOK_SECRET ? { secret: env.RESEND_WEBHOOK_SECRET } : undefined),
  endpoint: (config, context) => ({
    path: RESEND_WEBHOOK_PATH,
    verify: (request) => verifySvix(request.headers, request.rawBody, config.secret),
    normalize: (body, request) => fromResendWebhook(body, { ...context(), deliveryId: String(request.headers['svix-id'] ?? '') }),
  }),
};
