/**
 * Reads an SMTP reply ("550-5.1.1 The email account …\n550 5.1.1 … - gsmtp")
 * into what the catalog looks up: the RFC 5321 reply code and the RFC 3463
 * enhanced status code, and the keys a catalog row may name for them.
 */

/** An SMTP reply reduced to its two codes. */
export interface SmtpReply {
  /** RFC 5321 §4.2: three digits, the first telling success (2), transient (4) or permanent (5) failure. */
  readonly replyCode: number | null;
  /** RFC 3463 §2: class.subject.detail, e.g. "5.1.1"; null when the server sent none. */
  readonly enhancedCode: string | null;
}

/** Replies are cut to this many characters before reading: servers may send pages of continuation lines. */
export const MAX_REPLY_CHARS = 4096;

// RFC 5321 §4.2: "Reply-code [ SP textstring ] CRLF" with "Reply-code "-" [ textstring ] CRLF" for continuation lines.
const REPLY_CODE = /^([2-5][0-9]{2})(?:[ -]|$)/;
// RFC 3463 §2: class "." subject "." detail; subject and detail 1–3 digits. RFC 2034 puts it first in the text.
const ENHANCED_CODE = /^([245])\.([0-9]{1,3})\.([0-9]{1,3})(?=\s|$|[^0-9.])/;

export function parseReply(response: string | null | undefined): SmtpReply {
  if (typeof response !== 'string') return { replyCode: null, enhancedCode: null };
  const text = response.slice(0, MAX_REPLY_CHARS).trimStart();
  const reply = REPLY_CODE.exec(text);
  if (!reply?.[1]) return { replyCode: null, enhancedCode: null };
  const rest = text.slice(4).trimStart();
  const enhanced = ENHANCED_CODE.exec(rest);
  return { replyCode: Number(reply[1]), enhancedCode: enhanced ? `${enhanced[1]}.${Number(enhanced[2])}.${Number(enhanced[3])}` : null };
}

/** The class of the failure: the reply code's first digit rules (RFC 3463 §3.1 has the enhanced class follow it). */
export function failureClass(reply: SmtpReply): '4' | '5' | null {
  const digit = reply.replyCode !== null ? String(reply.replyCode)[0] : reply.enhancedCode?.[0];
  return digit === '4' || digit === '5' ? digit : null;
}

/** "550 5.1.1", or "550", or "5.1.1": the reply's raw material, kept as the normalized error's providerCode. */
export function replyLabel(reply: SmtpReply): string | null {
  const parts = [reply.replyCode === null ? null : String(reply.replyCode), reply.enhancedCode].filter((p): p is string => p !== null);
  return parts.length > 0 ? parts.join(' ') : null;
}

/**
 * Every key a catalog row may name for this reply, from the most specific:
 * "550 5.1.1" (both codes), "5.1.1" (enhanced), "550" (reply), "5.1.x"
 * (enhanced subject), "5.x.x" (class). Which one decides is the catalog's row
 * order, not this list's.
 */
export function replyKeys(reply: SmtpReply): string[] {
  const keys: string[] = [];
  const label = replyLabel(reply);
  if (reply.replyCode !== null && reply.enhancedCode !== null && label !== null) keys.push(label);
  if (reply.enhancedCode !== null) keys.push(reply.enhancedCode);
  if (reply.replyCode !== null) keys.push(String(reply.replyCode));
  if (reply.enhancedCode !== null) keys.push(`${reply.enhancedCode.split('.').slice(0, 2).join('.')}.x`);
  const cls = failureClass(reply);
  if (cls !== null) keys.push(`${cls}.x.x`);
  return keys;
}
