import type { ErrorCode, RetryClass } from '../../../src/normalize/index.js';
import type { SeedCase } from './types.js';

/**
 * SMTP failures as nodemailer throws them: `code`, the server's whole reply in
 * `response`, `responseCode`, and the `command` it answered. Each expectation
 * is written out here by hand, against the RFC or the provider's wording, not
 * derived from the catalog.
 */
function nodemailerError(response: string | null, code: string, command = 'RCPT TO', message?: string): Error {
  const error = new Error(message ?? (response ? `Recipient command failed: ${response}` : 'failed')) as Error & Record<string, unknown>;
  error.code = code;
  if (response !== null) {
    error.response = response;
    error.responseCode = Number(response.slice(0, 3));
  }
  error.command = command;
  return error;
}

/** The raw material the normalized error keeps: the reply code and the enhanced code. */
function label(response: string): string {
  const found = /^(\d{3})[ -](\d\.\d{1,3}\.\d{1,3})?/.exec(response);
  return [found?.[1], found?.[2]].filter(Boolean).join(' ');
}

const replied = (response: string, code: ErrorCode, retry: RetryClass, extra: { client?: string; message?: string } = {}): SeedCase => ({
  seed: response.split('\n')[0]!.slice(0, 90),
  provider: 'smtp',
  thrown: nodemailerError(response, extra.client ?? 'EENVELOPE'),
  expect: { code, retry, providerCode: label(response), status: null, ...(extra.message !== undefined && { message: extra.message }) },
});

const clientOnly = (client: string, message: string, code: ErrorCode, retry?: RetryClass): SeedCase => ({
  seed: `${client} ${message}`,
  provider: 'smtp',
  thrown: nodemailerError(null, client, 'CONN', message),
  expect: { code, providerCode: client, status: null, ...(retry !== undefined && { retry }) },
});

/** Enhanced codes whose meaning is the same in both classes; the class decides the retry. */
const ENHANCED_EXPECTED: readonly (readonly [string, ErrorCode])[] = [
  ['1.1', 'recipient.invalid_address'],
  ['1.2', 'recipient.invalid_address'],
  ['1.3', 'recipient.invalid_address'],
  ['1.4', 'recipient.invalid_address'],
  ['1.6', 'recipient.invalid_address'],
  ['1.7', 'sender.invalid_from_address'],
  ['1.8', 'sender.invalid_from_address'],
  ['1.10', 'recipient.invalid_address'],
  ['2.1', 'recipient.mailbox_disabled'],
  ['2.2', 'recipient.mailbox_full'],
  ['2.3', 'validation.payload_too_large'],
  ['2.4', 'recipient.mailbox_disabled'],
  ['3.1', 'provider.unavailable'],
  ['3.2', 'provider.unavailable'],
  ['3.3', 'validation.malformed_request'],
  ['3.4', 'validation.payload_too_large'],
  ['3.5', 'provider.misconfigured'],
  ['4.1', 'network.timeout'],
  ['4.2', 'network.connection_failed'],
  ['4.3', 'provider.unavailable'],
  ['4.4', 'recipient.invalid_address'],
  ['4.5', 'provider.unavailable'],
  ['4.6', 'provider.misconfigured'],
  ['4.7', 'network.timeout'],
  ['5.1', 'validation.malformed_request'],
  ['5.2', 'validation.malformed_request'],
  ['5.3', 'validation.invalid_fields'],
  ['5.4', 'validation.malformed_request'],
  ['5.5', 'validation.malformed_request'],
  ['5.6', 'validation.malformed_request'],
  ['6.1', 'content.message_rejected'],
  ['6.2', 'content.message_rejected'],
  ['6.3', 'content.message_rejected'],
  ['6.5', 'content.message_rejected'],
  ['6.7', 'recipient.invalid_address'],
  ['6.8', 'content.message_rejected'],
  ['6.9', 'content.message_rejected'],
  ['7.1', 'content.spam_rejected'],
  ['7.8', 'auth.invalid_credentials'],
  ['7.9', 'auth.invalid_credentials'],
  ['7.10', 'network.tls_failed'],
  ['7.11', 'network.tls_failed'],
  ['7.12', 'auth.key_expired'],
  ['7.13', 'account.suspended'],
  ['7.14', 'auth.insufficient_scope'],
  ['7.17', 'recipient.invalid_address'],
  ['7.18', 'recipient.invalid_address'],
  ['7.20', 'sender.authentication_failed'],
  ['7.21', 'sender.authentication_failed'],
  ['7.22', 'sender.authentication_failed'],
  ['7.23', 'sender.authentication_failed'],
  ['7.24', 'sender.authentication_failed'],
  ['7.25', 'sender.authentication_failed'],
  ['7.26', 'sender.authentication_failed'],
  ['7.27', 'sender.invalid_from_address'],
  ['7.28', 'throttling.rate_limited'],
  ['7.29', 'sender.authentication_failed'],
  ['7.30', 'network.tls_failed'],
];

