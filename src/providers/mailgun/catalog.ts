import { anyMessage } from '../../normalize/body.js';
import type { ParsedBody } from '../../normalize/body.js';
import type { CatalogRow, FailureFields, ProviderCatalog } from '../../normalize/catalog/types.js';

/**
 * Mailgun's Messages API (`POST /v3/{domain}/messages`, what mailgun.js's
 * `messages.create` calls). Mailgun has no error codes: a failure is
 * `{"message": "..."}` (a bad key gets the text `Forbidden`), so rows are keyed
 * by status and message.
 *
 * Sources, cited in each row's doc:
 * - [responses] https://documentation.mailgun.com/docs/mailgun/quickstart-guide/responses
 * - [api-intro] https://documentation.mailgun.com/en/latest/api-intro.html#errors (the older table: 400, 401, 402, 404, 413, 429, 500–504)
 * - [sandbox] https://help.mailgun.com/hc/en-us/articles/217531258-Authorized-Recipients and the 403 text as mailgun.js reports it
 *   (theoomoregbee/US-visa-appointment-notifier#5: `status: 403, details: 'Domain sandbox….mailgun.org is not allowed to send: Sandbox subdomains are for test purposes only…'`)
 * - [send] https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/messages (400 texts of the send endpoint)
 */
const rows: readonly CatalogRow[] = [
  // 400: parameter errors, told apart by the parameter named.
  { providerCode: null, status: 400, message: /'?(to|cc|bcc)'? parameter is not a valid address/i, code: 'recipient.invalid_address', origin: 'docs', doc: "400 | {\"message\": \"to parameter is not a valid address. please check documentation\"} [send]" },
  { providerCode: null, status: 400, message: /'?from'? parameter is not a valid address/i, code: 'sender.invalid_from_address', origin: 'docs', doc: "400 | {\"message\": \"from parameter is not a valid address. please check documentation\"} [send]" },
  { providerCode: null, status: 400, message: /need at least one of 'text', 'html'/i, code: 'validation.body_required', origin: 'docs', doc: "400 | {\"message\": \"Need at least one of 'text', 'html' or 'template' parameters specified\"} [send]" },
  { providerCode: null, status: 400, message: /parameter is missing/i, code: 'validation.missing_field', origin: 'docs', doc: "400 | {\"message\": \"'from' parameter is missing\"} (also 'to', 'subject') [send]" },
  { providerCode: null, status: 400, code: 'validation.invalid_fields', origin: 'docs', doc: '400 | Bad Request: will typically contain a JSON response with a "message" key which contains a human readable message [responses]' },
  { providerCode: null, status: 401, code: 'auth.invalid_credentials', origin: 'docs', doc: '401 | Unauthorized - No valid API key provided (body: Forbidden) [api-intro]' },
  // 402: the parameters were fine but the account may not send (a disabled or unpaid account).
  { providerCode: null, status: 402, code: 'account.suspended', origin: 'docs', doc: '402 | Request Failed - Parameters were valid but request failed (a disabled account, or one with a billing problem) [api-intro]' },
  // 403: the sandbox and unverified domains, else a key without access.
  { providerCode: null, status: 403, message: /sandbox subdomains are for test purposes|free accounts are for test purposes|authorized recipients/i, code: 'account.sandbox_restricted', origin: 'docs', doc: '403 | Domain <sandbox> is not allowed to send: Sandbox subdomains are for test purposes only. Please add your own domain or add the address to authorized recipients in Account Settings. [sandbox]' },
  { providerCode: null, status: 403, message: /unverified|requires dns configuration|not verified/i, code: 'sender.domain_not_verified', origin: 'docs', doc: '403 | Domain <domain> is not allowed to send: The domain is unverified and requires DNS configuration. [send]' },
  { providerCode: null, status: 403, message: /disabled|suspended/i, code: 'account.sending_suspended', origin: 'docs', doc: '403 | Domain <domain> is not allowed to send: the domain or account is disabled [send]' },
  { providerCode: null, status: 403, code: 'auth.insufficient_scope', origin: 'docs', doc: '403 | Auth error or access denied. Please ensure your API key is correct and that you are part of a group that has access to the desired resource. [responses]' },
  // 404: a domain Mailgun does not know is the sender's problem, not a missing resource.
  { providerCode: null, status: 404, message: /domain not found/i, code: 'sender.domain_not_registered', origin: 'docs', doc: '404 | {"message": "Domain not found: example.com"} [send]' },
  { providerCode: null, status: 404, code: 'not_found.resource', origin: 'docs', doc: "404 | Resource not found. (May be temporary: Mailgun is eventually consistent.) [responses]" },
  { providerCode: null, status: 413, code: 'validation.payload_too_large', origin: 'docs', doc: '413 | Request Entity Too Large - Attachment size is too big (the message limit is 25 MB) [api-intro]' },
  { providerCode: null, status: 429, code: 'throttling.rate_limited', origin: 'docs', doc: '429 | Too many requests: retry these requests as defined in the response [responses]' },
  { providerCode: null, status: 500, code: 'provider.internal_error', origin: 'docs', doc: '500 | Internal Error on the Mailgun side. Retries are recommended with exponential or logarithmic retry intervals. [responses]' },
  { providerCode: null, status: 502, code: 'provider.unavailable', origin: 'docs', doc: '502, 503, 504 | Server Errors - something is wrong on Mailgun\'s end [api-intro]' },
  { providerCode: null, status: 503, code: 'provider.unavailable', origin: 'docs', doc: '503 | Server Errors - something is wrong on Mailgun\'s end [api-intro]' },
  { providerCode: null, status: 504, code: 'provider.unavailable', origin: 'docs', doc: '504 | Server Errors - something is wrong on Mailgun\'s end [api-intro]' },
];

/** `{"message"}`, or the bare text Mailgun sends for a bad key. */
function readBody(body: ParsedBody): FailureFields {
  return { providerCode: null, message: anyMessage(body) };
}

export const mailgunCatalog: ProviderCatalog = {
  provider: 'mailgun',
  displayName: 'Mailgun',
  seed: 'none: the Mailgun API documentation (sources in src/providers/mailgun/catalog.ts)',
  rows,
  // mailgun.js's APIError has no provider code: `status`, `message` (the status text) and `details` (the body's message).
  sdkCodeField: 'code',
  readBody,
};
