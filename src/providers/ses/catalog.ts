import { anyMessage, field, stringField, xmlElement } from '../../normalize/body.js';
import type { ParsedBody } from '../../normalize/body.js';
import type { HeaderMap } from '../../normalize/headers.js';
import { exactly } from '../../normalize/catalog/types.js';
import type { CatalogRow, FailureFields, ProviderCatalog } from '../../normalize/catalog/types.js';

/**
 * Amazon SES. Seed: 002_e8f4c3d4e6fe18c8.txt (the Query API's error codes, in
 * XML `<ErrorResponse><Error><Code>` bodies). Node users mostly meet SES as
 * AWS SDK v3 exceptions instead, whose `name` is the code: the SESv2 client's
 * own exception classes and the service-wide AWS ones, listed after the seed.
 */

/** "5, 10, and 30 seconds … If the third retry call does not succeed, perform another set of retries after 20 minutes." */
const SES_SCHEDULE = [exactly(5_000), exactly(10_000), exactly(30_000), exactly(20 * 60_000)];

const rows: readonly CatalogRow[] = [
  // --- The seed's Query API table, in its order. ---
  { providerCode: 'ConfigurationSetDoesNotExist', code: 'not_found.resource', origin: 'seed', doc: 'ConfigurationSetDoesNotExist | The specified configuration set does not exist. | 400' },
  { providerCode: 'IncompleteSignature', code: 'auth.signature_invalid', origin: 'seed', doc: 'IncompleteSignature | The request signature does not conform to AWS standards. | 400' },
  { providerCode: 'InternalFailure', code: 'provider.internal_error', schedule: SES_SCHEDULE, origin: 'seed', doc: 'InternalFailure | The request processing has failed because of an unknown error, exception, or failure. | 500' },
  { providerCode: 'InvalidAction', code: 'validation.malformed_request', origin: 'seed', doc: 'InvalidAction | The requested action or operation is invalid. | 400' },
  { providerCode: 'InvalidClientTokenId', code: 'auth.invalid_credentials', origin: 'seed', doc: 'InvalidClientTokenId | The X.509 certificate or AWS access key ID provided does not exist in our records. | 403' },
  { providerCode: 'InvalidParameterCombination', code: 'validation.invalid_fields', origin: 'seed', doc: 'InvalidParameterCombination | Parameters that must not be used together were used together. | 400' },
  { providerCode: 'InvalidParameterValue', code: 'validation.invalid_fields', origin: 'seed', doc: 'InvalidParameterValue | An invalid or out-of-range value was supplied for the input parameter. | 400' },
  { providerCode: 'InvalidQueryParameter', code: 'validation.malformed_request', origin: 'seed', doc: 'InvalidQueryParameter | The AWS query string is malformed, does not adhere to AWS standards. | 400' },
  { providerCode: 'MailFromDomainNotVerified', code: 'sender.mail_from_not_verified', origin: 'seed', doc: 'MailFromDomainNotVerified | Amazon SES could not read the MX record required to use the specified MAIL FROM domain. | 400' },
  { providerCode: 'MalformedQueryString', code: 'validation.malformed_request', origin: 'seed', doc: 'MalformedQueryString | The query string contains a syntax error. | 404' },
  // MessageRejected is two things: in the sandbox, a recipient identity that is not verified
  // ("Email address is not verified. The following identities failed the check …"); otherwise
  // content SES refused. An unverified From identity gives the same text outside the sandbox;
  // the message alone cannot tell the two apart, and the sandbox is the common case.
  { providerCode: 'MessageRejected', message: /not verified|identities failed the check/i, code: 'account.sandbox_restricted', origin: 'seed', doc: 'MessageRejected | … the message could not be sent. (sandbox: "Email address is not verified. The following identities failed the check …") | 400' },
  { providerCode: 'MessageRejected', message: /sending paused|account .*paused/i, code: 'account.sending_suspended', origin: 'docs', doc: 'MessageRejected "Sending paused for this account." | 400' },
  { providerCode: 'MessageRejected', code: 'content.message_rejected', origin: 'seed', doc: 'MessageRejected | Indicates that the action failed, and the message could not be sent. | 400' },
  { providerCode: 'MissingAction', code: 'validation.malformed_request', origin: 'seed', doc: 'MissingAction | The request is missing an action or a required parameter. | 400' },
  { providerCode: 'MissingAuthenticationToken', code: 'auth.missing_credentials', origin: 'seed', doc: 'MissingAuthenticationToken | The request must contain either a valid (registered) AWS access key ID or X.509 certificate. | 403' },
  { providerCode: 'MissingParameter', code: 'validation.missing_field', origin: 'seed', doc: 'MissingParameter | A required parameter for the specified action is not supplied. | 400' },
  { providerCode: 'OptInRequired', code: 'account.not_approved', origin: 'seed', doc: 'OptInRequired | The AWS access key ID needs a subscription for the service. | 403' },
  { providerCode: 'RequestExpired', code: 'auth.request_expired', origin: 'seed', doc: 'RequestExpired | The request reached the service more than 15 minutes after the date stamp on the request … | 400' },
  { providerCode: 'ServiceUnavailable', code: 'provider.unavailable', schedule: SES_SCHEDULE, origin: 'seed', doc: 'ServiceUnavailable | The request failed due to a temporary failure of the server. | 503' },
  // Throttling is a 400 that must be retried; its message tells a rate limit from a spent quota.
  // The rules hold for every spelling of it (see SPELLINGS): the SESv2 SDK throws the same
  // two meanings as TooManyRequestsException or LimitExceededException, AWS's common error
  // list names ThrottlingException.
  { providerCode: 'Throttling', message: /daily message quota/i, code: 'quota.daily_exceeded', origin: 'seed', doc: 'Throttling "Daily message quota exceeded." | 400 (also ThrottlingException, TooManyRequestsException, LimitExceededException with this message)' },
  { providerCode: 'Throttling', code: 'throttling.rate_limited', retry: 'backoff', schedule: SES_SCHEDULE, origin: 'seed', doc: 'Throttling "Maximum sending rate exceeded." | The request was denied due to request throttling. | 400 (SESv2 TooManyRequestsException: 429)' },

  // --- AWS SDK v3 SESv2 client exceptions (`@aws-sdk/client-sesv2` src/models/errors.ts), by class name. ---
  { providerCode: 'AccountSuspendedException', code: 'account.suspended', origin: 'sdk', doc: 'AccountSuspendedException | The message can\'t be sent because the account\'s ability to send email has been permanently restricted. | 400' },
  { providerCode: 'SendingPausedException', code: 'account.sending_suspended', origin: 'sdk', doc: 'SendingPausedException | The message can\'t be sent because the account\'s ability to send email is currently paused. | 400' },
  { providerCode: 'NotFoundException', code: 'not_found.resource', origin: 'sdk', doc: 'NotFoundException | The resource you attempted to access doesn\'t exist. | 404' },
  { providerCode: 'BadRequestException', code: 'validation.invalid_fields', origin: 'sdk', doc: 'BadRequestException | The input you provided is invalid. | 400' },
  { providerCode: 'AlreadyExistsException', code: 'conflict.already_exists', origin: 'sdk', doc: 'AlreadyExistsException | The resource specified in your request already exists. | 400' },
  { providerCode: 'ConflictException', code: 'conflict.already_exists', origin: 'sdk', doc: 'ConflictException | If there is already an ongoing account details update under review. | 409' },
  { providerCode: 'ConcurrentModificationException', code: 'idempotency.in_progress', origin: 'sdk', doc: 'ConcurrentModificationException | The resource is being modified by another operation or thread. | 500' },
  { providerCode: 'InvalidNextTokenException', code: 'validation.invalid_fields', origin: 'sdk', doc: 'InvalidNextTokenException | The specified request includes an invalid or expired token. | 400' },
  // The SES v1 client (`@aws-sdk/client-ses` src/models/errors.ts) names a paused account differently.
  { providerCode: 'AccountSendingPausedException', code: 'account.sending_suspended', origin: 'sdk', doc: 'AccountSendingPausedException | Indicates that email sending is disabled for your entire Amazon SES account. | 400' },
  { providerCode: 'ConfigurationSetSendingPausedException', code: 'account.sending_suspended', origin: 'sdk', doc: 'ConfigurationSetSendingPausedException | Indicates that email sending is disabled for the configuration set. | 400' },

  // --- AWS's common errors, which every AWS API can answer. The seed's Query table lists some;
  // these are the rest, from https://docs.aws.amazon.com/awsconsolehelpdocs/latest/gsg/common-errors.html
  // and the Query APIs' Common Errors pages (e.g. https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html).
  { providerCode: 'AccessDeniedException', code: 'auth.insufficient_scope', origin: 'docs', doc: 'AccessDeniedException (Query XML: AccessDenied) | You do not have sufficient access to perform this action. | 400/403' },
  { providerCode: 'NotAuthorized', code: 'auth.insufficient_scope', origin: 'docs', doc: 'NotAuthorized | You do not have permission to perform this action. | 400/401' },
  { providerCode: 'SignatureDoesNotMatch', code: 'auth.signature_invalid', origin: 'docs', doc: 'SignatureDoesNotMatch (REST JSON: InvalidSignatureException) | The request signature we calculated does not match the signature you provided. | 403' },
  { providerCode: 'ExpiredTokenException', code: 'auth.token_expired', origin: 'docs', doc: 'ExpiredTokenException (Query XML: ExpiredToken) | The security token included in the request is expired. | 403' },
  { providerCode: 'ValidationError', code: 'validation.invalid_fields', origin: 'docs', doc: 'ValidationError (REST JSON: ValidationException) | The input fails to satisfy the constraints specified by an AWS service. | 400' },
  { providerCode: 'MalformedHttpRequestException', code: 'validation.malformed_request', origin: 'docs', doc: 'MalformedHttpRequestException | Problems with the request at the HTTP level (e.g. the body cannot be decompressed). | 400' },
  { providerCode: 'RequestEntityTooLargeException', code: 'validation.payload_too_large', origin: 'docs', doc: 'RequestEntityTooLargeException | Problems with the request at the HTTP level. The request entity is too large. | 413' },
  { providerCode: 'RequestTimeoutException', code: 'network.timeout', schedule: SES_SCHEDULE, origin: 'docs', doc: 'RequestTimeoutException (XML: RequestTimeout) | Problems with the request at the HTTP level. Reading the request timed out. | 408' },
  { providerCode: 'RequestAbortedException', code: 'network.connection_failed', schedule: SES_SCHEDULE, origin: 'docs', doc: 'RequestAbortedException | The request was aborted before a reply was sent back (for example, the client closed the connection). | 400' },
  { providerCode: 'CredentialsProviderError', code: 'auth.missing_credentials', origin: 'sdk', doc: 'CredentialsProviderError | Could not load credentials from any providers (thrown by the SDK before any request).' },
  // The seed's 5xx rule, for answers with no code (an HTML page from a load balancer, an empty body).
  { providerCode: null, status: 500, code: 'provider.internal_error', schedule: SES_SCHEDULE, origin: 'seed', doc: 'You should retry HTTPS requests that receive 5xx errors … (5, 10, and 30 seconds) … another set of retries after 20 minutes.' },
  { providerCode: null, status: 502, code: 'provider.unavailable', schedule: SES_SCHEDULE, origin: 'seed', doc: 'You should retry HTTPS requests that receive 5xx errors.' },
  { providerCode: null, status: 503, code: 'provider.unavailable', schedule: SES_SCHEDULE, origin: 'seed', doc: 'You should retry HTTPS requests that receive 5xx errors.' },
  { providerCode: null, status: 504, code: 'provider.unavailable', schedule: SES_SCHEDULE, origin: 'seed', doc: 'You should retry HTTPS requests that receive 5xx errors.' },
  // The SES v1 client's (`@aws-sdk/client-ses`) own exceptions on the send commands, from its
  // dist-types/models/errors.d.ts; on the wire their Query API codes drop the suffix (TemplateDoesNotExist).
  { providerCode: 'TemplateDoesNotExistException', code: 'not_found.resource', origin: 'sdk', doc: 'TemplateDoesNotExistException | Indicates that the Template object you specified does not exist in your Amazon SES account. | 400 (@aws-sdk/client-ses models/errors.d.ts)' },
  { providerCode: 'InvalidTemplateException', code: 'content.template_render_failed', origin: 'sdk', doc: 'InvalidTemplateException | Indicates that the template that you specified could not be rendered. | 400 (@aws-sdk/client-ses models/errors.d.ts)' },
  { providerCode: 'MissingRenderingAttributeException', code: 'content.template_render_failed', origin: 'sdk', doc: 'MissingRenderingAttributeException | Indicates that one or more of the replacement values for the specified template was not specified. | 400 (@aws-sdk/client-ses models/errors.d.ts)' },
  { providerCode: 'InvalidRenderingParameterException', code: 'content.template_render_failed', origin: 'sdk', doc: 'InvalidRenderingParameterException | Indicates that one or more of the replacement values you provided is invalid (TemplateData that is not valid JSON). | 400 (@aws-sdk/client-ses models/errors.d.ts)' },
  { providerCode: 'ProductionAccessNotGrantedException', code: 'account.sandbox_restricted', origin: 'sdk', doc: 'ProductionAccessNotGrantedException | Indicates that the account has not been granted production access. | 400 (@aws-sdk/client-ses models/errors.d.ts)' },
  { providerCode: 'FromEmailAddressNotVerifiedException', code: 'sender.domain_not_verified', origin: 'sdk', doc: 'FromEmailAddressNotVerifiedException | Indicates that the from email address associated with the custom verification email template is not verified. | 400 (@aws-sdk/client-ses models/errors.d.ts)' },
  { providerCode: 'CustomVerificationEmailTemplateDoesNotExistException', code: 'not_found.resource', origin: 'sdk', doc: 'CustomVerificationEmailTemplateDoesNotExistException | Indicates that a custom verification email template with the name you specified does not exist. | 400 (@aws-sdk/client-ses models/errors.d.ts)' },
  { providerCode: 'InvalidConfigurationSetException', code: 'validation.invalid_fields', origin: 'sdk', doc: 'InvalidConfigurationSetException | Indicates that the configuration set is invalid. | 400 (@aws-sdk/client-ses models/errors.d.ts)' },
];

