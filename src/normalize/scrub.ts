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
// A local part may hold ' and ` (o'brien@…) but not start with one, so a quoted
// address ('jane@…') keeps its quote. Found from each @ outwards rather than by
// one regex: a regex tries every start in a long run of address characters and
// is quadratic in its length ("'a'a'a…@x" took 44 ms for 4,000 characters).
// `/` too, though RFC 5322 allows it: SES quotes identities inside ARNs
// (`…:identity/jane@example.com`), and the ARN should stay readable.
const LOCAL_PART_STOP = new Set([...'@<>()[]{},;:"/']);
const DOMAIN_STOP = new Set([...'@<>()[]{},;:"\'`']);
const QUOTES = new Set(["'", '`']);
const isSpace = (char: string): boolean => /\s/.test(char);

function scrubAddresses(text: string): string {
  if (!text.includes('@')) return text;
  let out = '';
  let copiedUpTo = 0; // also where the previous address ended: the next local part cannot reach back past it
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > copiedUpTo && !LOCAL_PART_STOP.has(text[start - 1]!) && !isSpace(text[start - 1]!)) start -= 1;
    while (start < at && QUOTES.has(text[start]!)) start += 1;
    let end = at + 1;
    while (end < text.length && !DOMAIN_STOP.has(text[end]!) && !isSpace(text[end]!)) end += 1;
    const domain = text.slice(at + 1, end);
    const dot = domain.indexOf('.', 1);
    if (start === at || dot === -1 || dot >= domain.length - 1) continue;
    out += text.slice(copiedUpTo, start) + EMAIL_PLACEHOLDER;
    copiedUpTo = end;
    at = end - 1;
  }
  return out + text.slice(copiedUpTo);
}

/**
 * Words after which the next token is a secret, whatever its format: "API key
 * 'xxxx.yyyy' has been revoked", "token: …", "api_key=…", "Authorization:
 * Bearer …". An optional " ID"/" id" may stand between ("access key ID …").
 */
const SECRET_CONTEXT = String.raw`(?:api[_-]?key|apikey|access[_-]?key|secret(?:[_-]?key)?|client[_-]?secret|password|passwd|pwd|passphrase|token|key|authorization|credentials?)`;

/** A token as keys are written: letters and digits, joined by the separators key formats use. */
const TOKEN = String.raw`[A-Za-z0-9](?:[A-Za-z0-9._~+/=:-]*[A-Za-z0-9=])?`;

/**
 * After a context word: a quoted token (anything up to the closing quote), a
 * token assigned with `=` or a tight `:` (any shape; also JSON's
 * `"api_key":"…"`), or a token after ": " or a space that is shaped like a key
 * (see looksLikeKey), so "the security token included in…" survives.
 */
const AFTER_CONTEXT = new RegExp(
  String.raw`\b(${SECRET_CONTEXT}(?:\s+id)?)(?:(["']?\s*[:=]\s*|\s+)(?:(Bearer|Basic|Token)\s+)?(?:(['"\x60])([^'"\x60\s]{1,200})\4|(${TOKEN})))`,
  'gi',
);

// Key formats recognised anywhere, context or not: Bearer/Basic tokens and the
// formats of the providers we cover (Resend `re_…`, SendGrid-style `SG.…`,
// ScaiSend `sg_live_…`/`sg_test_…`, AWS access key ids), and two hex formats
// the entropy rule cannot tell from message ids: Mailgun's `key-` + 32 and
// Brevo's `xkeysib-` keys.
const KNOWN_FORMATS = [
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=:-]{8,}/gi,
  /\bre_[A-Za-z0-9_]{8,}/g,
  /\bSG\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
  /\bsg_(?:live|test)_[A-Za-z0-9_]{8,}/g,
  /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g,
  /\bkey-[0-9a-z]{32}\b/g,
  /\bxkeysib-[A-Za-z0-9-]{20,}/g,
];

/** Any token long enough to be a key; looksHighEntropy decides. `:` splits, so ARNs stay readable. */
const LONG_TOKEN = /[A-Za-z0-9](?:[A-Za-z0-9._~+/=-]*[A-Za-z0-9=])?/g;
const MIN_BARE_KEY_CHARS = 20;

/** Runs that read as words: `assumed`, `Role`, `Exception` (a capital, then lower case). */
const WORDISH = /[A-Z]?[a-z]{3,}/g;

/**
 * Random keys mix lower case, upper case and digits, and few of their
 * characters sit in runs that read as words; identifiers (`SESv2ServiceException`,
 * `assumed-role/SendMailRole/Lambda42`) are mostly such runs, and ISO dates,
 * hex ids and UUIDs lack a letter case.
 */
function looksHighEntropy(token: string): boolean {
  if (token.length < MIN_BARE_KEY_CHARS || !/[a-z]/.test(token) || !/[A-Z]/.test(token) || !/[0-9]/.test(token)) return false;
  const inWords = (token.match(WORDISH) ?? []).reduce((sum, word) => sum + word.length, 0);
  return inWords / token.length < 0.5;
}

/** After a context word and a space, a token is a key if it cannot be an ordinary word. */
function looksLikeKey(token: string): boolean {
  if (token.length >= 16) return true;
  if (token.length < 8) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((pattern) => pattern.test(token)).length;
  return /[^A-Za-z0-9]/.test(token) || classes >= 2;
}

function scrubAfterContext(text: string): string {
  return text.replace(
    AFTER_CONTEXT,
    (whole, context: string, separator: string, scheme: string | undefined, quote: string | undefined, quoted: string | undefined, bare: string | undefined) => {
      const schemePart = scheme ? `${scheme} ` : '';
      if (quoted !== undefined && quote !== undefined) return `${context}${separator}${schemePart}${quote}${CREDENTIAL_PLACEHOLDER}${quote}`;
      // `=` or a tight `:` (`api_key=…`, `key:…`, JSON's `"api_key":"…"`) assigns a value of any shape;
      // after ": " or a space, prose may follow ("Invalid token: expired"), so the token must look like a key.
      const assigned = separator.includes('=') || (separator.includes(':') && !/\s/.test(separator));
      if (bare !== undefined && (assigned || scheme !== undefined || looksLikeKey(bare))) return `${context}${separator}${schemePart}${CREDENTIAL_PLACEHOLDER}`;
      return whole;
    },
  );
}

function replaceKnownFormats(text: string): string {
  for (const pattern of KNOWN_FORMATS) {
    text = text.replace(pattern, (match, scheme: unknown) =>
      typeof scheme === 'string' && /^(bearer|basic)$/i.test(scheme) ? `${scheme} ${CREDENTIAL_PLACEHOLDER}` : CREDENTIAL_PLACEHOLDER,
    );
  }
  return text;
}

/**
 * An identifier a provider assigned (a message id, an event id): addresses and credentials of
 * known formats go, as in a message, but not the rules that read prose (a word like "token"
 * before a value, a long mixed-case token): an identifier is such a token by design, and
 * scrubbing it would break the join between a send and its feedback.
 */
export function scrubIdentifier(value: string): string {
  return replaceKnownFormats(scrubAddresses(value));
}

export function scrubMessage(message: string): string {
  let text = message.length > MAX_MESSAGE_CHARS * 4 ? message.slice(0, MAX_MESSAGE_CHARS * 4) : message;
  text = scrubAddresses(text);
  // Context first: it takes the whole token, where a format rule might take only its head.
  text = scrubAfterContext(text);
  text = replaceKnownFormats(text);
  text = text.replace(LONG_TOKEN, (token) => (looksHighEntropy(token) ? CREDENTIAL_PLACEHOLDER : token));
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS - 1)}…` : text;
}
