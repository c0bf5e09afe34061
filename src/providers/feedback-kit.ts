import { DELIVERY_EVENT_SCHEMA_VERSION, deliveryEventId, domainOf, validateDeliveryEvent } from '../events/index.js';
import type { DeliveryEvent } from '../events/index.js';
import { FeedbackError, MAX_EVENTS_PER_PAYLOAD } from '../feedback/index.js';
import type { FeedbackContext, FeedbackMapping } from '../feedback/index.js';
import { categoryOf, scrubMessage } from '../normalize/index.js';
import type { ProviderId } from '../normalize/index.js';

/**
 * A minimal stand-in for the feedback stage's event builder (`Collector` in
 * src/feedback/normalize.ts), which is not exported: the Mailgun and Postmark
 * normalizers build their delivery events with this until it is. It keeps the
 * same rules: one event per recipient, the recipient only as its keyed hash,
 * every provider text scrubbed, the deterministic event id, and each event
 * validated against the contract before it is kept.
 */

/** `*` matches any value, including none (the feedback mappings' convention). */
export const ANY = '*';

export function matches(pattern: string | RegExp, value: string | null | undefined): boolean {
  if (pattern === ANY) return true;
  if (value === null || value === undefined) return false;
  return typeof pattern === 'string' ? pattern === value : pattern.test(value);
}

export const delivered = (doc: string): FeedbackMapping => ({ outcome: 'delivered', bounceType: null, code: null, doc });
export const complained = (doc: string): FeedbackMapping => ({ outcome: 'complained', bounceType: null, code: null, doc });
export const deferred = (doc: string): FeedbackMapping => ({ outcome: 'deferred', bounceType: null, code: null, doc });
export const bounced = (bounceType: 'hard' | 'soft' | 'undetermined', code: FeedbackMapping['code'], doc: string): FeedbackMapping => ({ outcome: 'bounced', bounceType, code, doc });
export const rejected = (code: NonNullable<FeedbackMapping['code']>, doc: string): FeedbackMapping => ({ outcome: 'rejected', bounceType: null, code, doc });
export const suppressed = (doc: string): FeedbackMapping => ({ outcome: 'suppressed', bounceType: null, code: 'suppression.recipient_suppressed', doc });

export type Json = Record<string, unknown>;

export function record(value: unknown, where: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FeedbackError(`${where} is not a JSON object`);
  return value as Json;
}

export function optionalRecord(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

export function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

// Events before 2000 or after 2100 are not feedback about a send.
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(2100, 0, 1);

function inRange(ms: number, where: string): number {
  if (Number.isNaN(ms) || ms < EARLIEST || ms >= LATEST) throw new FeedbackError(`${where} is not a time between 2000 and 2100`);
  return ms;
}

export function isoTime(value: unknown, where: string): number {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(value)) throw new FeedbackError(`${where} is not an ISO 8601 time`);
  return inRange(Date.parse(value), where);
}

/** Unix seconds, possibly fractional (Mailgun's 1534108637.153125). */
export function unixSecondsTime(value: unknown, where: string): number {
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,12}(\.\d{1,9})?$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isFinite(seconds)) throw new FeedbackError(`${where} is not a Unix time in seconds`);
  return inRange(Math.round(seconds * 1000), where);
}

/** What one recipient's event is made of. */
export interface Draft {
  provider: ProviderId;
  providerType: string;
  occurredAt: number;
  mapping: FeedbackMapping;
  recipient: string | undefined;
  index: number;
  workspace?: string | undefined;
  sender?: string | undefined;
  messageId?: string | undefined;
  providerMessageId: string;
  providerEventId?: string | undefined;
  providerBounceType?: string | undefined;
  bounceSubtype?: string | undefined;
  providerReason?: string | undefined;
  /** A reply code the provider states apart from its text (Mailgun's delivery-status.code). */
  smtpCode?: number | undefined;
  diagnostic?: string | undefined;
}