/**
 * The Query API answers `<ErrorResponse><Error><Type/><Code/><Message/></Error>`;
 * the SESv2 REST API answers JSON `{"message"}` with the code in the
 * `x-amzn-ErrorType` header (`MessageRejected:http://internal.amazon.com/…`)
 * or in the body's `__type`/`code`.
 */
function readBody(body: ParsedBody, headers: HeaderMap): FailureFields {
  const headerType = headers.get('x-amzn-errortype')?.split(':')[0]?.trim() || null;
  if (body.kind === 'xml') {
    return { providerCode: xmlElement(body.text, 'Code') ?? headerType, message: xmlElement(body.text, 'Message') };
  }
  if (body.kind === 'json') {
    const typeField = stringField(body.value, '__type') ?? stringField(body.value, 'code') ?? stringField(body.value, 'Code');
    // `__type` may be namespaced: "com.amazonaws.sesv2#MessageRejected".
    const fromBody = typeField?.split('#').pop() ?? null;
    const message =
      stringField(body.value, 'message') ?? stringField(body.value, 'Message') ?? stringField(field(body.value, 'Error'), 'Message');
    return { providerCode: fromBody ?? stringField(field(body.value, 'Error'), 'Code') ?? headerType, message: message ?? anyMessage(body) };
  }
  return { providerCode: headerType, message: anyMessage(body) };
}

