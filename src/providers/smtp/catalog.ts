import { anyMessage, prop, stringField } from '../../normalize/body.js';
import type { ParsedBody } from '../../normalize/body.js';
import type { CatalogRow, FailureFields, ProviderCatalog, ThrownFields } from '../../normalize/catalog/types.js';
import type { ErrorCode, RetryClass } from '../../normalize/taxonomy.js';
import { parseReply, replyKeys, replyLabel } from './reply.js';

/**
 * SMTP, as nodemailer (or any client) meets it: an RFC 5321 reply code, an
 * RFC 3463 enhanced status code, the server's wording, and the client's own
 * error code when there was no reply at all.
 *
 * A failure answers to several keys at once ("550 5.1.1", "5.1.1", "550",
 * "5.1.x", "5.x.x", "EENVELOPE"; see reply.ts), and rows are tried in order,
 * first match wins. The order is the policy:
 *
 *  1. client codes no reply can overrule (a failed TLS handshake);
 *  2. the big mailbox providers' wording, where the codes alone do not tell
 *     (Gmail answers rate limits, DMARC failures and spam with the same 4.7.0/5.7.1);
 *  3. reply codes that say more than any enhanced code (421, 530, 535 …);
 *  4. the enhanced code, exactly (RFC 3463 and the IANA registry's later RFCs);
 *  5. its subject (X.1.x addressing … X.7.x policy) when the detail is unknown;
 *  6. the other reply codes, for servers that send no enhanced code;
 *  7. the class: 4 transient, 5 permanent;
 *  8. nodemailer's codes, for failures with no reply (connection, timeout, TLS, bad input).
 *
 * Retry follows the class (RFC 5321 §4.2.1): a 4yz reply is transient
 * (`backoff`; greylisting `later`), a 5yz reply permanent (`never`), whatever
 * the code's default.
 *
 * Relaying denied ("554 5.7.1 Relay access denied") is `auth.insufficient_scope`:
 * relaying is a permission the server grants per client (an authenticated
 * user, a connector, an IP range); the fix is that permission, not the
 * message, the sender domain or the recipient.
 */

type FailureClass = '4' | '5';

/** Retry by the reply's class: the code's own default does not know SMTP's rule. */
function retryFor(cls: FailureClass, code: ErrorCode): RetryClass {
  if (cls === '5') return 'never';
  return code === 'throttling.greylisted' ? 'later' : 'backoff';
}

function reply(providerCode: string, cls: FailureClass, code: ErrorCode, doc: string, message?: RegExp): CatalogRow {
  return { providerCode, ...(message !== undefined && { message }), code, retry: retryFor(cls, code), origin: 'docs', doc };
}

/** For each class of one wording: the same words mean the same thing, transient or not. */
function bothClasses(message: RegExp, code: ErrorCode, doc: string): CatalogRow[] {
  return [reply('4.x.x', '4', code, doc, message), reply('5.x.x', '5', code, doc, message)];
}

// --- 1. Client codes no reply can overrule ----------------------------------------------------

const TLS_FIRST: readonly CatalogRow[] = [
  { providerCode: 'ETLS', code: 'network.tls_failed', origin: 'sdk', doc: "nodemailer ETLS | TLS handshake or STARTTLS failed (lib/errors.js); also '454 4.7.0 TLS not available' in reply to STARTTLS" },
  { providerCode: 'EREQUIRETLS', code: 'network.tls_failed', origin: 'sdk', doc: 'nodemailer EREQUIRETLS | REQUIRETLS not supported by server (RFC 8689)' },
];

// --- 2. The mailbox providers' wording ---------------------------------------------------------

