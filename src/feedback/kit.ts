import { DELIVERY_EVENT_SCHEMA_VERSION, deliveryEventId, domainOf, validateDeliveryEvent } from '../events/index.js';
import type { DeliveryEvent, RecipientHasher } from '../events/index.js';
import { categoryOf, scrubIdentifier, scrubMessage } from '../normalize/index.js';
import type { ErrorCode, ProviderId } from '../normalize/index.js';
import type { FeedbackMapping } from './mappings.js';
import { parseIsoTime } from './time.js';

/**
 * The building blocks of every feedback normalizer, the stage's own and the providers' in
 * src/providers/<id>/: the error a body of the wrong shape raises, readers for JSON fields and
 * times, and the Collector that turns a draft per recipient into a delivery event (the recipient
 * only as its keyed hash, provider text scrubbed, the deterministic event id, validated).
 */

/** A body that is not in the provider's shape; the webhook answers 400 with its message. */
export class FeedbackError extends Error {
  readonly status = 400;
  constructor(message: string) {
    super(message);
    this.name = 'FeedbackError';
  }
}

export interface FeedbackContext {
  hasher: RecipientHasher;
  /** When the webhook arrived, Unix milliseconds. */
  receivedAt: number;
  /** The endpoint's workspace; when non-empty it wins over any workspace tag in the payload. */
  workspace?: string;
  /** The transport's id of this delivery when the payload has no event id (Resend: the svix-id header); stable across retries. */
  deliveryId?: string;
}

export interface SendgridContext extends FeedbackContext {
  /** Who speaks the SendGrid format at this endpoint; scaisend unless told. */
  provider?: ProviderId;
}

/** More events than this from one request is refused (SendGrid batches are far smaller; the body limit is 1 MiB). */
export const MAX_EVENTS_PER_PAYLOAD = 10_000;

// Events older than 2000 or after 2100 are not feedback about a send.
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(2100, 0, 1);

export type Json = Record<string, unknown>;

export function record(value: unknown, where: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FeedbackError(`${where} is not a JSON object`);
  return value as Json;
}

export function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function requireText(object: Json, key: string, where: string): string {
  const value = object[key];
  if (typeof value !== 'string' || value.length === 0) throw new FeedbackError(`${where}.${key} is missing or not a string`);
  return value;
}

/**
 * scrubMessage stops a local part at a quote or backtick, so an address such
 * as `o'@example.com` (valid, if rare) would pass it whole; this second pass
 * takes anything left of an `@host.tld` as part of the address.
 */
