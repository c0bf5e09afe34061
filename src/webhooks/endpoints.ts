import type { DeliveryEvent, RecipientHasher } from '../events/index.js';
import {
  confirmSnsSubscription,
  fromGenericEvents,
  fromResendWebhook,
  fromSendgridEvents,
  fromSesNotification,
  MIN_GENERIC_SECRET_BYTES,
  readSnsMessage,
  verifyGeneric,
  verifySendgrid,
  verifySnsMessage,
  verifySvix,
} from '../feedback/index.js';
import type { SnsConfirmOptions, SnsVerifyOptions } from '../feedback/index.js';
import type { DirectAnswer, WebhookEndpoint } from './server.js';

/** Which providers the receiver listens for, and the secrets that prove a request came from them. */
export interface FeedbackEndpointsConfig {
  hasher: RecipientHasher;
  /** Forced workspace for every event (else the payload's sendlens_workspace tag). */
  workspace?: string;
  /** SES through SNS: the topics accepted (required: anyone can subscribe an endpoint to a topic of theirs). */
  ses?: { allowedTopicArns: string[]; verify?: Omit<SnsVerifyOptions, 'allowedTopicArns'>; confirm?: SnsConfirmOptions };
  /** Resend: the endpoint's signing secret (`whsec_…`). */
  resend?: { secret: string };
  /** SendGrid-style event webhook (ScaiSend): the base64 ECDSA public key from the provider's settings. */
  scaisend?: { publicKey: string };
  /** Generic signed JSON (relay, sendfleet): a shared secret of at least 32 bytes. */
  generic?: { secret: string };
  /** Clock for `received_at`; tests may pin it. */
  now?: () => number;
}

export const WEBHOOK_PATHS = { ses: '/webhooks/ses', resend: '/webhooks/resend', scaisend: '/webhooks/scaisend', generic: '/webhooks/generic' } as const;

/** The endpoints the configuration enables; a provider without its secret has no endpoint (404), never an unverified one. */
export function feedbackEndpoints(config: FeedbackEndpointsConfig): WebhookEndpoint<DeliveryEvent>[] {
  const now = config.now ?? Date.now;
  const context = () => ({ hasher: config.hasher, receivedAt: now(), ...(config.workspace && { workspace: config.workspace }) });
  const endpoints: WebhookEndpoint<DeliveryEvent>[] = [];
  const { ses, resend, scaisend, generic } = config;
  if (ses) {
    if (ses.allowedTopicArns.length === 0) throw new Error('the SES endpoint needs at least one allowed SNS topic ARN');
    endpoints.push({
      path: WEBHOOK_PATHS.ses,
      verify: (request) => verifySnsMessage(request.rawBody, { ...ses.verify, allowedTopicArns: ses.allowedTopicArns }),
      normalize: async (body): Promise<DeliveryEvent[] | DirectAnswer> => {
        const read = readSnsMessage(body);
        // The handshake: only for a verified message from an allowed topic (verify ran first).
        if (read.ok && read.message.Type === 'SubscriptionConfirmation') {
          const verdict = await confirmSnsSubscription(read.message, ses.confirm);
          return verdict.ok ? { status: 200, body: { confirmed: true } } : { status: 502, body: { error: `subscription not confirmed: ${verdict.reason}` } };
        }
        if (read.ok && read.message.Type === 'UnsubscribeConfirmation') return { status: 200, body: { unsubscribed: true } };
        return fromSesNotification(body, context());
      },
    });
  }
  if (resend) {
    endpoints.push({
      path: WEBHOOK_PATHS.resend,
      verify: (request) => verifySvix(request.headers, request.rawBody, resend.secret),
      normalize: (body, request) => fromResendWebhook(body, { ...context(), deliveryId: String(request.headers['svix-id'] ?? '') }),
    });
  }
  if (scaisend) {
    endpoints.push({
      path: WEBHOOK_PATHS.scaisend,
      verify: (request) => verifySendgrid(request.headers, request.rawBody, scaisend.publicKey),
      normalize: (body) => fromSendgridEvents(body, { ...context(), provider: 'scaisend' }),
    });
  }
  if (generic) {
    if (Buffer.byteLength(generic.secret) < MIN_GENERIC_SECRET_BYTES) throw new Error(`the generic webhook secret must be at least ${MIN_GENERIC_SECRET_BYTES} bytes`);
    endpoints.push({
      path: WEBHOOK_PATHS.generic,
      verify: (request) => verifyGeneric(request.headers, request.rawBody, generic.secret),
      normalize: (body) => fromGenericEvents(body, context()),
    });
  }
  return endpoints;
}

/**
 * The receiver's endpoints from the environment (documented in the README):
 *   SENDLENS_SES_TOPIC_ARNS          comma-separated SNS topic ARNs → /webhooks/ses
 *   RESEND_WEBHOOK_SECRET            whsec_… → /webhooks/resend
 *   SCAISEND_WEBHOOK_PUBLIC_KEY      base64 ECDSA P-256 public key → /webhooks/scaisend
 *   SENDLENS_WEBHOOK_SECRET          ≥ 32 bytes → /webhooks/generic
 *   SENDLENS_WORKSPACE               optional forced workspace
 */
export function feedbackConfigFromEnv(hasher: RecipientHasher, env: NodeJS.ProcessEnv = process.env): FeedbackEndpointsConfig {
  const arns = (env.SENDLENS_SES_TOPIC_ARNS ?? '')
    .split(',')
    .map((arn) => arn.trim())
    .filter(Boolean);
  return {
    hasher,
    ...(env.SENDLENS_WORKSPACE && { workspace: env.SENDLENS_WORKSPACE }),
    ...(arns.length > 0 && { ses: { allowedTopicArns: arns } }),
    ...(env.RESEND_WEBHOOK_SECRET && { resend: { secret: env.RESEND_WEBHOOK_SECRET } }),
    ...(env.SCAISEND_WEBHOOK_PUBLIC_KEY && { scaisend: { publicKey: env.SCAISEND_WEBHOOK_PUBLIC_KEY } }),
    ...(env.SENDLENS_WEBHOOK_SECRET && { generic: { secret: env.SENDLENS_WEBHOOK_SECRET } }),
  };
}
