/**
 * Provider messages quote recipients ("…failed the check in region US-EAST-1:
 * jane@example.com") and sometimes the key that was refused. Neither may reach
 * a log, a span or a table, so every message passes through here first.
 */

/** Scrubbed messages are cut to this many characters: they are for humans, and they are stored per row. */
export const MAX_MESSAGE_CHARS = 1000;

export const EMAIL_PLACEHOLDER = '[email]';
export const CREDENTIAL_PLACEHOLDER = '[credential]';

// Deliberately wider than RFC 5322: anything shaped like local@host.tld goes,
// valid or not, because a malformed address is still someone's address.
// A local part may hold ' and ` (o'brien@…) but not start with one, so a quoted address ('jane@…') keeps its quote.
const EMAIL = /[^\s@<>()[\]{},;:"'`][^\s@<>()[\]{},;:"]*@[^\s@<>()[\]{},;:"'`]+\.[^\s@<>()[\]{},;:"'`]+/g;

// Bearer tokens and the key formats of the providers we cover (Resend `re_…`,
// SendGrid-style `SG.…`, ScaiSend `sg_live_…`/`sg_test_…`, AWS access key ids).
const CREDENTIALS = [
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /\bre_[A-Za-z0-9_]{8,}/g,
  /\bSG\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
  /\bsg_(?:live|test)_[A-Za-z0-9_]{8,}/g,
  /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g,
];

export function scrubMessage(message: string): string {
  let text = message.length > MAX_MESSAGE_CHARS * 4 ? message.slice(0, MAX_MESSAGE_CHARS * 4) : message;
  text = text.replace(EMAIL, EMAIL_PLACEHOLDER);
  for (const pattern of CREDENTIALS) {
    text = text.replace(pattern, (match, scheme: unknown) =>
      typeof scheme === 'string' && /^(bearer|basic)$/i.test(scheme) ? `${scheme} ${CREDENTIAL_PLACEHOLDER}` : CREDENTIAL_PLACEHOLDER,
    );
  }
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS - 1)}…` : text;
}