const RATE_WORDING = /unusual rate|rate.?limit|too many (messages|connections|emails|mails)|unexpected volume|server busy|sending rate|throttl/i;
const AUTH_WORDING = /unauthenticated email|authentication (checks|information)|\bDMARC\b|\bSPF\b|\bDKIM\b/i;
const BLOCKLIST_WORDING = /spamhaus|block ?list|black ?list|blocked using|listed (at|in|on|by)|is listed|on our block|banned sending ip|\bS3140\b|\bS3150\b|\bRBL\b/i;
const SPAM_WORDING = /\bspam\b|unsolicited|suspicious|junk|low reputation|poor reputation|security policy|violates our .*policy|content (was )?rejected/i;
const RELAY_WORDING = /relay(ing)? (access )?(denied|not (permitted|allowed))|unable to relay|not permitted to relay|relay not permitted/i;

const DAILY_QUOTA_WORDING = /daily (user )?(sending|message) (quota|limit)/i;

const WORDING: readonly CatalogRow[] = [
  // A spent day's quota waits for its reset, whatever the class: the wording says more than the code.
  ...(['4', '5'] as const).map((cls): CatalogRow => ({
    providerCode: `${cls}.x.x`,
    message: DAILY_QUOTA_WORDING,
    code: 'quota.daily_exceeded',
    retry: 'at_reset',
    origin: 'docs',
    doc: 'Gmail (Workspace sending limits): "550 5.4.5 Daily user sending limit exceeded."; Amazon SES SMTP: "454 Throttling failure: Daily message quota exceeded."',
  })),
  // Rate limits before spam and authentication words: Gmail's 4.7.28 text names both ("unsolicited", "To protect our users from spam").
  reply(
    '4.x.x',
    '4',
    'throttling.rate_limited',
    'Gmail: "421 4.7.28 … Our system has detected an unusual rate of unsolicited mail originating from your IP address … temporarily rate limited"; Yahoo: "421 4.7.0 [TSS04] Messages from … temporarily deferred due to unexpected volume or user complaints"; Microsoft: "451 4.7.500 Server busy. Please try again later"; Amazon SES SMTP: "454 Throttling failure: Maximum sending rate exceeded."',
    RATE_WORDING,
  ),
  ...bothClasses(
    AUTH_WORDING,
    'sender.authentication_failed',
    'Gmail: "550 5.7.26 Unauthenticated email from … is not accepted due to domain\'s DMARC policy"; "421 4.7.0 This message does not have authentication information or fails to pass authentication checks"; "550 5.7.26 This message fails to pass SPF checks for an SPF record with a hard fail policy (-all)"',
  ),
  // Relaying before spam: Postfix says "Relay access denied" under 554 5.7.1, the code spam rejections use too.
  ...bothClasses(RELAY_WORDING, 'auth.insufficient_scope', 'Postfix reject_unauth_destination: "554 5.7.1 <…>: Relay access denied" (454 4.7.1 under soft_bounce or defer_unauth_destination); Exchange: "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain"'),
  ...bothClasses(
    BLOCKLIST_WORDING,
    'content.spam_rejected',
    'Exchange Online Protection: "550 5.7.1 Service unavailable, Client host [x] blocked using Spamhaus"; Outlook.com: "550 5.7.1 Unfortunately, messages from [x] weren\'t sent … part of their network is on our block list (S3140)"; "550 5.7.606 Access denied, banned sending IP [x]"; Yahoo: "553 5.7.1 Connections will not be accepted from x.x.x.x, because the ip is in Spamhaus\'s list"; Postfix default_rbl_reply: "Service unavailable; Client host [x] blocked using zen.spamhaus.org" (450 4.7.1 when soft)',
  ),
  ...bothClasses(
    SPAM_WORDING,
    'content.spam_rejected',
    'Gmail: "421 4.7.0 … Our system has detected that this message is suspicious due to the very low reputation of the sending domain"; "550 5.7.1 … this message has been blocked … likely unsolicited mail"; Exchange: "550 5.7.1 This email was rejected because it violates our security policy"',
  ),
  // Greylisting (RFC 6647 §2.1): a first try refused on purpose with a 4xx, accepted later. Not a rejection.
  reply('4.x.x', '4', 'throttling.greylisted', 'postgrey: "450 4.2.0 <…>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/…"', /greylist/i),
  reply('450 4.7.1', '4', 'throttling.greylisted', 'RFC 6647 §2.1 greylisting answers a temporary failure; common form "450 4.7.1 … Please try again later" (Postfix policy servers, Exim greylistd)'),
  reply('451 4.7.1', '4', 'throttling.greylisted', 'RFC 6647 §2.1 greylisting answers a temporary failure; common form "451 4.7.1 Greylisting in action, please come back later" (Exim, Rspamd)'),
  // 530 5.7.0 is both "authentication required" (RFC 4954 §6) and Gmail's "Must issue a STARTTLS command first".
  reply('5.x.x', '5', 'network.tls_failed', 'Gmail: "530 5.7.0 Must issue a STARTTLS command first."; RFC 3207 §4: "530 Must issue a STARTTLS command first"', /STARTTLS|\bTLS (is )?required/i),
];