const SUBJECT_EXPECTED: readonly (readonly [string, ErrorCode])[] = [
  ['1', 'recipient.invalid_address'],
  ['2', 'recipient.mailbox_disabled'],
  ['3', 'provider.unavailable'],
  ['4', 'network.connection_failed'],
  ['5', 'validation.malformed_request'],
  ['6', 'content.message_rejected'],
  ['7', 'content.message_rejected'],
];

export const smtpCases: SeedCase[] = [
  // Client codes no reply overrules.
  { ...clientOnly('ETLS', 'Error initiating TLS - wrong version number', 'network.tls_failed', 'never') },
  replied('454 4.7.0 TLS not available due to local problem', 'network.tls_failed', 'never', { client: 'ETLS' }),
  clientOnly('EREQUIRETLS', 'Server does not support REQUIRETLS extension (RFC 8689)', 'network.tls_failed'),

  // The mailbox providers' wording.
  replied('550 5.4.5 Daily user sending limit exceeded. For more information on Gmail sending limits go to\n550 5.4.5  https://support.google.com/a/answer/166852 - gsmtp', 'quota.daily_exceeded', 'at_reset', { client: 'EMESSAGE' }),
  replied('454 Throttling failure: Daily message quota exceeded.', 'quota.daily_exceeded', 'at_reset'),
  replied(
    '421-4.7.28 [203.0.113.42] Our system has detected an unusual rate of\n421-4.7.28 unsolicited mail originating from your IP address. To protect our\n421-4.7.28 users from spam, mail sent from your IP address has been temporarily\n421 4.7.28 rate limited. - gsmtp',
    'throttling.rate_limited',
    'backoff',
  ),
  replied('421 4.7.0 [TSS04] Messages from 203.0.113.42 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1', 'throttling.rate_limited', 'backoff'),
  replied('454 Throttling failure: Maximum sending rate exceeded.', 'throttling.rate_limited', 'backoff'),
  replied(
    "550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's\n550-5.7.26 DMARC policy. Please contact the administrator of example.com domain\n550 5.7.26 if this was a legitimate mail. - gsmtp",
    'sender.authentication_failed',
    'never',
    { client: 'EMESSAGE', message: 'DMARC policy' },
  ),
  replied('421-4.7.0 This message does not have authentication information or fails to pass\n421 4.7.0 authentication checks. - gsmtp', 'sender.authentication_failed', 'backoff'),
  replied('554 5.7.1 <jane@example.com>: Relay access denied', 'auth.insufficient_scope', 'never', { message: '<[email]>: Relay access denied' }),
  replied('454 4.7.1 <jane@example.com>: Relay access denied', 'auth.insufficient_scope', 'backoff'),
  replied('550 5.7.1 Service unavailable, Client host [203.0.113.42] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/203.0.113.42 (AS16012611)', 'content.spam_rejected', 'never'),
  replied('450 4.7.1 Service unavailable; Client host [203.0.113.42] blocked using zen.spamhaus.org', 'content.spam_rejected', 'backoff'),
  replied("550 5.7.1 Unfortunately, messages from [203.0.113.42] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3140).", 'content.spam_rejected', 'never'),
  replied('550 5.7.1 [203.0.113.42] Our system has detected that this message is likely unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been blocked. - gsmtp', 'content.spam_rejected', 'never', { client: 'EMESSAGE' }),
  replied('421 4.7.0 [203.0.113.42] Our system has detected that this message is suspicious due to the very low reputation of the sending domain. - gsmtp', 'content.spam_rejected', 'backoff'),
  replied('450 4.2.0 <jane@example.com>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.com.html', 'throttling.greylisted', 'later'),
  replied('450 4.7.1 Please try again later', 'throttling.greylisted', 'later'),
  replied('451 4.7.1 Please try again later', 'throttling.greylisted', 'later'),
  replied('530 5.7.0 Must issue a STARTTLS command first. - gsmtp', 'network.tls_failed', 'never'),

  // Reply codes that say more than an enhanced code.
  replied('421 4.7.0 Try again later, closing connection. - gsmtp', 'throttling.rate_limited', 'backoff'),
  replied('454 4.7.0 Temporary authentication failure', 'provider.unavailable', 'backoff', { client: 'EAUTH' }),
  replied('521 5.3.2 example.com does not accept mail', 'recipient.invalid_address', 'never'),
  replied('530 5.7.0 Authentication required', 'auth.missing_credentials', 'never'),
  replied('534 5.7.9 Authentication mechanism is too weak', 'auth.invalid_credentials', 'never', { client: 'EAUTH' }),
  replied('535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.', 'auth.invalid_credentials', 'never', { client: 'EAUTH' }),
  replied('535 5.7.8 Username and Password not accepted. - gsmtp', 'auth.invalid_credentials', 'never', { client: 'EAUTH' }),
  replied('538 5.7.11 Encryption required for requested authentication mechanism', 'network.tls_failed', 'never', { client: 'EAUTH' }),
  replied('556 5.1.10 Recipient address has null MX', 'recipient.invalid_address', 'never'),

  // Enhanced codes, in both classes: 554 and 452 carry no meaning of their own before them.
  ...ENHANCED_EXPECTED.flatMap(([detail, code]) => [
    replied(`554 5.${detail} Test reply`, code, 'never'),
    replied(`452 4.${detail} Test reply`, code, 'backoff'),
  ]),
  // Gmail's own lines for the common ones.
  replied("550-5.1.1 The email account that you tried to reach does not exist. Please try\n550 5.1.1 double-checking the recipient's email address for typos. - gsmtp", 'recipient.invalid_address', 'never'),
  replied("552-5.2.2 The recipient's inbox is out of storage space. Please direct the\n552 5.2.2 recipient to https://support.google.com/mail/?p=OverQuotaPerm - gsmtp", 'recipient.mailbox_full', 'never'),
  replied('452-4.2.2 The email account that you tried to reach is over quota. Please direct\n452 4.2.2 the recipient to https://support.google.com/mail/?p=OverQuotaTemp - gsmtp', 'recipient.mailbox_full', 'backoff'),
  replied("552-5.3.4 Your message exceeded Google's message size limits. - gsmtp", 'validation.payload_too_large', 'never', { client: 'EMESSAGE' }),

  // Unknown details fall back on their subject.
  ...SUBJECT_EXPECTED.flatMap(([subject, code]) => [
    replied(`554 5.${subject}.99 Test reply`, code, 'never'),
    replied(`452 4.${subject}.99 Test reply`, code, 'backoff'),
  ]),

  // Reply codes alone, from servers that send no enhanced code.
  replied('450 Requested mail action not taken: mailbox unavailable', 'recipient.mailbox_disabled', 'backoff'),
  replied('451 Requested action aborted: local error in processing', 'provider.unavailable', 'backoff'),
  replied('452 Requested action not taken: insufficient system storage', 'recipient.mailbox_full', 'backoff'),
  replied('455 Server unable to accommodate parameters', 'validation.invalid_fields', 'backoff'),
  replied('500 Syntax error, command unrecognized', 'validation.malformed_request', 'never'),
  replied('501 Syntax error in parameters or arguments', 'validation.malformed_request', 'never'),
  replied('502 Command not implemented', 'validation.malformed_request', 'never'),
  replied('503 Bad sequence of commands', 'provider.internal_error', 'backoff'),
  replied('504 Command parameter not implemented', 'validation.malformed_request', 'never'),
  replied('541 The recipient address rejected your message', 'content.spam_rejected', 'never'),
  replied('550 Requested action not taken: mailbox unavailable', 'recipient.invalid_address', 'never'),
  replied('551 User not local; please try <jane@elsewhere.example>', 'recipient.invalid_address', 'never'),
  replied('552 Requested mail action aborted: exceeded storage allocation', 'recipient.mailbox_full', 'never'),
  replied('553 Requested action not taken: mailbox name not allowed', 'recipient.invalid_address', 'never'),
  replied('554 Transaction failed', 'content.message_rejected', 'never'),
  replied('555 MAIL FROM/RCPT TO parameters not recognized or not implemented', 'validation.invalid_fields', 'never'),

  // The class, for a reply code no row names.
  replied('459 Something transient', 'provider.unavailable', 'backoff'),
  replied('559 Something permanent', 'content.message_rejected', 'never'),

  // nodemailer's codes, with no reply at all.
  clientOnly('ECONNECTION', 'connect ECONNREFUSED 127.0.0.1:2525', 'network.connection_failed', 'backoff'),
  clientOnly('ETIMEDOUT', 'Connection timeout', 'network.timeout', 'backoff'),
  clientOnly('ESOCKET', 'read ECONNRESET', 'network.connection_failed'),
  clientOnly('EDNS', 'getaddrinfo ENOTFOUND smtp.example.invalid', 'network.connection_failed'),
  clientOnly('EPROXY', 'Proxy connection error', 'network.connection_failed'),
  clientOnly('EABORT', 'Message sending aborted', 'network.timeout'),
  clientOnly('EPROTOCOL', 'Server response exceeds maximum allowed size', 'provider.internal_error', 'never'),
  clientOnly('EAUTH', 'Missing credentials for "PLAIN"', 'auth.missing_credentials', 'never'),
  clientOnly('EAUTH', 'Unknown authentication method "NTLMX"', 'auth.invalid_credentials', 'never'),
  clientOnly('ENOAUTH', 'Authentication credentials not provided', 'auth.missing_credentials'),
  clientOnly('EOAUTH2', 'Can not create access token', 'auth.invalid_credentials'),
  clientOnly('EENVELOPE', 'No recipients defined', 'validation.missing_field', 'never'),
  clientOnly('EENVELOPE', 'Invalid recipient "jane@@example.com"', 'validation.invalid_fields'),
  clientOnly('EMESSAGE', 'Message size larger than allowed 10485760', 'validation.payload_too_large', 'never'),
  clientOnly('EMESSAGE', 'Empty message', 'validation.body_required'),
  clientOnly('EMAXRECIPIENTS', 'Message has 1200 recipients, which is over the 1000 allowed by maxRecipients', 'validation.invalid_fields'),
  clientOnly('EMAXLIMIT', 'Resource limit reached', 'throttling.rate_limited', 'backoff'),
  clientOnly('ESTREAM', 'ENOENT: no such file or directory', 'validation.invalid_attachment'),
  clientOnly('EFILEACCESS', 'File access rejected for /etc/passwd', 'validation.invalid_attachment'),
  clientOnly('EURLACCESS', 'Url access rejected for http://internal', 'validation.invalid_attachment'),
  clientOnly('EFETCH', 'Invalid status code 404', 'validation.invalid_attachment'),
  clientOnly('EOTP', 'Invalid otp option', 'validation.invalid_fields'),
  clientOnly('ECONFIG', 'The signal option must be an AbortSignal', 'validation.invalid_fields'),
  clientOnly('ESENDMAIL', 'Sendmail exited with code 75', 'provider.unavailable'),
];
