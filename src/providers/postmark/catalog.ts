import { anyMessage, field, prop, stringField } from '../../normalize/body.js';
import type { ParsedBody } from '../../normalize/body.js';
import type { CatalogRow, FailureFields, ProviderCatalog, ThrownFields } from '../../normalize/catalog/types.js';

/**
 * Postmark. Every failure is `{"ErrorCode": <number>, "Message": "..."}`
 * (HTTP 401 for a bad token, 422 for everything about the request, 429, 500);
 * the postmark SDK throws it as a PostmarkError with `code` (the ErrorCode)
 * and `statusCode`. The provider code is the ErrorCode as text ("406").
 * Only the codes a send can meet are here; the account-management ones
 * (servers, domains, sender signatures, inbound rules) stay unmapped.
 *
 * Sources, cited in each row's doc:
 * - [error-codes] https://postmarkapp.com/developer/api/overview#error-codes (the numbered table, quoted as written there)
 * - [http] https://postmarkapp.com/developer/api/overview#response-codes (401, 404, 413, 422, 429, 500, 503)
 * - [300] https://postmarkapp.com/support/article/1180-what-does-errorcode-300-mean
 * - [sdk] postmark (ActiveCampaign/postmark.js) dist/client/HttpClient.js: a network failure or a timeout is a PostmarkError with code 0 and statusCode 0 carrying fetch's message
 */
const rows: readonly CatalogRow[] = [
  { providerCode: '10', code: 'auth.invalid_credentials', origin: 'docs', doc: '10 | Bad or missing API token | Your request did not contain the correct API token in the header. (401) [error-codes]' },
  { providerCode: '100', code: 'provider.unavailable', origin: 'docs', doc: '100 | Maintenance | The Postmark API is offline for maintenance. [error-codes]' },
  // 300 is every validation failure of the message; its text names the field.
  { providerCode: '300', message: /'(to|cc|bcc)'|recipient/i, code: 'recipient.invalid_address', origin: 'docs', doc: "300 | Invalid email request: \"Error parsing 'To': Illegal email address '…'. It must contain the '@' symbol.\" [300]" },
  { providerCode: '300', message: /'from'|sender/i, code: 'sender.invalid_from_address', origin: 'docs', doc: "300 | Invalid email request: \"Invalid 'From' address: '…'.\" [300]" },
  { providerCode: '300', message: /textbody or htmlbody/i, code: 'validation.body_required', origin: 'docs', doc: '300 | Invalid email request: "Provide either email TextBody or HtmlBody or both." [300]' },
  { providerCode: '300', code: 'validation.invalid_fields', origin: 'docs', doc: '300 | Invalid email request | Validation failed for the email request JSON data that you provided. [error-codes]' },
  { providerCode: '400', code: 'sender.domain_not_registered', origin: 'docs', doc: "400 | Sender Signature not found | You're trying to send email with a From address that doesn't have a sender signature. [error-codes]" },
  { providerCode: '401', code: 'sender.domain_not_verified', origin: 'docs', doc: "401 | Sender signature not confirmed | You're trying to send email with a From address that doesn't have a confirmed sender signature. [error-codes]" },
  { providerCode: '402', code: 'validation.malformed_request', origin: 'docs', doc: '402 | Invalid JSON | The JSON data you provided is syntactically incorrect. [error-codes]' },
  { providerCode: '403', code: 'validation.invalid_fields', origin: 'docs', doc: "403 | Incompatible JSON | The JSON data you provided is syntactically correct, but still doesn't contain the fields we expect. [error-codes]" },
  { providerCode: '405', code: 'quota.monthly_exceeded', origin: 'docs', doc: '405 | Not allowed to send | Your account has run out of credits. You can purchase more on the Credits page. [error-codes]' },
  // Postmark deactivates a recipient after a hard bounce or a spam complaint: its suppression list.
  { providerCode: '406', code: 'suppression.recipient_suppressed', origin: 'docs', doc: '406 | Inactive recipient | You tried to send email to a recipient that has been marked as inactive (a hard bounce or a spam complaint). [error-codes]' },
  { providerCode: '409', code: 'validation.malformed_request', origin: 'docs', doc: "409 | JSON required | Your HTTP request doesn't have the Accept and Content-Type headers set to application/json. [error-codes]" },
  { providerCode: '410', code: 'validation.payload_too_large', origin: 'docs', doc: '410 | Too many batch messages | Your batched request contains more than 500 messages. [error-codes]' },
  { providerCode: '411', code: 'validation.invalid_attachment', origin: 'docs', doc: "411 | Forbidden attachment type | The file type of the attachment isn't allowed. [error-codes]" },
  { providerCode: '412', code: 'account.sandbox_restricted', origin: 'docs', doc: "412 | Account is Pending | While an account is pending approval, email recipients must have the same domain as the one found in the email's from address. [error-codes]" },
  { providerCode: '413', code: 'account.not_approved', origin: 'docs', doc: '413 | Account May Not Send | The account that is associated with the send request is not approved for sending. [error-codes]' },
  { providerCode: '429', code: 'throttling.rate_limited', retry: 'backoff', origin: 'docs', doc: '429 | Rate Limit Exceeded | please reduce the concurrency and request rate of your requests. (no Retry-After) [error-codes]' },
  // Templates (sendEmailWithTemplate, sendEmailBatchWithTemplates).
  { providerCode: '1101', code: 'not_found.resource', origin: 'docs', doc: '1101 | Template not found | The TemplateId, LayoutTemplate, or Alias references a Template that does not exist, or is not associated with the Server. [error-codes]' },
  { providerCode: '1120', code: 'validation.missing_field', origin: 'docs', doc: '1120 | A required Template field is missing. [error-codes]' },
  { providerCode: '1121', code: 'validation.payload_too_large', origin: 'docs', doc: "1121 | Template field is too large | One of the values of the request's body exceeds our size restrictions for that field. [error-codes]" },
  { providerCode: '1122', code: 'validation.invalid_fields', origin: 'docs', doc: '1122 | A Templated field has been submitted that is invalid. [error-codes]' },
  { providerCode: '1123', code: 'validation.invalid_fields', origin: 'docs', doc: '1123 | A field was included in the request body that is not allowed. [error-codes]' },
  // Message streams.
  { providerCode: '1235', code: 'not_found.resource', origin: 'docs', doc: "1235 | The 'MessageStream' provided does not exist on this server. [error-codes]" },
  { providerCode: '1236', code: 'validation.invalid_fields', origin: 'docs', doc: "1236 | Sending is not supported on the supplied 'MessageStream'. (Inbound streams) [error-codes]" },
  // The SDK turns a failure without an answer into ErrorCode 0, status 0 and fetch's own words.
  { providerCode: null, message: /aborted due to timeout/i, code: 'network.timeout', origin: 'sdk', doc: 'PostmarkError code 0, statusCode 0: "The operation was aborted due to timeout" (the client\'s timeout fired) [sdk]' },
  { providerCode: null, message: /^fetch failed$/i, code: 'network.connection_failed', origin: 'sdk', doc: 'PostmarkError code 0, statusCode 0: "fetch failed" (no connection) [sdk]' },
  // Code-less answers (a proxy page, an empty body): the statuses Postmark documents.
  { providerCode: null, status: 500, code: 'provider.internal_error', origin: 'docs', doc: '500 | Internal Server Error [http]' },
  { providerCode: null, status: 503, code: 'provider.unavailable', origin: 'docs', doc: '503 | Service Unavailable: planned maintenance [http]' },
];

