import type { SeedCase } from './types.js';

/** The Query API's error body, as SES sends it. */
const xml = (code: string, message: string, type = 'Sender') =>
  `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">\n  <Error>\n    <Type>${type}</Type>\n    <Code>${code}</Code>\n    <Message>${message}</Message>\n  </Error>\n  <RequestId>a1b2c3d4-5e6f-11e6-8f4f-3b1a2c5d7e9f</RequestId>\n</ErrorResponse>`;

const q = (code: string, status: number, message = `${code} message.`): SeedCase => ({
  seed: `${code} | ${status}`,
  provider: 'ses',
  response: { status, headers: { 'content-type': 'text/xml' }, body: xml(code, message, status >= 500 ? 'Receiver' : 'Sender') },
  expect: { code: 'unknown.unmapped', providerCode: code },
});

/** An AWS SDK v3 exception as Node users catch it: `name` is the code, `$metadata` has the status. */
const sdk = (name: string, status: number, message: string) =>
  Object.assign(new Error(message), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status, requestId: 'req-1', attempts: 1, totalRetryDelay: 0 } });

const withCode = (c: SeedCase, expect: SeedCase['expect']): SeedCase => ({ ...c, expect: { ...c.expect, ...expect } });

/** Seed 002_e8f4c3d4e6fe18c8.txt (Amazon SES), the Query API table in its order, then SDK v3 exceptions. */
export const sesCases: SeedCase[] = [
  withCode(q('ConfigurationSetDoesNotExist', 400), { code: 'not_found.resource' }),
  withCode(q('IncompleteSignature', 400), { code: 'auth.signature_invalid' }),
  withCode(q('InternalFailure', 500), { code: 'provider.internal_error', retry: 'backoff' }),
  withCode(q('InvalidAction', 400), { code: 'validation.malformed_request' }),
  withCode(q('InvalidClientTokenId', 403), { code: 'auth.invalid_credentials' }),
  withCode(q('InvalidParameterCombination', 400), { code: 'validation.invalid_fields' }),
  withCode(q('InvalidParameterValue', 400), { code: 'validation.invalid_fields' }),
  withCode(q('InvalidQueryParameter', 400), { code: 'validation.malformed_request' }),
  withCode(q('MailFromDomainNotVerified', 400), { code: 'sender.mail_from_not_verified' }),
  withCode(q('MalformedQueryString', 404), { code: 'validation.malformed_request' }),
  withCode(q('MessageRejected', 400, 'Email address is not verified. The following identities failed the check in region US-EAST-1: jane@example.com'), { code: 'account.sandbox_restricted', message: 'failed the check in region US-EAST-1: [email]' }),
  withCode(q('MessageRejected', 400, 'Sending paused for this account.'), { code: 'account.sending_suspended' }),
  withCode(q('MessageRejected', 400, 'Message rejected: Illegal header. '), { code: 'content.message_rejected', retry: 'never' }),
  withCode(q('MissingAction', 400), { code: 'validation.malformed_request' }),
  withCode(q('MissingAuthenticationToken', 403), { code: 'auth.missing_credentials' }),
  withCode(q('MissingParameter', 400), { code: 'validation.missing_field' }),
  withCode(q('OptInRequired', 403), { code: 'account.not_approved' }),
  withCode(q('RequestExpired', 400), { code: 'auth.request_expired' }),
  withCode(q('ServiceUnavailable', 503), { code: 'provider.unavailable', retry: 'backoff' }),
  // Throttling is a 400 that is retried; the message tells rate from quota.
  withCode(q('Throttling', 400, 'Maximum sending rate exceeded.'), { code: 'throttling.rate_limited', retry: 'backoff', status: 400 }),
  withCode(q('Throttling', 400, 'Daily message quota exceeded.'), { code: 'quota.daily_exceeded', retry: 'at_reset' }),

  // AWS SDK v3 SESv2 exceptions (thrown by `client.send(new SendEmailCommand(...))`).
  { seed: 'SESv2 MessageRejected (sandbox)', provider: 'ses', thrown: sdk('MessageRejected', 400, 'Email address is not verified. The following identities failed the check in region EU-WEST-1: ops@example.net'), expect: { code: 'account.sandbox_restricted', status: 400, providerCode: 'MessageRejected', message: '[email]' } },
  { seed: 'SESv2 AccountSuspendedException', provider: 'ses', thrown: sdk('AccountSuspendedException', 400, 'Account suspended.'), expect: { code: 'account.suspended' } },
  { seed: 'SESv2 SendingPausedException', provider: 'ses', thrown: sdk('SendingPausedException', 400, 'Sending is paused for this account.'), expect: { code: 'account.sending_suspended' } },
  { seed: 'SESv2 MailFromDomainNotVerifiedException', provider: 'ses', thrown: sdk('MailFromDomainNotVerifiedException', 400, 'MAIL FROM domain not verified.'), expect: { code: 'sender.mail_from_not_verified' } },
  { seed: 'SESv2 TooManyRequestsException', provider: 'ses', thrown: sdk('TooManyRequestsException', 429, 'Too Many Requests'), expect: { code: 'throttling.rate_limited', status: 429 } },
  { seed: 'SESv2 LimitExceededException (rate)', provider: 'ses', thrown: sdk('LimitExceededException', 400, 'Maximum sending rate exceeded.'), expect: { code: 'throttling.rate_limited' } },
  { seed: 'SESv2 LimitExceededException (daily quota)', provider: 'ses', thrown: sdk('LimitExceededException', 400, 'Daily message quota exceeded.'), expect: { code: 'quota.daily_exceeded', retry: 'at_reset' } },
  { seed: 'SESv2 NotFoundException', provider: 'ses', thrown: sdk('NotFoundException', 404, 'Configuration set <x> does not exist.'), expect: { code: 'not_found.resource' } },
  { seed: 'SESv2 BadRequestException', provider: 'ses', thrown: sdk('BadRequestException', 400, 'Missing final @domain'), expect: { code: 'validation.invalid_fields' } },
  { seed: 'SESv2 AlreadyExistsException', provider: 'ses', thrown: sdk('AlreadyExistsException', 400, 'Identity already exists.'), expect: { code: 'conflict.already_exists' } },
  { seed: 'SESv2 ConflictException', provider: 'ses', thrown: sdk('ConflictException', 409, 'An update is under review.'), expect: { code: 'conflict.already_exists' } },
  { seed: 'SESv2 ConcurrentModificationException', provider: 'ses', thrown: sdk('ConcurrentModificationException', 500, 'Being modified.'), expect: { code: 'idempotency.in_progress', retry: 'later' } },
  { seed: 'SESv2 InternalServiceErrorException', provider: 'ses', thrown: sdk('InternalServiceErrorException', 500, 'Internal error.'), expect: { code: 'provider.internal_error', retry: 'backoff' } },
  { seed: 'SESv2 InvalidNextTokenException', provider: 'ses', thrown: sdk('InvalidNextTokenException', 400, 'Invalid token.'), expect: { code: 'validation.invalid_fields' } },
  { seed: 'SES v1 AccountSendingPausedException', provider: 'ses', thrown: sdk('AccountSendingPausedException', 400, 'Account sending paused.'), expect: { code: 'account.sending_suspended' } },
  { seed: 'SES v1 ConfigurationSetSendingPausedException', provider: 'ses', thrown: sdk('ConfigurationSetSendingPausedException', 400, 'Configuration set sending paused.'), expect: { code: 'account.sending_suspended' } },
  { seed: 'AWS AccessDeniedException', provider: 'ses', thrown: sdk('AccessDeniedException', 403, 'User is not authorized to perform: ses:SendEmail'), expect: { code: 'auth.insufficient_scope' } },
  { seed: 'AWS UnrecognizedClientException', provider: 'ses', thrown: sdk('UnrecognizedClientException', 403, 'The security token included in the request is invalid.'), expect: { code: 'auth.invalid_credentials' } },
  { seed: 'AWS InvalidSignatureException', provider: 'ses', thrown: sdk('InvalidSignatureException', 403, 'Signature mismatch.'), expect: { code: 'auth.signature_invalid' } },
  { seed: 'AWS SignatureDoesNotMatch', provider: 'ses', thrown: sdk('SignatureDoesNotMatch', 403, 'Signature mismatch.'), expect: { code: 'auth.signature_invalid' } },
  { seed: 'AWS ExpiredTokenException', provider: 'ses', thrown: sdk('ExpiredTokenException', 403, 'The security token included in the request is expired'), expect: { code: 'auth.token_expired' } },
  { seed: 'AWS ThrottlingException (name) with Code Throttling', provider: 'ses', thrown: Object.assign(sdk('ThrottlingException', 400, 'Rate exceeded'), { Code: 'Throttling' }), expect: { code: 'throttling.rate_limited', providerCode: 'ThrottlingException' } },
  { seed: 'AWS ServiceUnavailableException', provider: 'ses', thrown: sdk('ServiceUnavailableException', 503, 'Service unavailable.'), expect: { code: 'provider.unavailable' } },
  { seed: 'SDK CredentialsProviderError (no status)', provider: 'ses', thrown: Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError', tryNextLink: false }), expect: { code: 'auth.missing_credentials', status: null } },
  // AWS's common errors in the spellings the seed does not list (catalog rows of origin `docs`):
  // https://docs.aws.amazon.com/awsconsolehelpdocs/latest/gsg/common-errors.html and the Query APIs'
  // Common Errors pages (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html).
  // aws/aws-sdk-php#941: SES's Query API refusing an IAM user, as SES sent it (403, <Code>AccessDenied</Code>).
  { seed: 'AccessDenied (Query XML, aws/aws-sdk-php#941)', provider: 'ses', response: { status: 403, headers: { 'content-type': 'text/xml' }, body: xml('AccessDenied', 'User: arn:aws:iam::656786582583:user/user name is not authorized to perform: ses:VerifyEmailIdentity') }, expect: { code: 'auth.insufficient_scope', providerCode: 'AccessDenied', retry: 'never', message: 'is not authorized to perform: ses:VerifyEmailIdentity' } },
  withCode(q('NotAuthorized', 400, 'You do not have permission to perform this action.'), { code: 'auth.insufficient_scope', retry: 'never' }),
  withCode(q('ExpiredToken', 403, 'The security token included in the request is expired'), { code: 'auth.token_expired', retry: 'never' }),
  withCode(q('ValidationError', 400, 'The input fails to satisfy the constraints specified by an AWS service.'), { code: 'validation.invalid_fields' }),
  withCode(q('RequestTimeout', 408, 'Problems with the request at the HTTP level. Reading the request timed out.'), { code: 'network.timeout', retry: 'backoff' }),
  { seed: 'AWS ValidationException (REST JSON spelling)', provider: 'ses', thrown: sdk('ValidationException', 400, '1 validation error detected: Value null at \'content\' failed to satisfy constraint: Member must not be null'), expect: { code: 'validation.invalid_fields', providerCode: 'ValidationException' } },
  { seed: 'AWS MalformedHttpRequestException', provider: 'ses', thrown: sdk('MalformedHttpRequestException', 400, 'Problems with the request at the HTTP level.'), expect: { code: 'validation.malformed_request' } },
  { seed: 'AWS RequestEntityTooLargeException', provider: 'ses', thrown: sdk('RequestEntityTooLargeException', 413, 'Request entity too large'), expect: { code: 'validation.payload_too_large', status: 413 } },
  { seed: 'AWS RequestTimeoutException (an HTTP answer, 408)', provider: 'ses', thrown: sdk('RequestTimeoutException', 408, 'Reading the request timed out.'), expect: { code: 'network.timeout', status: 408, retry: 'backoff' } },
  { seed: 'AWS RequestAbortedException', provider: 'ses', thrown: sdk('RequestAbortedException', 400, 'The request was aborted before a reply was sent back.'), expect: { code: 'network.connection_failed', retry: 'backoff' } },
  { seed: 'AWS UnknownOperationException (REST JSON spelling of InvalidAction)', provider: 'ses', thrown: sdk('UnknownOperationException', 404, 'The action or operation requested is invalid.'), expect: { code: 'validation.malformed_request', providerCode: 'UnknownOperationException' } },
  { seed: 'SES v1 ConfigurationSetDoesNotExistException (client-ses modeled name)', provider: 'ses', thrown: Object.assign(sdk('ConfigurationSetDoesNotExistException', 400, 'Configuration set <marketing> does not exist.'), { Code: 'ConfigurationSetDoesNotExist', Type: 'Sender' }), expect: { code: 'not_found.resource', providerCode: 'ConfigurationSetDoesNotExistException' } },
  // SESv2 over plain HTTP: the code travels in x-amzn-ErrorType, or in the body's __type.
  { seed: 'SESv2 REST: x-amzn-ErrorType header with a JSON {"message"} body', provider: 'ses', response: { status: 400, headers: { 'x-amzn-ErrorType': 'MessageRejected:http://internal.amazon.com/coral/com.amazonaws.sesv2/', 'content-type': 'application/json' }, body: '{"message":"Email address is not verified. The following identities failed the check in region US-EAST-1: a@b.io"}' }, expect: { code: 'account.sandbox_restricted', providerCode: 'MessageRejected' } },
  { seed: 'SESv2 REST: body __type namespaced', provider: 'ses', response: { status: 429, body: { __type: 'com.amazonaws.sesv2#TooManyRequestsException', message: 'Too Many Requests' } }, expect: { code: 'throttling.rate_limited', providerCode: 'TooManyRequestsException' } },
  // 5xx without a code: a load balancer's page, an empty body.
  { seed: '5xx without a code (empty 500)', provider: 'ses', response: { status: 500, body: '' }, expect: { code: 'provider.internal_error', retry: 'backoff' } },
  { seed: '5xx without a code (ELB 502 page)', provider: 'ses', response: { status: 502, body: '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>' }, expect: { code: 'provider.unavailable' } },
  { seed: '5xx without a code (503 text)', provider: 'ses', response: { status: 503, body: 'Service Unavailable' }, expect: { code: 'provider.unavailable' } },
  { seed: '5xx without a code (504)', provider: 'ses', response: { status: 504 }, expect: { code: 'provider.unavailable' } },
  // SES v1 client exceptions (@aws-sdk/client-ses dist-types/models/errors.d.ts): `name` is the class, `Code` the wire code.
  { seed: 'SES v1 ConfigurationSetDoesNotExistException', provider: 'ses', thrown: Object.assign(sdk('ConfigurationSetDoesNotExistException', 400, 'Configuration set <tx> does not exist.'), { Code: 'ConfigurationSetDoesNotExist' }), expect: { code: 'not_found.resource', providerCode: 'ConfigurationSetDoesNotExistException' } },
  { seed: 'SES v1 TemplateDoesNotExistException', provider: 'ses', thrown: Object.assign(sdk('TemplateDoesNotExistException', 400, 'Template MyTemplate does not exist.'), { Code: 'TemplateDoesNotExist' }), expect: { code: 'not_found.resource', providerCode: 'TemplateDoesNotExistException' } },
  { seed: 'SES v1 InvalidTemplateException', provider: 'ses', thrown: sdk('InvalidTemplateException', 400, 'Template MyTemplate refers to a partial that does not exist.'), expect: { code: 'content.template_render_failed' } },
  { seed: 'SES v1 MissingRenderingAttributeException', provider: 'ses', thrown: sdk('MissingRenderingAttributeException', 400, 'Attribute name is missing from the template data.'), expect: { code: 'content.template_render_failed' } },
  { seed: 'SES v1 InvalidRenderingParameterException', provider: 'ses', thrown: sdk('InvalidRenderingParameterException', 400, 'TemplateData is not valid JSON.'), expect: { code: 'content.template_render_failed' } },
  { seed: 'SES v1 ProductionAccessNotGrantedException', provider: 'ses', thrown: sdk('ProductionAccessNotGrantedException', 400, 'Production access not granted.'), expect: { code: 'account.sandbox_restricted' } },
  { seed: 'SES v1 FromEmailAddressNotVerifiedException', provider: 'ses', thrown: sdk('FromEmailAddressNotVerifiedException', 400, 'From email address not verified.'), expect: { code: 'sender.domain_not_verified' } },
  { seed: 'SES v1 CustomVerificationEmailTemplateDoesNotExistException', provider: 'ses', thrown: sdk('CustomVerificationEmailTemplateDoesNotExistException', 400, 'Custom verification email template does not exist.'), expect: { code: 'not_found.resource' } },
  { seed: 'SES v1 InvalidConfigurationSetException', provider: 'ses', thrown: sdk('InvalidConfigurationSetException', 400, 'Configuration set is invalid.'), expect: { code: 'validation.invalid_fields' } },
];
