import { verifySendgrid } from '../../feedback/index.js';
// ScaiSend's feedback is SendGrid's Event Webhook format, read by the SendGrid folder's normalizer.
import { fromSendgridEvents } from '../sendgrid/feedback.js';
import type { ProviderWebhook } from '../types.js';

export const SCAISEND_WEBHOOK_PATH = '/webhooks/scaisend';

export interface ScaisendWebhookConfig {
  /** The base64 ECDSA P-256 verification key from ScaiSend's settings. */
  publicKey: string;
}

/** ScaiSend's event webhook speaks SendGrid's format and signature (ECDSA over timestamp + body). */
export const scaisendWebhook: ProviderWebhook<ScaisendWebhookConfig> = {
  path: SCAISEND_WEBHOOK_PATH,
  settings: ['SCAISEND_WEBHOOK_PUBLIC_KEY'],
  fromEnv: (env) => (env.SCAISEND_WEBHOOK_PUBLIC_KEY ? { publicKey: env.SCAISEND_WEBHOOK_PUBLIC_KEY } : undefined),
  endpoint: (config, context) => ({
    path: SCAISEND_WEBHOOK_PATH,
    verify: (request) => verifySendgrid(request.headers, request.rawBody, config.publicKey),
    normalize: (body) => fromSendgridEvents(body, { ...context(), provider: 'scaisend' }),
  }),
};