/**
 * One failure, many names: the Query API's XML `<Code>`, the SES v1 SDK's
 * modeled class names (`@aws-sdk/client-ses`), the SESv2 SDK's
 * (`@aws-sdk/client-sesv2`) and REST JSON `x-amzn-ErrorType`s. Each is read as
 * the code its rows use, so a row's status and message rules hold for all.
 */
const SPELLINGS: Readonly<Record<string, readonly string[]>> = {
  // SESv2 TooManyRequestsException (429, "Maximum sending rate exceeded.": pm-pmaas/etailors_amazon_ses#117)
  // and LimitExceededException (documented on SendEmail) carry both meanings, told apart by the message.
  Throttling: ['ThrottlingException', 'TooManyRequestsException', 'LimitExceededException'],
  ConfigurationSetDoesNotExist: ['ConfigurationSetDoesNotExistException'],
  MailFromDomainNotVerified: ['MailFromDomainNotVerifiedException'],
  InternalFailure: ['InternalServiceErrorException'],
  ServiceUnavailable: ['ServiceUnavailableException'],
  InvalidAction: ['UnknownOperationException'],
  // aws/aws-sdk-php#941: `<Code>AccessDenied</Code>` from SES's Query API; symfony/symfony#51461: AccessDeniedException from SESv2.
  AccessDeniedException: ['AccessDenied'],
  // The REST JSON APIs' name for the same refusal, with the same documented text.
  InvalidClientTokenId: ['UnrecognizedClientException'],
  SignatureDoesNotMatch: ['InvalidSignatureException'],
  ExpiredTokenException: ['ExpiredToken'],
  ValidationError: ['ValidationException'],
  // The JSON protocols' names for the same common errors, as AWS lists them in
  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html
  // (API Gateway answers `x-amzn-ErrorType: MissingAuthenticationTokenException` alike).
  IncompleteSignature: ['IncompleteSignatureException'],
  MissingAuthenticationToken: ['MissingAuthenticationTokenException'],
  RequestTimeoutException: ['RequestTimeout'],
};

export const ses: ProviderCatalog = {
  provider: 'ses',
  displayName: 'Amazon SES',
  seed: '002_e8f4c3d4e6fe18c8.txt',
  rows,
  spellings: SPELLINGS,
  sdkCodeField: 'name',
  readBody,
};
