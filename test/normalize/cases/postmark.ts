import type { SeedCase } from './types.js';

/** Postmark's error body: `{"ErrorCode": <number>, "Message": "..."}`. */
const pm = (seed: string, status: number, errorCode: number, text: string, expect: SeedCase['expect']): SeedCase => ({
  seed: `[error-codes] ${seed}`,
  provider: 'postmark',
  response: { status, body: { ErrorCode: errorCode, Message: text } },
  expect: { providerCode: String(errorCode), ...expect },
});

/** A PostmarkError thrown when no answer came (code 0, statusCode 0, fetch's message), as the adapter reads it. */
const sdkFailure = (text: string) => ({ status: 0, body: { ErrorCode: 0, Message: text } });

/**
 * Postmark, one case per row of src/providers/postmark/catalog.ts, in its
 * order. Sources: [error-codes] postmarkapp.com/developer/api/overview#error-codes,
 * [300] postmarkapp.com/support/article/1180-what-does-errorcode-300-mean,
 * [sdk] postmark's dist/client/HttpClient.js (transformError).
 */
export const postmarkCases: SeedCase[] = [
  pm('10 Bad or missing API token', 401, 10, "Request does not contain a valid Server token. Please check the 'X-Postmark-Server-Token' header.", { code: 'auth.invalid_credentials' }),
  pm('100 Maintenance', 503, 100, 'The Postmark API is offline for maintenance.', { code: 'provider.unavailable', retry: 'backoff' }),
  { ...pm("300 Error parsing 'To'", 422, 300, "Error parsing 'To': Illegal email address 'jane.doe'. It must contain the '@' symbol.", { code: 'recipient.invalid_address' }), seed: "[300] 300 Error parsing 'To': Illegal email address" },
  { ...pm("300 Invalid 'From' address", 422, 300, "Invalid 'From' address: 'sender@acme'.", { code: 'sender.invalid_from_address', message: "Invalid 'From' address" }), seed: "[300] 300 Invalid 'From' address" },
  { ...pm('300 Provide either email TextBody or HtmlBody or both.', 422, 300, 'Provide either email TextBody or HtmlBody or both.', { code: 'validation.body_required' }), seed: '[300] 300 Provide either email TextBody or HtmlBody or both.' },
  pm('300 Invalid email request', 422, 300, 'Header values must not contain line breaks.', { code: 'validation.invalid_fields' }),
  pm('400 Sender Signature not found', 422, 400, "The 'From' address you supplied (ops@acme.example) is not a Sender Signature on your account. Please add and confirm this address in order to be able to use it in the 'From' field of your messages.", { code: 'sender.domain_not_registered', message: '([email])' }),
  pm('401 Sender signature not confirmed', 422, 401, 'Sender signature not confirmed.', { code: 'sender.domain_not_verified' }),
  pm('402 Invalid JSON', 422, 402, 'Received invalid JSON input.', { code: 'validation.malformed_request' }),
  pm('403 Incompatible JSON', 422, 403, 'Incompatible JSON input.', { code: 'validation.invalid_fields' }),
  pm('405 Not allowed to send', 422, 405, 'You have run out of credits.', { code: 'quota.monthly_exceeded', retry: 'at_reset' }),
  pm('406 Inactive recipient', 422, 406, 'You tried to send to recipient(s) that have been marked as inactive. Found inactive addresses: jane.doe@example.com. Inactive recipients are ones that have generated a hard bounce, a spam complaint, or a manual suppression.', { code: 'suppression.recipient_suppressed', message: 'Found inactive addresses: [email]' }),
  pm('409 JSON required', 422, 409, 'JSON required.', { code: 'validation.malformed_request' }),
  pm('410 Too many batch messages', 422, 410, 'Too many batch messages. Maximum 500.', { code: 'validation.payload_too_large' }),
  pm('411 Forbidden attachment type', 422, 411, "Forbidden attachment type: 'tool.exe'.", { code: 'validation.invalid_attachment' }),
  pm('412 Account is Pending', 422, 412, 'While your account is pending approval, all recipients must share the same domain as the From address.', { code: 'account.sandbox_restricted' }),
  pm('413 Account May Not Send', 422, 413, 'This account may not send.', { code: 'account.not_approved' }),
  pm('429 Rate Limit Exceeded', 429, 429, 'Rate limit exceeded.', { code: 'throttling.rate_limited', retry: 'backoff' }),
  pm('1101 Template not found', 422, 1101, 'The Template\'s \'TemplateId\' or \'TemplateAlias\' references a Template that does not exist.', { code: 'not_found.resource' }),
  pm('1120 A required Template field is missing', 422, 1120, 'A required Template field is missing.', { code: 'validation.missing_field' }),
  pm('1121 Template field is too large', 422, 1121, 'Template field is too large.', { code: 'validation.payload_too_large' }),
  pm('1122 A Templated field has been submitted that is invalid', 422, 1122, 'The TemplateModel is invalid.', { code: 'validation.invalid_fields' }),
  pm('1123 A field was included in the request body that is not allowed', 422, 1123, 'A field was included in the request body that is not allowed.', { code: 'validation.invalid_fields' }),
  pm("1235 The 'MessageStream' provided does not exist", 422, 1235, "The 'MessageStream' provided does not exist on this server.", { code: 'not_found.resource' }),
  pm("1236 Sending is not supported on the supplied 'MessageStream'", 422, 1236, "Sending is not supported on the supplied 'MessageStream'.", { code: 'validation.invalid_fields' }),
  { seed: '[sdk] PostmarkError code 0: the operation was aborted due to timeout', provider: 'postmark', response: sdkFailure('The operation was aborted due to timeout'), expect: { code: 'network.timeout', status: null, retry: 'backoff', providerCode: null } },
  { seed: '[sdk] PostmarkError code 0: fetch failed', provider: 'postmark', response: sdkFailure('fetch failed'), expect: { code: 'network.connection_failed', status: null, providerCode: null } },
  { seed: '[http] 500 without a Postmark code', provider: 'postmark', response: { status: 500, body: '<html><head><title>500 Internal Server Error</title></head></html>' }, expect: { code: 'provider.internal_error', providerCode: null } },
  { seed: '[http] 503 without a Postmark code (maintenance page)', provider: 'postmark', response: { status: 503, body: '' }, expect: { code: 'provider.unavailable', providerCode: null } },
];