// --- 3. Reply codes that tell more than an enhanced code (RFC 5321 §4.2.2–4.2.3, RFC 4954 §6) -

const TELLING_REPLIES: readonly CatalogRow[] = [
  reply('421', '4', 'throttling.rate_limited', 'RFC 5321 §4.2.3: 421 <domain> Service not available, closing transmission channel; Gmail: "421 4.7.0 Try again later, closing connection." (rate limit)'),
  reply('454', '4', 'provider.unavailable', 'RFC 4954 §6: 454 4.7.0 Temporary authentication failure; RFC 3207 §4: 454 TLS not available due to temporary reason'),
  reply('521', '5', 'recipient.invalid_address', 'RFC 7504 §3: 521 Host does not accept mail (null MX, RFC 7505)'),
  reply('530', '5', 'auth.missing_credentials', 'RFC 4954 §6: 530 5.7.0 Authentication required'),
  reply('534', '5', 'auth.invalid_credentials', 'RFC 4954 §6: 534 5.7.9 Authentication mechanism is too weak'),
  reply('535', '5', 'auth.invalid_credentials', 'RFC 4954 §6: 535 5.7.8 Authentication credentials invalid; Microsoft 365: "535 5.7.139 Authentication unsuccessful"'),
  reply('538', '5', 'network.tls_failed', 'RFC 4954 §6: 538 5.7.11 Encryption required for requested authentication mechanism'),
  reply('556', '5', 'recipient.invalid_address', 'RFC 7504 §3: 556 Domain does not accept mail (null MX, RFC 7505)'),
];

// --- 4. Enhanced status codes (RFC 3463 §3, and the IANA registry's later RFCs) ---------------