const RESIDUAL_ADDRESS = /[^\s@<>()[\]{},;:"]*@[^\s@<>()[\]{},;:"'`]+\.[^\s@<>()[\]{},;:"'`]+/g;

/** Scrubbed of addresses and credentials, cut to the column's length. */
export function clean(value: string | undefined, max: number): string {
  if (value === undefined || value.length === 0) return '';
  const scrubbed = scrubMessage(value).replace(RESIDUAL_ADDRESS, '[email]');
  return scrubbed.length > max ? scrubbed.slice(0, max) : scrubbed;
}

/** An identifier the provider assigned: addresses out, but never mistaken for a credential. */
export function cleanId(value: string | undefined, max: number): string {
  if (value === undefined || value.length === 0) return '';
  const scrubbed = scrubIdentifier(value).replace(RESIDUAL_ADDRESS, '[email]');
  return scrubbed.length > max ? scrubbed.slice(0, max) : scrubbed;
}

export function domain(address: string | undefined): string {
  if (address === undefined) return '';
  const value = domainOf(address);
  return value.length <= 253 ? value : '';
}

/** An ISO 8601 time; one without a zone is UTC (see time.ts). */
export function isoTime(value: unknown, where: string): number {
  const ms = typeof value === 'string' ? parseIsoTime(value) : null;
  if (ms === null) throw new FeedbackError(`${where} is not an ISO 8601 time`);
  return inRange(ms, where);
}

/** Unix seconds, possibly fractional (Mailgun's 1534108637.153125). */
export function unixSecondsTime(value: unknown, where: string): number {
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,12}(\.\d{1,9})?$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isFinite(seconds)) throw new FeedbackError(`${where} is not a Unix time in seconds`);
  return inRange(Math.round(seconds * 1000), where);
}

function inRange(ms: number, where: string): number {
  if (Number.isNaN(ms) || ms < EARLIEST || ms >= LATEST) throw new FeedbackError(`${where} is not a time between 2000 and 2100`);
  return ms;
}

const STATUS = /^[245]\.\d{1,3}\.\d{1,3}$/;
const STATUS_IN_TEXT = /(?<![\d.])([245]\.\d{1,3}\.\d{1,3})(?![\d.])/;
const REPLY_CODE = /^\s*(?:smtp;\s*)?([2-5]\d\d)(?![\d.])/i;

function smtpFacts(status: string | undefined, diagnostic: string | undefined): { smtp_status: string; smtp_code: number | null } {
  const trimmed = status?.trim();
  const smtpStatus = trimmed !== undefined && STATUS.test(trimmed) ? trimmed : (STATUS_IN_TEXT.exec(diagnostic ?? '')?.[1] ?? '');
  const reply = REPLY_CODE.exec(diagnostic ?? '')?.[1];
  return { smtp_status: smtpStatus, smtp_code: reply === undefined ? null : Number(reply) };
}

export function firstMatch<R>(rows: readonly R[], test: (row: R) => boolean, table: string): R {
  const row = rows.find(test);
  // Every table ends in a `*` row; this is a guard against an edit that drops it.
  if (row === undefined) throw new FeedbackError(`no row of ${table} matches`);
  return row;
}

/** What one recipient's event is made of, before it becomes a row. */
export interface Draft {
  provider: ProviderId;
  providerType: string;
  occurredAt: number;
  mapping: FeedbackMapping;
  /** A code that overrides the mapping's (generic events, SendGrid bounce classes). */
  code?: ErrorCode | null;
  /** A bounce type that overrides the mapping's (generic events). */
  bounceType?: FeedbackMapping['bounceType'];
  recipient: string | undefined;
  /** The recipient's domain when the address itself is unknown (it otherwise comes from the address). */
  recipientDomain?: string;
  index: number;
  workspace?: string | undefined;
  sender?: string | undefined;
  messageId?: string | undefined;
  providerMessageId: string;
  providerEventId?: string | undefined;
  providerBounceType?: string | undefined;
  bounceSubtype?: string | undefined;
  providerReason?: string | undefined;
  smtpStatus?: string | undefined;
  /** A reply code stated apart from the diagnostic (generic events); otherwise read from the diagnostic. */
  smtpCode?: number | undefined;
  diagnostic?: string | undefined;
}

export function utc(ms: number): string {
  return new Date(ms).toISOString();
}

export class Collector {
  readonly events: DeliveryEvent[] = [];
  readonly #receivedAt: string;

  constructor(readonly ctx: FeedbackContext) {
    this.#receivedAt = utc(ctx.receivedAt);
  }

  add(draft: Draft): void {
    if (this.events.length >= MAX_EVENTS_PER_PAYLOAD) throw new FeedbackError(`more than ${MAX_EVENTS_PER_PAYLOAD} events in one request`);
    const { hash, domain: addressDomain } = this.ctx.hasher.facts(draft.recipient);
    const recipientDomain = draft.recipient === undefined ? (draft.recipientDomain ?? '') : addressDomain;
    const outcome = draft.mapping.outcome;
    const code = draft.code !== undefined ? draft.code : draft.mapping.code;
    // Scrubbed like every field: an address never reaches an event, whatever field it hides in. A
    // provider whose ids are address-shaped (Mailgun's RFC 5322 Message-IDs) keeps their unique
    // left part on both sides, so sends and feedback still join (src/providers/mailgun).
    const providerMessageId = cleanId(draft.providerMessageId, 256);
    const providerEventId = cleanId(draft.providerEventId, 256);
    const diagnostic = clean(draft.diagnostic, 1000);
    const smtp = smtpFacts(draft.smtpStatus, draft.diagnostic);
    const event: DeliveryEvent = {
      event_id: deliveryEventId(draft.occurredAt, [
        draft.provider,
        providerMessageId,
        draft.providerType,
        hash || `#${draft.index}`,
        String(draft.occurredAt),
        providerEventId,
      ]),
      schema_version: DELIVERY_EVENT_SCHEMA_VERSION,
      occurred_at: utc(draft.occurredAt),
      received_at: this.#receivedAt,
      provider: draft.provider,
      provider_type: draft.providerType,
      workspace: clean(this.ctx.workspace || draft.workspace, 128),
      sender_domain: domain(draft.sender),
      recipient_domain: recipientDomain.length <= 253 ? recipientDomain : '',
      recipient_hash: hash,
      message_id: cleanId(draft.messageId, 256),
      provider_message_id: providerMessageId,
      provider_event_id: providerEventId,
      outcome,
      bounce_type: outcome === 'bounced' ? (draft.bounceType ?? draft.mapping.bounceType ?? 'undetermined') : null,
      provider_bounce_type: clean(draft.providerBounceType, 64),
      bounce_subtype: clean(draft.bounceSubtype, 64),
      provider_reason: clean(draft.providerReason, 200),
      smtp_status: smtp.smtp_status,
      smtp_code: draft.smtpCode ?? smtp.smtp_code,
      diagnostic,
      code,
      category: code === null ? null : categoryOf(code),
    };
    const checked = validateDeliveryEvent(event);
    if (!checked.ok) throw new FeedbackError(`the payload gives an invalid delivery event: ${checked.reason}`);
    this.events.push(event);
  }
}


/** A list of recipients: strings, or objects with an emailAddress. */
export interface Recipient {
  address: string;
  status?: string | undefined;
  diagnostic?: string | undefined;
}

export function recipients(value: unknown, where: string): Recipient[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new FeedbackError(`${where} is not a list`);
  if (value.length > MAX_EVENTS_PER_PAYLOAD) throw new FeedbackError(`${where} lists more than ${MAX_EVENTS_PER_PAYLOAD} recipients`);
  return value.map((item: unknown, i) => {
    if (typeof item === 'string') return { address: item };
    const entry = record(item, `${where}[${i}]`);
    return { address: requireText(entry, 'emailAddress', `${where}[${i}]`), status: text(entry.status), diagnostic: text(entry.diagnosticCode) };
  });
}
