import type { SeedCase } from './types.js';

const error = (code: string, message: string) => ({ error: { code, message } });

/** Seed 000_16e1c96dcfcd1547.txt (relay), in the seed's order. */
export const relayCases: SeedCase[] = [
  // Auth
  { seed: 'unauthorized | 401', provider: 'relay', response: { status: 401, body: error('unauthorized', 'Missing or invalid token.') }, expect: { code: 'auth.invalid_credentials', providerCode: 'unauthorized', retry: 'never' } },
  { seed: 'forbidden | 403', provider: 'relay', response: { status: 403, body: error('forbidden', 'Token lacks the domains:write scope.') }, expect: { code: 'auth.insufficient_scope' } },
  { seed: 'key_revoked | 401', provider: 'relay', response: { status: 401, body: error('key_revoked', 'Key was revoked.') }, expect: { code: 'auth.key_revoked' } },
  // Emails (the seed's example body, as JSON text)
  { seed: 'domain_not_verified | 422 (the documented body shape)', provider: 'relay', response: { status: 422, headers: { 'content-type': 'application/json' }, body: '{\n"error": {\n"code": "domain_not_verified",\n"message": "The sender domain has not been verified yet."\n}\n}' }, expect: { code: 'sender.domain_not_verified', message: 'has not been verified yet' } },
  { seed: 'body_required | 400', provider: 'relay', response: { status: 400, body: error('body_required', 'Both html and text missing.') }, expect: { code: 'validation.body_required' } },
  { seed: 'invalid_recipient | 400', provider: 'relay', response: { status: 400, body: error('invalid_recipient', 'Address jane.doe@example.com rejected by validator.') }, expect: { code: 'recipient.invalid_address', message: 'Address [email] rejected' } },
  { seed: 'template_not_found | 404', provider: 'relay', response: { status: 404, body: error('template_not_found', "templateId doesn't exist.") }, expect: { code: 'not_found.resource' } },
  // Domains
  { seed: 'domain_already_exists | 409', provider: 'relay', response: { status: 409, body: error('domain_already_exists', 'Domain is already added to this workspace.') }, expect: { code: 'conflict.already_exists' } },
  { seed: 'domain_taken_elsewhere | 409', provider: 'relay', response: { status: 409, body: error('domain_taken_elsewhere', 'Domain registered against another SES identity.') }, expect: { code: 'conflict.owned_elsewhere' } },
  { seed: 'dns_lookup_failed | 422', provider: 'relay', response: { status: 422, body: error('dns_lookup_failed', 'DKIM record did not match.') }, expect: { code: 'sender.dns_records_missing' } },
  // Webhooks
  { seed: 'url_must_be_https | 400', provider: 'relay', response: { status: 400, body: error('url_must_be_https', 'Webhook URL uses http://.') }, expect: { code: 'validation.invalid_webhook' } },
  { seed: 'events_required | 400', provider: 'relay', response: { status: 400, body: error('events_required', 'Empty events array.') }, expect: { code: 'validation.invalid_webhook' } },
  { seed: 'delivery_not_found | 404', provider: 'relay', response: { status: 404, body: error('delivery_not_found', "Redeliver target doesn't exist.") }, expect: { code: 'not_found.resource' } },
  // Rate limiting: Retry-After in seconds, and as an HTTP date.
  { seed: 'rate_limited | 429 | Retry-After in seconds', provider: 'relay', response: { status: 429, headers: { 'Retry-After': '17' }, body: error('rate_limited', 'Per-workspace plan limit.') }, expect: { code: 'throttling.rate_limited', retry: 'retry_after', retryAfterMs: 17_000 } },
  { seed: 'rate_limited | 429 | Retry-After as an HTTP date', provider: 'relay', response: { status: 429, headers: { 'retry-after': 'Sun, 22 Nov 2026 12:01:30 GMT' }, body: error('rate_limited', 'Per-workspace plan limit.') }, expect: { code: 'throttling.rate_limited', retryAfterMs: 90_000 } },
  // Provider upstream
  { seed: 'provider_unavailable | 503', provider: 'relay', response: { status: 503, body: error('provider_unavailable', 'AWS SES upstream returned 5xx.') }, expect: { code: 'provider.unavailable', retry: 'backoff' } },
  // Status semantics, for bodies without a code: a proxy's HTML page, an empty body, plain text.
  { seed: '403 | Forbidden. (HTML page from a proxy)', provider: 'relay', response: { status: 403, headers: { 'content-type': 'text/html' }, body: '<!DOCTYPE html><html><head><title>403 Forbidden</title></head><body><h1>403 Forbidden</h1></body></html>' }, expect: { code: 'auth.insufficient_scope', providerCode: null, message: '403 Forbidden' } },
  { seed: '409 | Conflict. (empty body)', provider: 'relay', response: { status: 409, body: '' }, expect: { code: 'conflict.already_exists', providerCode: null } },
  { seed: '422 | Unprocessable. (plain text)', provider: 'relay', response: { status: 422, body: 'Unprocessable Entity' }, expect: { code: 'validation.invalid_fields', message: 'Unprocessable Entity' } },
  { seed: '5xx | Server-side problem. Retry with exponential backoff. (nginx 502 page)', provider: 'relay', response: { status: 502, body: '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>' }, expect: { code: 'provider.unavailable', retry: 'backoff', message: '502 Bad Gateway' } },
  { seed: '5xx | Server-side problem. (empty 500)', provider: 'relay', response: { status: 500 }, expect: { code: 'provider.internal_error', retry: 'backoff' } },
  // A code the table does not know: the raw code is kept and the status decides (the status class for a 400).
  { seed: '(a code not in the catalog)', provider: 'relay', response: { status: 400, body: error('brand_new_code', 'Something new.') }, expect: { code: 'validation.malformed_request', providerCode: 'brand_new_code', retry: 'never' } },
  { seed: '(a code not in the catalog, on a 503)', provider: 'relay', response: { status: 503, body: error('brand_new_code', 'Something new.') }, expect: { code: 'provider.unavailable', providerCode: 'brand_new_code', retry: 'backoff' } },
];