/** subject.detail → meaning, for both classes; only details whose meaning a send path can act on. */
const ENHANCED: readonly (readonly [detail: string, code: ErrorCode, doc: string])[] = [
  ['1.1', 'recipient.invalid_address', 'RFC 3463 X.1.1 Bad destination mailbox address; Gmail: "550 5.1.1 The email account that you tried to reach does not exist."'],
  ['1.2', 'recipient.invalid_address', 'RFC 3463 X.1.2 Bad destination system address'],
  ['1.3', 'recipient.invalid_address', 'RFC 3463 X.1.3 Bad destination mailbox address syntax'],
  ['1.4', 'recipient.invalid_address', 'RFC 3463 X.1.4 Destination mailbox address ambiguous'],
  ['1.6', 'recipient.invalid_address', 'RFC 3463 X.1.6 Destination mailbox has moved, No forwarding address'],
  ['1.7', 'sender.invalid_from_address', "RFC 3463 X.1.7 Bad sender's mailbox address syntax"],
  ['1.8', 'sender.invalid_from_address', "RFC 3463 X.1.8 Bad sender's system address"],
  ['1.10', 'recipient.invalid_address', 'RFC 7505 §4.2 X.1.10 Recipient address has null MX'],
  ['2.1', 'recipient.mailbox_disabled', 'RFC 3463 X.2.1 Mailbox disabled, not accepting messages'],
  ['2.2', 'recipient.mailbox_full', 'RFC 3463 X.2.2 Mailbox full; Gmail: "552 5.2.2 The recipient\'s inbox is out of storage space", "452 4.2.2 The email account that you tried to reach is over quota"'],
  ['2.3', 'validation.payload_too_large', 'RFC 3463 X.2.3 Message length exceeds administrative limit'],
  ['2.4', 'recipient.mailbox_disabled', 'RFC 3463 X.2.4 Mailing list expansion problem'],
  ['3.1', 'provider.unavailable', 'RFC 3463 X.3.1 Mail system full'],
  ['3.2', 'provider.unavailable', 'RFC 3463 X.3.2 System not accepting network messages'],
  ['3.3', 'validation.malformed_request', 'RFC 3463 X.3.3 System not capable of selected features'],
  ['3.4', 'validation.payload_too_large', 'RFC 3463 X.3.4 Message too big for system; Gmail: "552 5.3.4 Your message exceeded Google\'s message size limits."'],
  ['3.5', 'provider.misconfigured', 'RFC 3463 X.3.5 System incorrectly configured'],
  ['4.1', 'network.timeout', 'RFC 3463 X.4.1 No answer from host'],
  ['4.2', 'network.connection_failed', 'RFC 3463 X.4.2 Bad connection'],
  ['4.3', 'provider.unavailable', 'RFC 3463 X.4.3 Directory server failure'],
  ['4.4', 'recipient.invalid_address', 'RFC 3463 X.4.4 Unable to route'],
  ['4.5', 'provider.unavailable', 'RFC 3463 X.4.5 Mail system congestion'],
  ['4.6', 'provider.misconfigured', 'RFC 3463 X.4.6 Routing loop detected'],
  ['4.7', 'network.timeout', 'RFC 3463 X.4.7 Delivery time expired'],
  ['5.1', 'validation.malformed_request', 'RFC 3463 X.5.1 Invalid command'],
  ['5.2', 'validation.malformed_request', 'RFC 3463 X.5.2 Syntax error'],
  ['5.3', 'validation.invalid_fields', 'RFC 3463 X.5.3 Too many recipients'],
  ['5.4', 'validation.malformed_request', 'RFC 3463 X.5.4 Invalid command arguments'],
  ['5.5', 'validation.malformed_request', 'RFC 3463 X.5.5 Wrong protocol version'],
  ['5.6', 'validation.malformed_request', 'RFC 4954 §6 X.5.6 Authentication Exchange line is too long'],
  ['6.1', 'content.message_rejected', 'RFC 3463 X.6.1 Media not supported'],
  ['6.2', 'content.message_rejected', 'RFC 3463 X.6.2 Conversion required and prohibited'],
  ['6.3', 'content.message_rejected', 'RFC 3463 X.6.3 Conversion required but not supported'],
  ['6.5', 'content.message_rejected', 'RFC 3463 X.6.5 Conversion Failed'],
  ['6.7', 'recipient.invalid_address', 'RFC 6531 §3.7.5 X.6.7 Non-ASCII addresses not permitted for that sender/recipient'],
  ['6.8', 'content.message_rejected', 'RFC 6531 §3.7.5 X.6.8 UTF-8 string reply is required, but not permitted by the SMTP client'],
  ['6.9', 'content.message_rejected', 'RFC 6531 §3.7.5 X.6.9 UTF-8 header message cannot be transferred to one or more recipients'],
  ['7.1', 'content.spam_rejected', 'RFC 3463 X.7.1 Delivery not authorized, message refused; Gmail: "550 5.7.1 … Our system has detected that this message is likely unsolicited mail"'],
  ['7.8', 'auth.invalid_credentials', 'RFC 4954 §6 X.7.8 Authentication credentials invalid; Gmail: "535 5.7.8 Username and Password not accepted."'],
  ['7.9', 'auth.invalid_credentials', 'RFC 4954 §6 X.7.9 Authentication mechanism is too weak'],
  ['7.10', 'network.tls_failed', 'RFC 5248 X.7.10 Encryption Needed'],
  ['7.11', 'network.tls_failed', 'RFC 4954 §6 X.7.11 Encryption required for requested authentication mechanism'],
  ['7.12', 'auth.key_expired', 'RFC 4954 §6 X.7.12 A password transition is needed'],
  ['7.13', 'account.suspended', 'RFC 5248 X.7.13 User Account Disabled'],
  ['7.14', 'auth.insufficient_scope', 'RFC 5248 X.7.14 Trust relationship required'],
  ['7.17', 'recipient.invalid_address', 'RFC 7293 §5 X.7.17 Mailbox owner has changed'],
  ['7.18', 'recipient.invalid_address', 'RFC 7293 §5 X.7.18 Domain owner has changed'],
  ['7.20', 'sender.authentication_failed', 'RFC 7372 §3.1 X.7.20 No passing DKIM signature found'],
  ['7.21', 'sender.authentication_failed', 'RFC 7372 §3.1 X.7.21 No acceptable DKIM signature found'],
  ['7.22', 'sender.authentication_failed', 'RFC 7372 §3.1 X.7.22 No valid author-matched DKIM signature found'],
  ['7.23', 'sender.authentication_failed', 'RFC 7372 §3.2 X.7.23 SPF validation failed'],
  ['7.24', 'sender.authentication_failed', 'RFC 7372 §3.2 X.7.24 SPF validation error'],
  ['7.25', 'sender.authentication_failed', 'RFC 7372 §3.3 X.7.25 Reverse DNS validation failed'],
  ['7.26', 'sender.authentication_failed', 'RFC 7372 §3.4 X.7.26 Multiple authentication checks failed; Gmail answers DMARC failures with it'],
  ['7.27', 'sender.invalid_from_address', 'RFC 7505 §4.2 X.7.27 Sender address has null MX'],
  ['7.28', 'throttling.rate_limited', 'IANA SMTP enhanced status codes X.7.28 Mail flood detected; Gmail: "421 4.7.28 … unusual rate of unsolicited mail … temporarily rate limited"'],
  ['7.29', 'sender.authentication_failed', 'RFC 8617 §5.2.2 X.7.29 ARC validation failure'],
  ['7.30', 'network.tls_failed', 'RFC 8689 §5 X.7.30 REQUIRETLS support required'],
];

