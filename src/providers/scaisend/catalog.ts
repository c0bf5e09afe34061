import { anyMessage, field, stringField } from '../../normalize/body.js';
import type { ParsedBody } from '../../normalize/body.js';
import { ANY_CODE, exactly } from '../../normalize/catalog/types.js';
import type { CatalogRow, FailureFields, ProviderCatalog } from '../../normalize/catalog/types.js';

/**
 * ScaiSend. Seed: 003_fcf01acbb33a0afb.txt. It has no error codes at all; it
 * speaks two body shapes, SendGrid-style `{"errors": [{"message", "field"}]}`
 * on the sending endpoints and FastAPI-style `{"detail": …}` elsewhere, where
 * `detail` is a string or a list of pydantic errors `{"loc", "msg", "type"}`.
 * So rows are keyed by status, and the 401/403 reasons by the detail text; for
 * pydantic errors the provider code is the pydantic error `type`.
 */
const rows: readonly CatalogRow[] = [
  // 400
  { providerCode: null, status: 400, code: 'validation.invalid_fields', origin: 'seed', doc: "400 | /v3/mail/send | template_id doesn't start with d-; both content and template_id supplied; personalizations empty (and the other endpoint families' logical constraints)" },
  // 401: told apart only by the detail text.
  { providerCode: null, status: 401, message: /missing authorization header/i, code: 'auth.missing_credentials', origin: 'seed', doc: '401 | {"detail": "Missing Authorization header"} | No Authorization header present' },
  { providerCode: null, status: 401, message: /invalid api key/i, code: 'auth.invalid_credentials', origin: 'seed', doc: '401 | {"detail": "Invalid API key"} | Key not found in DB; typo; revoked' },
  { providerCode: null, status: 401, message: /jwt expired/i, code: 'auth.token_expired', origin: 'seed', doc: '401 | {"detail": "JWT expired"} | Access token past exp' },
  { providerCode: null, status: 401, message: /jwt signature invalid/i, code: 'auth.signature_invalid', origin: 'seed', doc: "401 | {\"detail\": \"JWT signature invalid\"} | Token signature didn't verify against JWKS" },
  // 403: likewise.
  { providerCode: null, status: 403, message: /missing required scope/i, code: 'auth.insufficient_scope', origin: 'seed', doc: '403 | {"detail": "Missing required scope: <scope>"} | Credential lacks the scope' },
  { providerCode: null, status: 403, message: /tenant suspended/i, code: 'account.suspended', origin: 'seed', doc: '403 | {"detail": "Tenant suspended"} | Tenant has been administratively suspended in ScaiKey' },
  { providerCode: null, status: 403, message: /sender domain not verified/i, code: 'sender.domain_not_verified', origin: 'seed', doc: "403 | {\"detail\": \"Sender domain not verified\"} | from.email domain hasn't been verified (live sends only)" },
  { providerCode: null, status: 403, message: /cross-tenant access denied/i, code: 'auth.cross_tenant_denied', origin: 'seed', doc: "403 | {\"detail\": \"Cross-tenant access denied\"} | Trying to access another tenant's resource" },
  // 404, 409, 410, 413
  { providerCode: null, status: 404, code: 'not_found.resource', origin: 'seed', doc: '404 | Resource does not exist, or belongs to a different tenant.' },
  { providerCode: null, status: 409, code: 'conflict.already_exists', origin: 'seed', doc: '409 | State conflict: domain already exists for this tenant; role name already used; template name already used.' },
  { providerCode: null, status: 410, code: 'not_found.gone', origin: 'seed', doc: '410 | /i/{image_id} | Image was deleted after being referenced in a sent email' },
  { providerCode: null, status: 413, code: 'validation.payload_too_large', origin: 'seed', doc: '413 | Request body exceeds the configured limit. (/v3/mail/send 20 MB, /v3/images 10 MB)' },
  // 422: pydantic errors; a missing field is the one kind with a code of its own.
  { providerCode: 'missing', status: 422, code: 'validation.missing_field', origin: 'seed', doc: '422 | Pydantic schema validation failed. detail is an array (type "missing": a required field is absent).' },
  { providerCode: 'value_error.missing', status: 422, code: 'validation.missing_field', origin: 'seed', doc: '422 | Pydantic schema validation failed (pydantic v1 type "value_error.missing").' },
  { providerCode: ANY_CODE, status: 422, code: 'validation.invalid_fields', origin: 'seed', doc: '422 | Pydantic schema validation failed. detail is an array of {"loc", "msg", "type"}.' },
  // 429, 5xx
  { providerCode: null, status: 429, code: 'throttling.rate_limited', origin: 'seed', doc: '429 | Rate limit exceeded. Retry-After: seconds to wait; X-RateLimit-Reset: Unix timestamp when the window resets. | Honor Retry-After' },
  { providerCode: null, status: 500, code: 'provider.internal_error', schedule: [exactly(1000), exactly(2000)], origin: 'seed', doc: '500 | Unexpected server error. | Yes, limited | 2–3 attempts with exponential backoff' },
  { providerCode: null, status: 503, code: 'provider.unavailable', origin: 'seed', doc: '503 | A dependency is down (MySQL, Redis, ScaiKey JWKS). Retry after a delay. | Exponential backoff' },
  // Not a send-time error: the worker's dropped event after a 202 carries this reason.
  { providerCode: 'template_render_error', code: 'content.template_render_failed', origin: 'seed', doc: 'Template rendering failure: a dropped event is emitted with reason template_render_error.' },
];

function describePydanticError(item: unknown): string {
  const loc = field(item, 'loc');
  const where = Array.isArray(loc) ? loc.map(String).join('.') : '';
  const msg = stringField(item, 'msg') ?? '';
  return where ? `${where}: ${msg}` : msg;
}

function readBody(body: ParsedBody): FailureFields {
  if (body.kind !== 'json') return { providerCode: null, message: anyMessage(body) };
  const detail = field(body.value, 'detail');
  if (Array.isArray(detail)) {
    return {
      providerCode: detail.map((item) => stringField(item, 'type')).find((type) => type !== null) ?? null,
      message: detail.slice(0, 20).map(describePydanticError).filter(Boolean).join('; ') || null,
    };
  }
  const errors = field(body.value, 'errors');
  if (Array.isArray(errors)) {
    const messages = errors.slice(0, 20).map((item) => {
      const where = stringField(item, 'field');
      const what = stringField(item, 'message') ?? '';
      return where ? `${where}: ${what}` : what;
    });
    return { providerCode: null, message: messages.filter(Boolean).join('; ') || null };
  }
  // The dropped event's reason, when the caller normalizes a worker failure.
  const reason = stringField(body.value, 'reason');
  return { providerCode: reason === 'template_render_error' ? reason : null, message: anyMessage(body) };
}

export const scaisend: ProviderCatalog = {
  provider: 'scaisend',
  displayName: 'ScaiSend',
  seed: '003_fcf01acbb33a0afb.txt',
  rows,
  sdkCodeField: 'code',
  readBody,
};