/** `{"ErrorCode", "Message"}`; ErrorCode 0 means "no Postmark code" (the SDK's own failures). */
function readBody(body: ParsedBody): FailureFields {
  if (body.kind !== 'json') return { providerCode: null, message: anyMessage(body) };
  const errorCode = field(body.value, 'ErrorCode');
  const providerCode = typeof errorCode === 'number' && Number.isInteger(errorCode) && errorCode !== 0 ? String(errorCode) : typeof errorCode === 'string' && /^[1-9]\d{0,5}$/.test(errorCode) ? errorCode : null;
  return { providerCode, message: stringField(body.value, 'Message') ?? anyMessage(body) };
}

/**
 * postmark.js throws `{ statusCode, code, message }` where `code` is Postmark's own ErrorCode
 * (a number, not the HTTP status): read as the body's ErrorCode would be. Anything else (no
 * answer at all) is left to the shared reading of thrown errors.
 */
function readThrown(error: unknown): ThrownFields | null {
  const [statusCode, code, message] = [prop(error, 'statusCode'), prop(error, 'code'), prop(error, 'message')];
  if (typeof statusCode !== 'number' || typeof code !== 'number' || !Number.isInteger(code) || code <= 0) return null;
  return { status: statusCode, providerCode: String(code), message: typeof message === 'string' ? message : null };
}

export const postmarkCatalog: ProviderCatalog = {
  provider: 'postmark',
  displayName: 'Postmark',
  seed: 'none: the Postmark API documentation (sources in src/providers/postmark/catalog.ts)',
  rows,
  sdkCodeField: 'code',
  readBody,
  readThrown,
};