const ENHANCED_ROWS: readonly CatalogRow[] = (['5', '4'] as const).flatMap((cls) =>
  ENHANCED.map(([detail, code, doc]) => reply(`${cls}.${detail}`, cls, code, doc)),
);

// --- 5. The enhanced code's subject, when the detail is not one of the above (RFC 3463 §3.1) ---

const SUBJECTS: readonly (readonly [subject: string, code: ErrorCode, doc: string])[] = [
  ['1', 'recipient.invalid_address', 'RFC 3463 X.1.XXX Addressing Status'],
  ['2', 'recipient.mailbox_disabled', 'RFC 3463 X.2.XXX Mailbox Status'],
  ['3', 'provider.unavailable', 'RFC 3463 X.3.XXX Mail System Status'],
  ['4', 'network.connection_failed', 'RFC 3463 X.4.XXX Network and Routing Status'],
  ['5', 'validation.malformed_request', 'RFC 3463 X.5.XXX Mail Delivery Protocol Status'],
  ['6', 'content.message_rejected', 'RFC 3463 X.6.XXX Message Content or Media Status'],
  ['7', 'content.message_rejected', 'RFC 3463 X.7.XXX Security or Policy Status'],
];

const SUBJECT_ROWS: readonly CatalogRow[] = (['5', '4'] as const).flatMap((cls) =>
  SUBJECTS.map(([subject, code, doc]) => reply(`${cls}.${subject}.x`, cls, code, doc)),
);

