import type { DeliveryEvent, RecipientHasher } from '../events/index.js';
import { fromGenericEvents, MIN_GENERIC_SECRET_BYTES, verifyGeneric } from '../feedback/index.js';
import { PROVIDER_WEBHOOKS } from '../providers/webhooks.js';
import type { WebhookProviderId } from '../providers/webhooks.js';
import type { WebhookConfigOf } from '../providers/types.js';
import type { WebhookEndpoint } from './server.js';

type ProviderWebhookConfigs = { [Id in WebhookProviderId]?: WebhookConfigOf<(typeof PROVIDER_WEBHOOKS)[Id]> };

/** Which providers the receiver listens for, and the secrets that prove a request came from them. */
export interface FeedbackEndpointsConfig extends ProviderWebhookConfigs {
  hasher: RecipientHasher;
  /** Forced workspace for every event (else the payload's sendlens_workspace tag). */
  workspace?: string;
  /** Generic signed JSON (relay, sendfleet, anything of yours): a shared secret of at least 32 bytes. */
  generic?: { secret: string };
  /** Clock for `received_at`; tests may pin it. */
  now?: () => number;
}

/** The generic endpoint is sendlens's own scheme, not a provider's: it lives with the receiver. */
export const GENERIC_WEBHOOK_PATH = '/webhooks/generic';
export const GENERIC_WEBHOOK_SETTINGS = ['SENDLENS_WEBHOOK_SECRET'] as const;

/** Where each endpoint is mounted. */
export const WEBHOOK_PATHS = {
  ...(Object.fromEntries(Object.entries(PROVIDER_WEBHOOKS).map(([id, webhook]) => [id, webhook.path])) as Record<WebhookProviderId, string>),
  generic: GENERIC_WEBHOOK_PATH,
};

/**
 * The endpoints the configuration enables, one per configured provider from the registry
 * (src/providers/webhooks.ts) plus the generic one; a provider without its settings has no
 * endpoint (404), never an unverified one.
 */
export function feedbackEndpoints(config: FeedbackEndpointsConfig): WebhookEndpoint<DeliveryEvent>[] {
  const now = config.now ?? Date.now;
  const context = () => ({ hasher: config.hasher, receivedAt: now(), ...(config.workspace && { workspace: config.workspace }) });
  const endpoints: WebhookEndpoint<DeliveryEvent>[] = [];
  for (const id of Object.keys(PROVIDER_WEBHOOKS) as WebhookProviderId[]) {
    const settings = config[id];
    // Each registry entry is typed with its own configuration; the lookup by id pairs them.
    if (settings) endpoints.push((PROVIDER_WEBHOOKS[id].endpoint as (c: typeof settings, ctx: typeof context) => WebhookEndpoint<DeliveryEvent>)(settings, context));
  }
  const { generic } = config;
  if (generic) {
    if (Buffer.byteLength(generic.secret) < MIN_GENERIC_SECRET_BYTES) throw new Error(`the generic webhook secret must be at least ${MIN_GENERIC_SECRET_BYTES} bytes`);
    endpoints.push({
      path: GENERIC_WEBHOOK_PATH,
      verify: (request) => verifyGeneric(request.headers, request.rawBody, generic.secret),
      normalize: (body) => fromGenericEvents(body, context()),
    });
  }
  return endpoints;
}

/** Every setting that switches an endpoint on, for the "nothing configured" message and the docs. */
export function webhookSettings(): string[] {
  return [...Object.values(PROVIDER_WEBHOOKS).flatMap((webhook) => webhook.settings), ...GENERIC_WEBHOOK_SETTINGS];
}

/**
 * The receiver's endpoints from the environment: each provider's own settings (see the registry
 * and the README), SENDLENS_WEBHOOK_SECRET (≥ 32 bytes) for the generic one, and
 * SENDLENS_WORKSPACE, an optional forced workspace.
 */
export function feedbackConfigFromEnv(hasher: RecipientHasher, env: NodeJS.ProcessEnv = process.env): FeedbackEndpointsConfig {
  const config: FeedbackEndpointsConfig = { hasher, ...(env.SENDLENS_WORKSPACE && { workspace: env.SENDLENS_WORKSPACE }) };
  for (const id of Object.keys(PROVIDER_WEBHOOKS) as WebhookProviderId[]) {
    const settings = PROVIDER_WEBHOOKS[id].fromEnv(env);
    if (settings) (config as unknown as Record<string, unknown>)[id] = settings;
  }
  if (env.SENDLENS_WEBHOOK_SECRET) config.generic = { secret: env.SENDLENS_WEBHOOK_SECRET };
  return config;
}
