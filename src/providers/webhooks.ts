import { mailgunWebhook } from './mailgun/webhook.js';
import { postmarkWebhook } from './postmark/webhook.js';
import { resendWebhook } from './resend/webhook.js';
import { scaisendWebhook } from './scaisend/webhook.js';
import { sendgridWebhook } from './sendgrid/webhook.js';
import { sesWebhook } from './ses/webhook.js';

/**
 * The registry of provider feedback: one line per provider that has webhooks. The receiver
 * (src/webhooks) mounts what is configured from here and knows no provider itself. Kept apart
 * from the catalogs' registry (./catalogs.ts) so a service's send path never loads feedback code.
 */
export const PROVIDER_WEBHOOKS = {
  ses: sesWebhook,
  resend: resendWebhook,
  scaisend: scaisendWebhook,
  sendgrid: sendgridWebhook,
  mailgun: mailgunWebhook,
  postmark: postmarkWebhook,
} as const;

export type WebhookProviderId = keyof typeof PROVIDER_WEBHOOKS;