// --- 6. Reply codes alone, for servers that send no enhanced code (RFC 5321 §4.2.2–4.2.3) -----

const PLAIN_REPLIES: readonly CatalogRow[] = [
  reply('450', '4', 'recipient.mailbox_disabled', 'RFC 5321 §4.2.3: 450 Requested mail action not taken: mailbox unavailable (e.g., mailbox busy or temporarily blocked for policy reasons)'),
  reply('451', '4', 'provider.unavailable', 'RFC 5321 §4.2.3: 451 Requested action aborted: local error in processing'),
  reply('452', '4', 'recipient.mailbox_full', 'RFC 5321 §4.2.3: 452 Requested action not taken: insufficient system storage'),
  reply('455', '4', 'validation.invalid_fields', 'RFC 5321 §4.2.3: 455 Server unable to accommodate parameters'),
  reply('500', '5', 'validation.malformed_request', 'RFC 5321 §4.2.3: 500 Syntax error, command unrecognized'),
  reply('501', '5', 'validation.malformed_request', 'RFC 5321 §4.2.3: 501 Syntax error in parameters or arguments'),
  reply('502', '5', 'validation.malformed_request', 'RFC 5321 §4.2.3: 502 Command not implemented'),
  // nodemailer's errors.js: 503 says the session was in the wrong state, not that the message was refused.
  { providerCode: '503', code: 'provider.internal_error', retry: 'backoff', origin: 'docs', doc: 'RFC 5321 §4.2.3: 503 Bad sequence of commands (nodemailer isPermanentResponseCode: the same message can go through on a new connection)' },
  reply('504', '5', 'validation.malformed_request', 'RFC 5321 §4.2.3: 504 Command parameter not implemented'),
  // No RFC defines 541; spam filters answer it for a message they refuse, so it is read as such.
  reply('541', '5', 'content.spam_rejected', 'Not in RFC 5321: a spam-filter appliance reply, e.g. "541 The recipient address rejected your message"'),
  reply('550', '5', 'recipient.invalid_address', 'RFC 5321 §4.2.3: 550 Requested action not taken: mailbox unavailable (e.g., mailbox not found, no access, or command rejected for policy reasons)'),
  reply('551', '5', 'recipient.invalid_address', 'RFC 5321 §4.2.3: 551 User not local; please try <forward-path>'),
  reply('552', '5', 'recipient.mailbox_full', 'RFC 5321 §4.2.3: 552 Requested mail action aborted: exceeded storage allocation'),
  reply('553', '5', 'recipient.invalid_address', 'RFC 5321 §4.2.3: 553 Requested action not taken: mailbox name not allowed (e.g., mailbox syntax incorrect)'),
  reply('554', '5', 'content.message_rejected', 'RFC 5321 §4.2.3: 554 Transaction failed (or, in response to a connection-opening, no SMTP service here)'),
  reply('555', '5', 'validation.invalid_fields', 'RFC 5321 §4.2.3: 555 MAIL FROM/RCPT TO parameters not recognized or not implemented'),
];

// --- 7. The class (RFC 5321 §4.2.1, RFC 3463 §3.1) ---------------------------------------------

const CLASS_ROWS: readonly CatalogRow[] = [
  reply('4.x.x', '4', 'provider.unavailable', 'RFC 5321 §4.2.1: 4yz Transient Negative Completion reply; RFC 3463 4.XXX.XXX Persistent Transient Failure'),
  reply('5.x.x', '5', 'content.message_rejected', 'RFC 5321 §4.2.1: 5yz Permanent Negative Completion reply; RFC 3463 5.XXX.XXX Permanent Failure'),
];

// --- 8. nodemailer's codes for failures with no reply (lib/errors.js, where each is set) -------

