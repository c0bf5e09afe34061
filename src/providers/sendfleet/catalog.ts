import { anyMessage, stringField } from '../../normalize/body.js';
import type { ParsedBody } from '../../normalize/body.js';
import { between, exactly } from '../../normalize/catalog/types.js';
import type { CatalogRow, FailureFields, ProviderCatalog } from '../../normalize/catalog/types.js';

/**
 * SendFleet: a Django REST Framework API in front of SES.
 * Seed: 001_019e61392b6d1042.txt. Three body shapes: `{"success": false,
 * "error", "detail"}`, DRF field errors `{"to": ["…"]}` on 400, and DRF's own
 * `{"detail": "…"}` for authentication and throttling, which carry no code.
 */
const BACKOFF_1_2_4_8 = [exactly(1000), exactly(2000), exactly(4000), exactly(8000)];

const rows: readonly CatalogRow[] = [
  // 403: the key is fine, the account or domain may not send. `unauthorized` is the trap:
  // on 403 it is an account that is not approved, not a bad key.
  { providerCode: 'unauthorized', status: 403, code: 'account.not_approved', origin: 'seed', doc: 'unauthorized | Account email not verified, account not approved for Shared SES, or no active Growth/Pro subscription.' },
  { providerCode: 'unauthorized', status: 401, code: 'auth.invalid_credentials', origin: 'status', doc: 'HTTP 401 - The X-API-Key header is missing, the key is invalid, the key has been revoked, or the key has expired.' },
  { providerCode: 'domain_not_registered', code: 'sender.domain_not_registered', origin: 'seed', doc: 'domain_not_registered | The domain in from_email has not been added to your account.' },
  { providerCode: 'domain_not_verified', code: 'sender.domain_not_verified', origin: 'seed', doc: 'domain_not_verified | Domain is registered but SES has not confirmed ownership (TXT record missing or not propagated).' },
  { providerCode: 'dkim_not_verified', code: 'sender.dkim_not_verified', origin: 'seed', doc: 'dkim_not_verified | Domain ownership is verified but the 3 DKIM CNAME records are not confirmed.' },
  { providerCode: 'domain_mode_mismatch', code: 'sender.domain_mode_mismatch', origin: 'seed', doc: "domain_mode_mismatch | The domain's sending mode (BYOC or Shared) doesn't match your current plan." },
  { providerCode: 'sending_suspended', code: 'account.sending_suspended', origin: 'seed', doc: "sending_suspended | Your account's API sending has been suspended, typically due to high bounce or complaint rates." },
  // 422
  { providerCode: 'recipient_suppressed', code: 'suppression.recipient_suppressed', origin: 'seed', doc: 'recipient_suppressed | The to address is on your suppression list due to a previous hard bounce or spam complaint.' },
  // 429: two limits behind one status; only the quota has a code.
  { providerCode: 'usage_limit_exceeded', code: 'quota.monthly_exceeded', origin: 'seed', doc: 'usage_limit_exceeded | Monthly email quota exhausted for your plan. Monthly quota resets at the start of each calendar month.' },
  { providerCode: null, status: 429, code: 'throttling.rate_limited', schedule: BACKOFF_1_2_4_8, origin: 'seed', doc: '(none - DRF throttle) | Per-key rate limit exceeded (60 req/min). | Exponential backoff starting at 1 s.' },
  // 5xx
  { providerCode: 'queue_error', code: 'provider.queue_unavailable', schedule: BACKOFF_1_2_4_8, origin: 'seed', doc: 'queue_error | AWS SQS was temporarily unavailable. | Exponential backoff: wait 1 s, 2 s, 4 s, 8 s. After 3–4 retries, treat as a permanent failure and alert.' },
  { providerCode: 'byoc_not_configured', code: 'provider.misconfigured', origin: 'seed', doc: "byoc_not_configured | SendFleet's BYOC relay credentials are not configured on our infrastructure. | Contact support. Do not retry indefinitely." },
  { providerCode: null, status: 500, code: 'provider.internal_error', retry: 'once', schedule: [between(2000, 5000)], origin: 'seed', doc: 'HTTP 500 - Retry once with exponential backoff. | 500 | Yes | One retry after 2–5 s, then alert.' },
  // 401 carries DRF's `detail` only; its causes are told apart by the text.
  { providerCode: null, status: 401, message: /not provided|missing/i, code: 'auth.missing_credentials', origin: 'seed', doc: '401 - No credentials: {"detail": "Authentication credentials were not provided."} | Header missing entirely' },
  { providerCode: null, status: 401, message: /revoked/i, code: 'auth.key_revoked', origin: 'seed', doc: 'Key revoked | Generate a new key in Dashboard → API Keys.' },
  { providerCode: null, status: 401, message: /expired/i, code: 'auth.key_expired', origin: 'seed', doc: 'Key expired | Generate a new key or extend the expiry date.' },
  { providerCode: null, status: 401, code: 'auth.invalid_credentials', origin: 'seed', doc: 'Key not found | Verify you copied the full secret, including the part after the dot.' },
  // 400: DRF field errors, no code.
  { providerCode: null, status: 400, code: 'validation.invalid_fields', origin: 'seed', doc: 'HTTP 400 - The request body is malformed, missing required fields, or contains invalid values. The response contains field-level validation errors.' },
];

/** DRF field errors: every value a list of strings, e.g. `{"to": ["Enter a valid email address."]}`. */
function fieldErrors(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const entries = Object.entries(value);
  if (entries.length === 0) return null;
  const parts: string[] = [];
  for (const [name, problems] of entries) {
    if (!Array.isArray(problems) || !problems.every((p) => typeof p === 'string')) return null;
    parts.push(`${name}: ${problems.join(' ')}`);
  }
  return parts.join('; ');
}

/** DRF's throttle text names the wait when no header does: "Expected available in 12 seconds." */
export function drfThrottleWaitMs(message: string | null): number | null {
  const found = message === null ? null : /expected available in (\d+(?:\.\d+)?) seconds?/i.exec(message);
  return found?.[1] === undefined ? null : Math.round(Number(found[1]) * 1000);
}

function readBody(body: ParsedBody): FailureFields {
  if (body.kind !== 'json') return { providerCode: null, message: anyMessage(body) };
  const code = stringField(body.value, 'error');
  const detail = stringField(body.value, 'detail');
  if (code !== null || detail !== null) return { providerCode: code, message: detail ?? anyMessage(body) };
  return { providerCode: null, message: fieldErrors(body.value) ?? anyMessage(body) };
}

export const sendfleet: ProviderCatalog = {
  provider: 'sendfleet',
  displayName: 'SendFleet',
  seed: '001_019e61392b6d1042.txt',
  rows,
  sdkCodeField: 'code',
  readBody,
  bodyRetryAfterMs: (body) => (body.kind === 'json' ? drfThrottleWaitMs(stringField(body.value, 'detail')) : null),
};
