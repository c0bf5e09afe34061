import { field, stringField, anyMessage } from '../../normalize/body.js';
import type { CatalogRow, ProviderCatalog } from '../../normalize/catalog/types.js';

/**
 * relay: a workspace-scoped sending API that relays through Amazon SES.
 * Seed: 000_16e1c96dcfcd1547.txt. Every error is `{"error": {"code", "message"}}`
 * and the docs say to branch on the code only, so no row looks at messages.
 */
const rows: readonly CatalogRow[] = [
  // Auth
  { providerCode: 'unauthorized', code: 'auth.invalid_credentials', origin: 'seed', doc: 'unauthorized | 401 | Missing/invalid token.' },
  { providerCode: 'forbidden', code: 'auth.insufficient_scope', origin: 'seed', doc: 'forbidden | 403 | Token lacks required scope.' },
  { providerCode: 'key_revoked', code: 'auth.key_revoked', origin: 'seed', doc: 'key_revoked | 401 | Key was revoked — issue a new one.' },
  // Emails
  { providerCode: 'domain_not_verified', code: 'sender.domain_not_verified', origin: 'seed', doc: 'domain_not_verified | 422 | from domain not yet verified for this workspace.' },
  { providerCode: 'body_required', code: 'validation.body_required', origin: 'seed', doc: 'body_required | 400 | Both html and text missing.' },
  { providerCode: 'invalid_recipient', code: 'recipient.invalid_address', origin: 'seed', doc: 'invalid_recipient | 400 | to/cc/bcc parse failed or address rejected by validator.' },
  { providerCode: 'template_not_found', code: 'not_found.resource', origin: 'seed', doc: "template_not_found | 404 | templateId doesn't exist (or was deleted)." },
  // Domains
  { providerCode: 'domain_already_exists', code: 'conflict.already_exists', origin: 'seed', doc: 'domain_already_exists | 409 | Domain is already added to this workspace.' },
  { providerCode: 'domain_taken_elsewhere', code: 'conflict.owned_elsewhere', origin: 'seed', doc: 'domain_taken_elsewhere | 409 | Domain registered against another SES identity in our account.' },
  { providerCode: 'dns_lookup_failed', code: 'sender.dns_records_missing', origin: 'seed', doc: "dns_lookup_failed | 422 | DoH lookups for DKIM/SPF/MX records didn't return matching values." },
  // Webhooks
  { providerCode: 'url_must_be_https', code: 'validation.invalid_webhook', origin: 'seed', doc: 'url_must_be_https | 400 | Webhook URL uses http://.' },
  { providerCode: 'events_required', code: 'validation.invalid_webhook', origin: 'seed', doc: 'events_required | 400 | Empty events array.' },
  { providerCode: 'delivery_not_found', code: 'not_found.resource', origin: 'seed', doc: "delivery_not_found | 404 | Redeliver target doesn't exist." },
  // Rate limiting
  { providerCode: 'rate_limited', code: 'throttling.rate_limited', origin: 'seed', doc: 'rate_limited | 429 | Per-workspace plan limit. Retry-After in seconds.' },
  // Provider upstream
  { providerCode: 'provider_unavailable', code: 'provider.unavailable', origin: 'seed', doc: 'provider_unavailable | 503 | AWS SES upstream returned 5xx. We retry on send-path; surfaced here so you know.' },
  // The status table, for bodies without a code (a proxy's page, an empty body).
  { providerCode: null, status: 403, code: 'auth.insufficient_scope', origin: 'seed', doc: "403 | Forbidden. Token doesn't have the required scope." },
  { providerCode: null, status: 409, code: 'conflict.already_exists', origin: 'seed', doc: '409 | Conflict. Resource already exists (e.g. duplicate domain).' },
  { providerCode: null, status: 422, code: 'validation.invalid_fields', origin: 'seed', doc: "422 | Unprocessable. Semantically valid but can't be applied (e.g. domain not yet verified)." },
];

export const relay: ProviderCatalog = {
  provider: 'relay',
  displayName: 'relay (workspace sending API over SES)',
  seed: '000_16e1c96dcfcd1547.txt',
  rows,
  sdkCodeField: 'code',
  readBody(body) {
    if (body.kind === 'json') {
      const error = field(body.value, 'error');
      return {
        providerCode: stringField(error, 'code') ?? stringField(body.value, 'code'),
        message: stringField(error, 'message') ?? anyMessage(body),
      };
    }
    return { providerCode: null, message: anyMessage(body) };
  },
};