const CLIENT_ROWS: readonly CatalogRow[] = [
  { providerCode: 'ECONNECTION', code: 'network.connection_failed', origin: 'sdk', doc: 'nodemailer ECONNECTION | Connection closed unexpectedly (also a refused connection; the system code stays in originalCode)' },
  { providerCode: 'ETIMEDOUT', code: 'network.timeout', origin: 'sdk', doc: 'nodemailer ETIMEDOUT | Connection or operation timed out (connectionTimeout, greetingTimeout, socketTimeout)' },
  { providerCode: 'ESOCKET', code: 'network.connection_failed', origin: 'sdk', doc: 'nodemailer ESOCKET | Socket-level error' },
  { providerCode: 'EDNS', code: 'network.connection_failed', origin: 'sdk', doc: 'nodemailer EDNS | DNS resolution failed' },
  { providerCode: 'EPROXY', code: 'network.connection_failed', origin: 'sdk', doc: 'nodemailer EPROXY | Proxy connection error' },
  { providerCode: 'EABORT', code: 'network.timeout', origin: 'sdk', doc: "nodemailer EABORT | Message sending aborted (the caller's AbortSignal, as fetch's AbortError)" },
  { providerCode: 'EPROTOCOL', code: 'provider.internal_error', retry: 'never', origin: 'sdk', doc: 'nodemailer EPROTOCOL | Invalid SMTP server response (not transient: lib/errors.js isTransientError)' },
  { providerCode: 'EAUTH', message: /missing credentials/i, code: 'auth.missing_credentials', origin: 'sdk', doc: 'nodemailer EAUTH "Missing credentials for "PLAIN""' },
  { providerCode: 'EAUTH', code: 'auth.invalid_credentials', origin: 'sdk', doc: 'nodemailer EAUTH | Authentication failed' },
  { providerCode: 'ENOAUTH', code: 'auth.missing_credentials', origin: 'sdk', doc: 'nodemailer ENOAUTH | Authentication credentials not provided' },
  { providerCode: 'EOAUTH2', code: 'auth.invalid_credentials', origin: 'sdk', doc: 'nodemailer EOAUTH2 | OAuth2 token generation or refresh error' },
  { providerCode: 'EENVELOPE', message: /no recipients defined/i, code: 'validation.missing_field', origin: 'sdk', doc: 'nodemailer EENVELOPE "No recipients defined"' },
  { providerCode: 'EENVELOPE', code: 'validation.invalid_fields', origin: 'sdk', doc: 'nodemailer EENVELOPE | Invalid mail envelope (sender or recipients): "Invalid sender", "Invalid recipient", "Invalid DSN"' },
  { providerCode: 'EMESSAGE', message: /size larger than allowed/i, code: 'validation.payload_too_large', origin: 'sdk', doc: 'nodemailer EMESSAGE "Message size larger than allowed" (the server\'s SIZE extension)' },
  { providerCode: 'EMESSAGE', message: /empty message/i, code: 'validation.body_required', origin: 'sdk', doc: 'nodemailer EMESSAGE "Empty message"' },
  { providerCode: 'EMAXRECIPIENTS', code: 'validation.invalid_fields', origin: 'sdk', doc: 'nodemailer EMAXRECIPIENTS | Recipient count exceeds maxRecipients' },
  { providerCode: 'EMAXLIMIT', code: 'throttling.rate_limited', retry: 'backoff', origin: 'sdk', doc: 'nodemailer EMAXLIMIT | Pool resource limit reached (max messages per connection)' },
  { providerCode: 'ESTREAM', code: 'validation.invalid_attachment', origin: 'sdk', doc: 'nodemailer ESTREAM | Stream processing error (an attachment or content stream failed)' },
  { providerCode: 'EFILEACCESS', code: 'validation.invalid_attachment', origin: 'sdk', doc: 'nodemailer EFILEACCESS | File access rejected (disableFileAccess is set)' },
  { providerCode: 'EURLACCESS', code: 'validation.invalid_attachment', origin: 'sdk', doc: 'nodemailer EURLACCESS | URL access rejected (disableUrlAccess is set)' },
  { providerCode: 'EFETCH', code: 'validation.invalid_attachment', origin: 'sdk', doc: 'nodemailer EFETCH | HTTP fetch error (content given as a URL)' },
  { providerCode: 'EOTP', code: 'validation.invalid_fields', origin: 'sdk', doc: 'nodemailer EOTP | Invalid one-time passcode data (otp option)' },
  { providerCode: 'ECONFIG', code: 'validation.invalid_fields', origin: 'sdk', doc: 'nodemailer ECONFIG | Invalid configuration' },
  { providerCode: 'ESENDMAIL', code: 'provider.unavailable', origin: 'sdk', doc: 'nodemailer ESENDMAIL | Sendmail command error' },
];

