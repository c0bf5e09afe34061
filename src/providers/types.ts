import type { DeliveryEvent, Operation } from '../events/index.js';
import type { FeedbackContext } from '../feedback/index.js';
import type { WebhookEndpoint } from '../webhooks/index.js';

/**
 * A provider's delivery feedback, as the receiver mounts it: which settings switch it on, how it
 * reads them, and the endpoint (verify as the provider signs, then normalize) it builds from them.
 * A provider without its settings has no endpoint (404), never an unverified one.
 */
export interface ProviderWebhook<Config> {
  /** Where the receiver mounts it: /webhooks/<provider>. */
  readonly path: string;
  /** The environment variables it reads, for the docs and for the "nothing configured" message. */
  readonly settings: readonly string[];
  /** Its configuration from the environment; undefined when its settings are absent. */
  fromEnv(env: NodeJS.ProcessEnv): Config | undefined;
  endpoint(config: Config, context: () => FeedbackContext): WebhookEndpoint<DeliveryEvent>;
}

/** The configuration a webhook takes. */
export type WebhookConfigOf<W> = W extends ProviderWebhook<infer C> ? C : never;

/** A send request's JSON body (or a form's fields), as the fetch adapter hands it over. */
export type RequestFields = Record<string, unknown>;

/**
 * What a provider's HTTP API says about an attempt before it runs, for `instrumentFetch`: where a
 * send request keeps From and To, and the provider's own paths that name an operation (tried
 * before the adapter's generic rules).
 */
export interface ProviderHttpApi {
  addresses(body: RequestFields): { from?: string | undefined; to: string[] };
  readonly operations?: readonly (readonly [RegExp, Operation])[];
}
