import type { SeedCase } from './types.js';

const detail = (text: string) => ({ detail: text });
/** The SendGrid-style shape of /v3/mail/send. */
const sendgrid = (...errors: { message: string; field?: string | null }[]) => ({ errors: errors.map((e) => ({ field: null, help: null, ...e })) });

/** Seed 003_fcf01acbb33a0afb.txt (ScaiSend), in the seed's order. */
export const scaisendCases: SeedCase[] = [
  // 400, in both shapes
  { seed: '400 | /v3/mail/send | template_id doesn\'t start with d- (SendGrid-style errors array)', provider: 'scaisend', response: { status: 400, body: sendgrid({ message: 'template_id must start with d-', field: 'template_id' }) }, expect: { code: 'validation.invalid_fields', providerCode: null, message: 'template_id: template_id must start with d-' } },
  { seed: '400 | /v3/mail/send | both content and template_id supplied; personalizations empty', provider: 'scaisend', response: { status: 400, body: sendgrid({ message: 'content and template_id are mutually exclusive' }, { message: 'personalizations must not be empty', field: 'personalizations' }) }, expect: { code: 'validation.invalid_fields', message: 'personalizations: personalizations must not be empty' } },
  { seed: '400 | /v3/suppression/bounces (DELETE) | delete_all=true missing (FastAPI-style string detail)', provider: 'scaisend', response: { status: 400, body: detail('delete_all=true is required for bulk delete') }, expect: { code: 'validation.invalid_fields' } },
  // 401
  { seed: '401 | {"detail": "Missing Authorization header"}', provider: 'scaisend', response: { status: 401, body: detail('Missing Authorization header') }, expect: { code: 'auth.missing_credentials', providerCode: null, retry: 'never' } },
  { seed: '401 | {"detail": "Invalid API key"}', provider: 'scaisend', response: { status: 401, body: detail('Invalid API key') }, expect: { code: 'auth.invalid_credentials' } },
  { seed: '401 | {"detail": "JWT expired"}', provider: 'scaisend', response: { status: 401, body: detail('JWT expired') }, expect: { code: 'auth.token_expired' } },
  { seed: '401 | {"detail": "JWT signature invalid"}', provider: 'scaisend', response: { status: 401, body: detail('JWT signature invalid') }, expect: { code: 'auth.signature_invalid' } },
  // 403
  { seed: '403 | {"detail": "Missing required scope: <scope>"}', provider: 'scaisend', response: { status: 403, body: detail('Missing required scope: mail.send') }, expect: { code: 'auth.insufficient_scope' } },
  { seed: '403 | {"detail": "Tenant suspended"}', provider: 'scaisend', response: { status: 403, body: detail('Tenant suspended') }, expect: { code: 'account.suspended' } },
  { seed: '403 | {"detail": "Sender domain not verified"}', provider: 'scaisend', response: { status: 403, body: detail('Sender domain not verified') }, expect: { code: 'sender.domain_not_verified' } },
  { seed: '403 | {"detail": "Cross-tenant access denied"}', provider: 'scaisend', response: { status: 403, body: detail('Cross-tenant access denied') }, expect: { code: 'auth.cross_tenant_denied' } },
  // A detail text not in the seed: what a 403 means anywhere (RFC 9110), never retried.
  { seed: '403 | a detail text not in the seed reads as a bare 403', provider: 'scaisend', response: { status: 403, body: detail('IP address not allowlisted') }, expect: { code: 'auth.insufficient_scope', providerCode: null, retry: 'never' } },
  // 404, 409, 410, 413
  { seed: '404 | /v3/messages/{id} Unknown message ID', provider: 'scaisend', response: { status: 404, body: detail('Message not found') }, expect: { code: 'not_found.resource' } },
  { seed: '409 | /api/admin/domains Domain already exists for this tenant', provider: 'scaisend', response: { status: 409, body: detail('Domain already exists') }, expect: { code: 'conflict.already_exists' } },
  { seed: '410 | /i/{image_id} Image was deleted', provider: 'scaisend', response: { status: 410, body: detail('Image deleted') }, expect: { code: 'not_found.gone' } },
  { seed: '413 | /v3/mail/send 20 MB total body', provider: 'scaisend', response: { status: 413, body: detail('Request body too large') }, expect: { code: 'validation.payload_too_large' } },
  // 422: pydantic v2 errors; "missing" is a missing field, anything else a field error.
  { seed: '422 | Pydantic: detail is an array (type "missing")', provider: 'scaisend', response: { status: 422, body: { detail: [{ type: 'missing', loc: ['body', 'personalizations'], msg: 'Field required', input: {} }] } }, expect: { code: 'validation.missing_field', providerCode: 'missing', message: 'body.personalizations: Field required' } },
  { seed: '422 | Pydantic v1 (type "value_error.missing")', provider: 'scaisend', response: { status: 422, body: { detail: [{ loc: ['body', 'from'], msg: 'field required', type: 'value_error.missing' }] } }, expect: { code: 'validation.missing_field', providerCode: 'value_error.missing' } },
  { seed: '422 | Pydantic: detail is an array (any other type)', provider: 'scaisend', response: { status: 422, body: { detail: [{ type: 'string_pattern_mismatch', loc: ['body', 'from', 'email'], msg: "String should match pattern '^.+@.+$'", input: 'x' }] } }, expect: { code: 'validation.invalid_fields', providerCode: 'string_pattern_mismatch' } },
  // 429 with the documented headers
  { seed: '429 | Retry-After: seconds to wait', provider: 'scaisend', response: { status: 429, headers: { 'Retry-After': '30', 'X-RateLimit-Limit': '600', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(Date.parse('2026-11-22T12:00:45Z') / 1000) }, body: detail('Rate limit exceeded') }, expect: { code: 'throttling.rate_limited', retry: 'retry_after', retryAfterMs: 30_000 } },
  { seed: '429 | X-RateLimit-Reset: Unix timestamp when the window resets (no Retry-After)', provider: 'scaisend', response: { status: 429, headers: { 'X-RateLimit-Limit': '600', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(Date.parse('2026-11-22T12:00:45Z') / 1000) }, body: detail('Rate limit exceeded') }, expect: { code: 'throttling.rate_limited', retryAfterMs: 45_000 } },
  // 5xx
  { seed: '500 | Unexpected server error (FastAPI plain text)', provider: 'scaisend', response: { status: 500, headers: { 'X-Request-ID': 'req-123' }, body: 'Internal Server Error' }, expect: { code: 'provider.internal_error', retry: 'backoff' } },
  { seed: '503 | A dependency is down', provider: 'scaisend', response: { status: 503, body: detail('ScaiKey JWKS unavailable') }, expect: { code: 'provider.unavailable', retry: 'backoff' } },
  // The worker's dropped event reason.
  { seed: 'Template rendering failure: dropped event with reason template_render_error', provider: 'scaisend', response: { status: 200, body: { event: 'dropped', reason: 'template_render_error', message: 'UndefinedError: first_name is undefined' } }, expect: { code: 'content.template_render_failed', providerCode: 'template_render_error' } },
];