const rows: readonly CatalogRow[] = [
  ...TLS_FIRST,
  ...WORDING,
  ...TELLING_REPLIES,
  ...ENHANCED_ROWS,
  ...SUBJECT_ROWS,
  ...PLAIN_REPLIES,
  ...CLASS_ROWS,
  ...CLIENT_ROWS,
];

// --- Reading nodemailer's errors ---------------------------------------------------------------


const text = (value: unknown, max = 4096): string | null => (typeof value === 'string' && value !== '' ? value.slice(0, max) : null);

/** nodemailer's codes are E + capitals; a system code (ECONNREFUSED) is kept by nodemailer as originalCode. */
const CLIENT_CODE = /^E[A-Z0-9]{2,20}$/;

/**
 * nodemailer's error: `code` (EENVELOPE, EAUTH …), `response` (the server's
 * whole reply, with the enhanced code), `responseCode`, `command` ("RCPT TO").
 * The normalized providerCode is the reply's two codes ("550 5.1.1") when there
 * was a reply, else nodemailer's code; the message is the command and the
 * reply (scrubbed by the normalizer like every message). Anything else is left
 * to the generic reading (null).
 */
export function readNodemailerError(error: unknown): ThrownFields | null {
  const clientCode = text(prop(error, 'code'), 40);
  const response = text(prop(error, 'response'));
  const responseCode = prop(error, 'responseCode');
  const parsed = parseReply(response ?? (typeof responseCode === 'number' ? String(responseCode) : null));
  const label = replyLabel(parsed);
  const hasClientCode = clientCode !== null && CLIENT_CODE.test(clientCode);
  if (label === null && !hasClientCode) return null;

  const command = text(prop(error, 'command'), 40);
  const message = response !== null ? `${command && command !== 'API' && command !== 'CONN' ? `${command}: ` : ''}${response}` : text(prop(error, 'message'));
  const matchCodes = [...replyKeys(parsed), ...(hasClientCode && clientCode !== null ? [clientCode] : [])];
  return { providerCode: label ?? clientCode, message, matchCodes, status: null };
}

/**
 * SMTP has no HTTP answers; a body handed to `normalizeResponse('smtp', …)`
 * is read as a reply line, or as a serialized nodemailer error
 * (`{"code", "response"}`). Only its exact codes are looked up there: the
 * keyed lookup is for thrown errors (`normalizeThrown`).
 */
function readBody(body: ParsedBody): FailureFields {
  const response = body.kind === 'json' ? stringField(body.value, 'response') : anyMessage(body);
  const code = body.kind === 'json' ? stringField(body.value, 'code') : null;
  return { providerCode: replyLabel(parseReply(response)) ?? code, message: response ?? anyMessage(body) };
}

export const smtp: ProviderCatalog = {
  provider: 'smtp',
  displayName: 'SMTP (nodemailer)',
  seed: 'RFC 5321 §4.2, RFC 3463, IANA SMTP enhanced status codes, nodemailer lib/errors.js',
  rows,
  sdkCodeField: 'code',
  readThrown: readNodemailerError,
  readBody,
};
