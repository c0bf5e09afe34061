import type { DeliveryEvent } from '../../events/index.js';
import { verifySendgrid } from '../../feedback/index.js';
import { fromSendgridEvents } from './feedback.js';
import type { FeedbackContext, TimestampOptions } from '../../feedback/index.js';
import type { WebhookEndpoint } from '../../webhooks/index.js';
import type { ProviderWebhook } from '../types.js';

/**
 * SendGrid's signed Event Webhook: a JSON array of events, signed with ECDSA
 * P-256 over the X-Twilio-Email-Event-Webhook-Timestamp header followed by
 * the raw body (https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features).
 * The feedback stage already speaks this format for ScaiSend: the verifier
 * (verifySendgrid) and the normalizer (fromSendgridEvents, with its
 * SENDGRID_EVENTS / SENDGRID_BOUNCES / SENDGRID_DROPS mapping tables) are
 * reused as they are, with the provider set to sendgrid.
 */
export const SENDGRID_WEBHOOK_PATH = '/webhooks/sendgrid';

export interface SendgridWebhookConfig {
  /** The verification key from the Event Webhook's signature settings: base64 DER, or PEM. */
  publicKey: string;
  path?: string;
  /** Seconds the signed timestamp may be from now; 300. */
  toleranceSec?: number;
}

/** The receiver's SendGrid endpoint; the lead mounts it in the registry. */
export function sendgridWebhookEndpoint(config: SendgridWebhookConfig, context: () => FeedbackContext): WebhookEndpoint<DeliveryEvent> {
  if (!config.publicKey) throw new Error('the SendGrid webhook needs the verification public key');
  const timestamps: TimestampOptions = config.toleranceSec !== undefined ? { toleranceSec: config.toleranceSec } : {};
  return {
    path: config.path ?? SENDGRID_WEBHOOK_PATH,
    verify: (request) => verifySendgrid(request.headers, request.rawBody, config.publicKey, timestamps),
    normalize: (body) => fromSendgridEvents(body, { ...context(), provider: 'sendgrid' }),
  };
}

/** Mounted by the receiver when SENDGRID_WEBHOOK_PUBLIC_KEY is set. */
export const sendgridWebhook: ProviderWebhook<SendgridWebhookConfig> = {
  path: SENDGRID_WEBHOOK_PATH,
  settings: ['SENDGRID_WEBHOOK_PUBLIC_KEY'],
  fromEnv: (env) => (env.SENDGRID_WEBHOOK_PUBLIC_KEY ? { publicKey: env.SENDGRID_WEBHOOK_PUBLIC_KEY } : undefined),
  endpoint: sendgridWebhookEndpoint,
};
