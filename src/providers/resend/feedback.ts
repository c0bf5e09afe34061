import { canonicalAddress, domainOf } from '../../events/index.js';
import type { DeliveryEvent } from '../../events/index.js';
import { Collector, FeedbackError, MAX_EVENTS_PER_PAYLOAD, MESSAGE_ID_TAG, WORKSPACE_TAG, firstMatch, isoTime, matches, record, requireText, text, typeRow } from '../../feedback/index.js';
import type { FeedbackContext, Json } from '../../feedback/index.js';
import { RESEND_FAILURES, RESEND_TYPES, RESEND_UNTYPED_BOUNCES } from './mappings.js';
// Resend sends through Amazon SES and passes SES's bounce types and subtypes through as they are.
import { SES_BOUNCES } from '../ses/mappings.js';

/**
 * Resend's webhooks (Svix-signed) → delivery events.
 */
// ---------------------------------------------------------------------------
// Resend
// ---------------------------------------------------------------------------

/** Resend tags: `{ name: value }` in webhooks; `[{ name, value }]` as sent, accepted too. */
function resendTag(data: Json, name: string): string | undefined {
  const tags = data.tags;
  if (Array.isArray(tags)) {
    for (const item of tags.slice(0, 100)) {
      if (typeof item === 'object' && item !== null && (item as Json).name === name) return text((item as Json).value);
    }
    return undefined;
  }
  if (typeof tags !== 'object' || tags === null) return undefined;
  return text((tags as Json)[name]);
}

function optionalRecord(value: unknown, where: string): Json {
  return value === undefined || value === null ? {} : record(value, where);
}

/** Address-shaped tokens in a provider's text, to match against the listed recipients. */
const ADDRESS_IN_TEXT = /[^\s<>()[\]{},;:"'`]+@[^\s<>()[\]{},;:"'`]+/g;
/** As much of that text as is kept (the diagnostic's length): the token search stays cheap on a hostile body. */
const MAX_TEXT_SCANNED = 1000;

/**
 * Which address a Resend email event is about. Resend posts one event per
 * recipient; since November 2024 its data.to holds just that recipient
 * (resend.com/changelog/webhook-event-visibility), while older events listed
 * every address of the send and did not say which one the event was for
 * (Anymail's Resend webhook notes the same). With several addresses, the one
 * the event's own text names is taken; otherwise the recipient is unknown:
 * the outcome is stored once with no recipient rather than once for every
 * address, which would write N rows per webhook (N² per send) and credit each
 * recipient with the others' bounces.
 */
function resendRecipient(to: readonly string[], texts: readonly (string | undefined)[]): { address?: string; domain: string } {
  if (to.length === 1) return { address: to[0] as string, domain: '' };
  const addresses = to.map((entry) => canonicalAddress(entry)).filter((address): address is string => address !== null);
  const said = new Set<string>();
  for (const t of texts) for (const token of (t ?? '').slice(0, MAX_TEXT_SCANNED).match(ADDRESS_IN_TEXT) ?? []) said.add(token.toLowerCase().replace(/\.+$/, ''));
  const named = [...new Set(addresses.filter((address) => said.has(address)))];
  if (named.length === 1) return { address: named[0] as string, domain: '' };
  // The recipient is unknown, but its domain is not when every address shares one.
  const domains = new Set(addresses.map((address) => domainOf(address)));
  return { domain: domains.size === 1 ? ([...domains][0] as string) : '' };
}

/**
 * A Resend webhook: `{ type, created_at, data: { email_id, from, to: [...],
 * tags?, bounce?: { type, subType, message }, failed?: { reason },
 * suppressed?: { type, message } } }`. One event per webhook, for the
 * recipient resendRecipient finds.
 */
export function fromResendWebhook(json: unknown, ctx: FeedbackContext): DeliveryEvent[] {
  const root = record(json, 'the body');
  const type = text(root.type);
  if (type === undefined) throw new FeedbackError('type is missing or not a string: not a Resend webhook');
  const row = typeRow(RESEND_TYPES, type);
  if (row === undefined || row.mapping === null) return [];
  const data = record(root.data, 'data');
  const providerMessageId = requireText(data, 'email_id', 'data');
  const occurredAt = isoTime(root.created_at ?? data.created_at, 'created_at');
  const to: unknown = typeof data.to === 'string' ? [data.to] : data.to;
  if (!Array.isArray(to)) throw new FeedbackError('data.to is not a list of addresses');
  if (to.length > MAX_EVENTS_PER_PAYLOAD) throw new FeedbackError(`data.to lists more than ${MAX_EVENTS_PER_PAYLOAD} recipients`);
  to.forEach((address: unknown, index) => {
    if (typeof address !== 'string') throw new FeedbackError(`data.to[${index}] is not a string`);
  });

  let mapping = row.mapping;
  let providerBounceType: string | undefined;
  let bounceSubtype: string | undefined;
  let providerReason: string | undefined;
  let diagnostic: string | undefined;
  if (type === 'email.bounced') {
    const bounce = optionalRecord(data.bounce, 'data.bounce');
    providerBounceType = text(bounce.type);
    bounceSubtype = text(bounce.subType);
    diagnostic = text(bounce.message);
    const message = diagnostic;
    mapping =
      providerBounceType === undefined
        ? firstMatch(RESEND_UNTYPED_BOUNCES, (r) => matches(r.message, message), 'RESEND_UNTYPED_BOUNCES').mapping
        : firstMatch(SES_BOUNCES, (r) => matches(r.bounceType, providerBounceType) && matches(r.bounceSubType, bounceSubtype), 'SES_BOUNCES').mapping;
  } else if (type === 'email.failed') {
    const failed = optionalRecord(data.failed, 'data.failed');
    providerReason = text(failed.reason);
    diagnostic = providerReason;
    mapping = firstMatch(RESEND_FAILURES, (r) => matches(r.reason, providerReason), 'RESEND_FAILURES').mapping;
  } else if (type === 'email.suppressed') {
    const suppressed = optionalRecord(data.suppressed, 'data.suppressed');
    bounceSubtype = text(suppressed.type);
    diagnostic = text(suppressed.message);
  }

  const recipient = resendRecipient(to as string[], [diagnostic]);
  const collector = new Collector(ctx);
  collector.add({
    provider: 'resend',
    providerType: row.type,
    occurredAt,
    mapping,
    recipient: recipient.address,
    recipientDomain: recipient.domain,
    index: 0,
    workspace: resendTag(data, WORKSPACE_TAG),
    sender: text(data.from),
    messageId: resendTag(data, MESSAGE_ID_TAG),
    providerMessageId,
    providerEventId: ctx.deliveryId,
    providerBounceType,
    bounceSubtype,
    providerReason,
    diagnostic,
  });
  return collector.events;
}