/** scrubMessage stops a local part at a quote; anything left of an `@host.tld` goes too. */
const RESIDUAL_ADDRESS = /[^\s@<>()[\]{},;:"]*@[^\s@<>()[\]{},;:"'`]+\.[^\s@<>()[\]{},;:"'`]+/g;

function clean(value: string | undefined, max: number): string {
  if (value === undefined || value.length === 0) return '';
  const scrubbed = scrubMessage(value).replace(RESIDUAL_ADDRESS, '[email]');
  return scrubbed.length > max ? scrubbed.slice(0, max) : scrubbed;
}

function domain(address: string | undefined): string {
  if (address === undefined) return '';
  const value = domainOf(address);
  return value.length <= 253 ? value : '';
}

const STATUS_IN_TEXT = /(?<![\d.])([245]\.\d{1,3}\.\d{1,3})(?![\d.])/;
const REPLY_CODE = /^\s*(?:smtp;\s*)?([2-5]\d\d)(?![\d.])/i;

/** The events of one request, bounded by MAX_EVENTS_PER_PAYLOAD. */
export class DeliveryEvents {
  readonly events: DeliveryEvent[] = [];
  readonly #receivedAt: string;

  constructor(readonly ctx: FeedbackContext) {
    this.#receivedAt = new Date(ctx.receivedAt).toISOString();
  }

  add(draft: Draft): void {
    if (this.events.length >= MAX_EVENTS_PER_PAYLOAD) throw new FeedbackError(`more than ${MAX_EVENTS_PER_PAYLOAD} events in one request`);
    const { hash, domain: recipientDomain } = this.ctx.hasher.facts(draft.recipient);
    const { outcome, code } = draft.mapping;
    // Not scrubbed: a provider's message id is its Message-ID, address-shaped by RFC 5322
    // (Mailgun's `20180812211713.1.DF59…@mg.example.org`) but no person's address, and
    // scrubbing it would break the join with the send event that carries it.
    const providerMessageId = draft.providerMessageId.slice(0, 256);
    const providerEventId = clean(draft.providerEventId, 256);
    const reply = REPLY_CODE.exec(draft.diagnostic ?? '')?.[1];
    const smtpCode = draft.smtpCode !== undefined && draft.smtpCode >= 200 && draft.smtpCode <= 599 ? draft.smtpCode : reply === undefined ? null : Number(reply);
    const event: DeliveryEvent = {
      event_id: deliveryEventId(draft.occurredAt, [draft.provider, providerMessageId, draft.providerType, hash || `#${draft.index}`, String(draft.occurredAt), providerEventId]),
      schema_version: DELIVERY_EVENT_SCHEMA_VERSION,
      occurred_at: new Date(draft.occurredAt).toISOString(),
      received_at: this.#receivedAt,
      provider: draft.provider,
      provider_type: clean(draft.providerType, 64),
      workspace: clean(this.ctx.workspace || draft.workspace, 128),
      sender_domain: domain(draft.sender),
      recipient_domain: recipientDomain.length <= 253 ? recipientDomain : '',
      recipient_hash: hash,
      message_id: clean(draft.messageId, 256),
      provider_message_id: providerMessageId,
      provider_event_id: providerEventId,
      outcome,
      bounce_type: outcome === 'bounced' ? (draft.mapping.bounceType ?? 'undetermined') : null,
      provider_bounce_type: clean(draft.providerBounceType, 64),
      bounce_subtype: clean(draft.bounceSubtype, 64),
      provider_reason: clean(draft.providerReason, 200),
      smtp_status: STATUS_IN_TEXT.exec(draft.diagnostic ?? '')?.[1] ?? '',
      smtp_code: smtpCode,
      diagnostic: clean(draft.diagnostic, 1000),
      code,
      category: code === null ? null : categoryOf(code),
    };
    const checked = validateDeliveryEvent(event);
    if (!checked.ok) throw new FeedbackError(`the payload gives an invalid delivery event: ${checked.reason}`);
    this.events.push(event);
  }
}
