import { anyMessage, field, stringField } from '../../normalize/body.js';
import type { ParsedBody } from '../../normalize/body.js';
import type { CatalogRow, FailureFields, ProviderCatalog } from '../../normalize/catalog/types.js';

/**
 * Resend. Seed: 004_4c1b346d7a667aa2.txt. Errors are `{"statusCode", "name",
 * "message"}`; the `resend` SDK returns the same object as `{ error }` instead
 * of throwing. `validation_error` is the trap: on 403 it is the sandbox (or an
 * unverified domain), on 400 a field error.
 */
const rows: readonly CatalogRow[] = [
  { providerCode: 'invalid_idempotency_key', code: 'idempotency.invalid_key', origin: 'seed', doc: 'invalid_idempotency_key | 400 | The key must be between 1-256 chars.' },
  // The 403 texts tell an unverified domain from the testing-only sandbox.
  { providerCode: 'validation_error', status: 403, message: /domain is not verified|verify your domain/i, code: 'sender.domain_not_verified', origin: 'docs', doc: 'validation_error | 403 | The example.com domain is not verified. Please, add and verify your domain.' },
  { providerCode: 'validation_error', status: 403, code: 'account.sandbox_restricted', origin: 'seed', doc: 'validation_error | 403 | You can only send testing emails to your own email address.' },
  { providerCode: 'validation_error', code: 'validation.invalid_fields', origin: 'seed', doc: 'validation_error | 400 | We found an error with one or more fields in the request.' },
  { providerCode: 'missing_api_key', code: 'auth.missing_credentials', origin: 'seed', doc: 'missing_api_key | 401 | Missing API key in the authorization header.' },
  // 401 but not a bad key: the key may only send.
  { providerCode: 'restricted_api_key', code: 'auth.insufficient_scope', origin: 'seed', doc: 'restricted_api_key | 401 | This API key is restricted to only send emails.' },
  { providerCode: 'invalid_api_key', code: 'auth.invalid_credentials', origin: 'seed', doc: 'invalid_api_key | 403 | API key is invalid.' },
  { providerCode: 'not_found', code: 'not_found.resource', origin: 'seed', doc: 'not_found | 404 | The requested endpoint does not exist.' },
  { providerCode: 'method_not_allowed', code: 'validation.method_not_allowed', origin: 'seed', doc: 'method_not_allowed | 405 | Method is not allowed for the requested path.' },
  { providerCode: 'invalid_idempotent_request', code: 'idempotency.payload_mismatch', origin: 'seed', doc: 'invalid_idempotent_request | 409 | Same idempotency key used with a different request payload.' },
  { providerCode: 'concurrent_idempotent_requests', code: 'idempotency.in_progress', origin: 'seed', doc: 'concurrent_idempotent_requests | 409 | Same idempotency key used while original request is still in progress.' },
  { providerCode: 'invalid_attachment', code: 'validation.invalid_attachment', origin: 'seed', doc: 'invalid_attachment | 422 | Attachment must have either a content or path.' },
  { providerCode: 'invalid_from_address', code: 'sender.invalid_from_address', origin: 'seed', doc: 'invalid_from_address | 422 | Invalid from field.' },
  { providerCode: 'invalid_access', code: 'validation.invalid_fields', origin: 'seed', doc: 'invalid_access | 422 | Access must be "full_access" | "sending_access".' },
  { providerCode: 'invalid_parameter', code: 'validation.invalid_fields', origin: 'seed', doc: 'invalid_parameter | 422 | The parameter must be a valid UUID.' },
  { providerCode: 'invalid_region', code: 'validation.invalid_fields', origin: 'seed', doc: 'invalid_region | 422 | Region must be "us-east-1" | "eu-west-1" | "sa-east-1".' },
  { providerCode: 'missing_required_field', code: 'validation.missing_field', origin: 'seed', doc: 'missing_required_field | 422 | The request body is missing one or more required fields.' },
  { providerCode: 'daily_quota_exceeded', code: 'quota.daily_exceeded', origin: 'seed', doc: 'daily_quota_exceeded | 429 | You have reached your daily email sending quota.' },
  { providerCode: 'monthly_quota_exceeded', code: 'quota.monthly_exceeded', origin: 'docs', doc: 'monthly_quota_exceeded | 429 | You have reached your monthly email sending quota.' },
  { providerCode: 'rate_limit_exceeded', code: 'throttling.rate_limited', origin: 'seed', doc: 'rate_limit_exceeded | 429 | Too many requests. Please limit the number of requests per second.' },
  { providerCode: 'security_error', code: 'account.security_hold', origin: 'seed', doc: 'security_error | 451 | We may have found a security issue with the request.' },
  // The resend SDK catches network failures itself and reports them as an application_error without a status.
  { providerCode: 'application_error', message: /unable to fetch data|could not be resolved/i, code: 'network.connection_failed', origin: 'sdk', doc: 'application_error | (no status) | Unable to fetch data. The request could not be resolved. (the resend SDK, on a network failure)' },
  { providerCode: 'application_error', code: 'provider.internal_error', origin: 'seed', doc: 'application_error | 500 | An unexpected error occurred. Try the request again later.' },
  { providerCode: 'internal_server_error', code: 'provider.internal_error', origin: 'seed', doc: 'internal_server_error | 500 | An unexpected error occurred. Try the request again later.' },
];

function readBody(body: ParsedBody): FailureFields {
  if (body.kind !== 'json') return { providerCode: null, message: anyMessage(body) };
  // The SDK's `{ data: null, error: {…} }` when a caller hands us the whole result.
  const error = field(body.value, 'error');
  const source = typeof error === 'object' && error !== null ? error : body.value;
  return { providerCode: stringField(source, 'name'), message: stringField(source, 'message') ?? anyMessage(body) };
}

export const resend: ProviderCatalog = {
  provider: 'resend',
  displayName: 'Resend',
  seed: '004_4c1b346d7a667aa2.txt',
  rows,
  // Resend spells its own codes inconsistently: the resend SDK's list has `invalid_api_Key`
  // (resend/resend-node src/interfaces.ts, RESEND_ERROR_CODES_BY_KEY).
  codesIgnoreCase: true,
  sdkCodeField: 'name',
  readBody,
};
