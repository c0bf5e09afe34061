import { anyMessage, field, stringField } from '../../normalize/body.js';
import type { ParsedBody } from '../../normalize/body.js';
import type { CatalogRow, FailureFields, ProviderCatalog } from '../../normalize/catalog/types.js';

/**
 * SendGrid v3 Mail Send (`POST /v3/mail/send`, what `@sendgrid/mail` calls).
 * SendGrid has no error codes: every failure is `{"errors": [{"message",
 * "field", "help"}]}`, so rows are keyed by status and message, and the
 * message a row sees is `field: message` for each error, so a row can tell a
 * bad From address from a bad recipient by the field it names.
 *
 * Sources, cited in each row's doc:
 * - [api-errors] https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/errors
 * - [4xx] https://support.sendgrid.com/hc/en-us/articles/18322114821403-4XX-API-Errors-and-Troubleshooting-Suggestions
 * - [mail-send] https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send (its 400/401/403/413/429/500 responses)
 * - [sender-identity] https://www.twilio.com/docs/api/errors/60222 and the SendGrid support article
 *   "Troubleshooting 'The from address does not match a verified Sender Identity' Error"
 * - [rate-limits] https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/rate-limits
 */
const rows: readonly CatalogRow[] = [
  // 400: field errors. The field a message names tells whose address is wrong.
  { providerCode: null, status: 400, message: /^from(\.email)?: /i, code: 'sender.invalid_from_address', origin: 'docs', doc: '400 | field "from.email": "The from email does not contain a valid address." [mail-send]' },
  { providerCode: null, status: 400, message: /^personalizations\.\d+\.(to|cc|bcc)\.\d+\.email: .*valid address/i, code: 'recipient.invalid_address', origin: 'docs', doc: '400 | field "personalizations.0.to.0.email": "Does not contain a valid address." [mail-send]' },
  { providerCode: null, status: 400, message: /is required|must be provided|must have at least one/i, code: 'validation.missing_field', origin: 'docs', doc: '400 | "The personalizations field is required and must have at least one personalization." / "The from object must be provided for every email send." [mail-send]' },
  { providerCode: null, status: 400, message: /^bad request$/i, code: 'validation.malformed_request', origin: 'docs', doc: '400 | Bad Request | API payload request malformed (a JSON syntax error) [4xx]' },
  { providerCode: null, status: 400, code: 'validation.invalid_fields', origin: 'docs', doc: '400 | Validation error | Incorrect payload content: {"errors": [{"field", "message"}]} [4xx] [api-errors]' },
  // 401: a bad key, a spent plan, or a key without the permission.
  { providerCode: null, status: 401, message: /maximum credits exceeded/i, code: 'quota.daily_exceeded', origin: 'docs', doc: '401 | Maximum credits exceeded | the plan\'s credit limit (daily for the free plan, 2.5x the allotment for reseller plans) [4xx]' },
  { providerCode: null, status: 401, message: /not authorized/i, code: 'auth.insufficient_scope', origin: 'docs', doc: '401 | Authenticated user is not authorized to send mail | insufficient permissions on the API key [4xx]' },
  { providerCode: null, status: 401, code: 'auth.invalid_credentials', origin: 'docs', doc: '401 | The provided authorization grant is invalid, expired, or revoked | the API key is invalid or was deleted [4xx]' },
  // 403: an unverified From, a key without Mail Send, or a temporary block.
  { providerCode: null, status: 403, message: /verified sender identity/i, code: 'sender.domain_not_verified', origin: 'docs', doc: '403 | The from address does not match a verified Sender Identity. Mail cannot be sent until this error is resolved. [sender-identity]' },
  { providerCode: null, status: 403, message: /too many bad requests|temporary block/i, code: 'throttling.rate_limited', retry: 'backoff', origin: 'docs', doc: '403 | Too many bad requests. Temporary block [api-errors]' },
  { providerCode: null, status: 403, message: /access forbidden|forbidden/i, code: 'auth.insufficient_scope', origin: 'docs', doc: '403 | access forbidden | the API key lacks the Mail Send permission [mail-send]' },
  { providerCode: null, status: 406, code: 'validation.malformed_request', origin: 'docs', doc: '406 | Missing Accept header. For example: Accept: application/json [api-errors]' },
  { providerCode: null, status: 413, code: 'validation.payload_too_large', origin: 'docs', doc: '413 | PAYLOAD TOO LARGE | The JSON payload you have included in your request is too large (the total message size limit is 30 MB). [mail-send]' },
  // The reset travels as X-RateLimit-Reset, a Unix timestamp; the normalizer reads it into retryAfterMs.
  { providerCode: null, status: 429, code: 'throttling.rate_limited', origin: 'docs', doc: '429 | TOO MANY REQUESTS | X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset (Unix time the window resets) [rate-limits]' },
  { providerCode: null, status: 500, code: 'provider.internal_error', origin: 'docs', doc: '500 | SERVER ERROR | An error occurred on a SendGrid server. [api-errors]' },
  { providerCode: null, status: 503, code: 'provider.unavailable', origin: 'docs', doc: '503 | SERVICE NOT AVAILABLE | The SendGrid v3 Web API is not available. [api-errors]' },
];

/** `field: message` for each of the first errors, so rows can match on the field. */
function readBody(body: ParsedBody): FailureFields {
  if (body.kind !== 'json') return { providerCode: null, message: anyMessage(body) };
  const errors = field(body.value, 'errors');
  if (!Array.isArray(errors)) return { providerCode: null, message: anyMessage(body) };
  const messages = errors.slice(0, 20).map((item) => {
    const where = stringField(item, 'field');
    const what = stringField(item, 'message') ?? '';
    return where ? `${where}: ${what}` : what;
  });
  return { providerCode: null, message: messages.filter(Boolean).join('; ') || null };
}

export const sendgridCatalog: ProviderCatalog = {
  provider: 'sendgrid',
  displayName: 'SendGrid',
  seed: 'none: the v3 API documentation (sources in src/providers/sendgrid/catalog.ts)',
  rows,
  // @sendgrid/mail's ResponseError carries the HTTP status as `code`, which is not a provider code.
  sdkCodeField: 'code',
  readBody,
};
