import { Type } from '@sinclair/typebox';
import type { Static, TLiteral } from '@sinclair/typebox';
import { contractValidator } from '../events/index.js';
import type { DeliveryEvent } from '../events/index.js';
import { ALL_CODES, BOUNCE_TYPES, DELIVERY_OUTCOMES, PROVIDERS } from '../normalize/index.js';
import { GENERIC_TYPES, typeRow } from './mappings.js';
import { Collector, FeedbackError, MAX_EVENTS_PER_PAYLOAD, isoTime } from './kit.js';
import type { FeedbackContext, SendgridContext } from './kit.js';

export { FeedbackError, MAX_EVENTS_PER_PAYLOAD };
export type { FeedbackContext, SendgridContext };

/**
 * Provider feedback → delivery events. Pure functions: a verified, parsed
 * body in, events out (none for feedback that is not about delivery, such as
 * opens). A body of the wrong shape is a FeedbackError (status 400) whose
 * message names the field and never quotes a value; nothing else is thrown.
 */

/** Where our own message id and workspace travel in provider payloads. Senders set them at send time. */
export const MESSAGE_ID_TAG = 'sendlens_message_id';
export const WORKSPACE_TAG = 'sendlens_workspace';
export const MESSAGE_ID_HEADER = 'X-Sendlens-Message-Id';
export const WORKSPACE_HEADER = 'X-Sendlens-Workspace';


// ---------------------------------------------------------------------------
// Generic (ours)
// ---------------------------------------------------------------------------

const literals = <T extends string>(values: readonly T[]): TLiteral<T>[] => values.map((value) => Type.Literal(value));

/**
 * The generic feedback event, v1: what a bridge for a provider without a
 * webhook format (relay, sendfleet) posts, one object or an array of them,
 * signed with X-Sendlens-Signature (see verifyGeneric). Unknown fields are
 * refused, so a misspelt field is an error rather than silently lost.
 */
export const GenericFeedbackEventSchema = Type.Object(
  {
    provider: Type.Union(literals(PROVIDERS), { description: 'The provider that sent the message.' }),
    type: Type.Union(literals(DELIVERY_OUTCOMES), { description: 'What happened: delivered, bounced, complained, deferred, rejected, suppressed.' }),
    timestamp: Type.String({ maxLength: 40, description: 'When it happened: ISO 8601, 2026-11-22T12:00:00.123Z; a time without a zone is UTC.' }),
    recipient: Type.String({ minLength: 1, maxLength: 512, description: 'The recipient address (hashed on arrival, never stored).' }),
    event_id: Type.Optional(Type.String({ maxLength: 256, description: 'Your id for this event, the same on every retry; strongly advised.' })),
    from: Type.Optional(Type.String({ maxLength: 512, description: 'The From address (only its domain is kept).' })),
    message_id: Type.Optional(Type.String({ maxLength: 256, description: "The sender's own message id." })),
    provider_message_id: Type.Optional(Type.String({ maxLength: 256, description: "The provider's message id." })),
    workspace: Type.Optional(Type.String({ maxLength: 128, description: "Tenant; the endpoint's configured workspace wins." })),
    bounce_type: Type.Optional(Type.Union(literals(BOUNCE_TYPES), { description: 'Only with type bounced; undetermined when absent.' })),
    bounce_subtype: Type.Optional(Type.String({ maxLength: 64 })),
    smtp_status: Type.Optional(Type.String({ pattern: '^[245]\\.\\d{1,3}\\.\\d{1,3}$', description: 'Enhanced status code, 5.1.1.' })),
    smtp_code: Type.Optional(Type.Integer({ minimum: 200, maximum: 599, description: 'SMTP reply code, 550.' })),
    diagnostic: Type.Optional(Type.String({ maxLength: 4000, description: 'The server text (scrubbed on arrival).' })),
    reason: Type.Optional(Type.String({ maxLength: 200, description: 'A short reason, kept as provider_reason.' })),
    code: Type.Optional(Type.Union(literals(ALL_CODES), { description: 'A normalized code; not allowed with delivered, complained, deferred.' })),
  },
  { $id: 'https://sendlens.dev/schemas/generic-feedback-event.v1.json', title: 'GenericFeedbackEvent', additionalProperties: false },
);
export type GenericFeedbackEvent = Static<typeof GenericFeedbackEventSchema>;

const validateGeneric = contractValidator<GenericFeedbackEvent>(GenericFeedbackEventSchema);

const CODELESS: ReadonlySet<string> = new Set(['delivered', 'complained', 'deferred']);

/** The generic endpoint's body: one GenericFeedbackEvent or an array of them. */
export function fromGenericEvents(json: unknown, ctx: FeedbackContext): DeliveryEvent[] {
  const list = Array.isArray(json) ? json : [json];
  if (list.length > MAX_EVENTS_PER_PAYLOAD) throw new FeedbackError(`more than ${MAX_EVENTS_PER_PAYLOAD} events in one request`);
  const collector = new Collector(ctx);
  list.forEach((item: unknown, index) => {
    const where = Array.isArray(json) ? `event ${index}` : 'the event';
    const checked = validateGeneric(item);
    if (!checked.ok) throw new FeedbackError(`${where}: ${checked.reason}`);
    const event = checked.value;
    if (event.bounce_type !== undefined && event.type !== 'bounced') throw new FeedbackError(`${where}: bounce_type is only for type bounced`);
    if (event.code !== undefined && CODELESS.has(event.type)) throw new FeedbackError(`${where}: code is not allowed with type ${event.type}`);
    const row = typeRow(GENERIC_TYPES, event.type);
    if (row === undefined || row.mapping === null) return;
    collector.add({
      provider: event.provider,
      providerType: row.type,
      occurredAt: isoTime(event.timestamp, `${where}.timestamp`),
      mapping: row.mapping,
      ...(event.code !== undefined && { code: event.code }),
      ...(event.bounce_type !== undefined && { bounceType: event.bounce_type }),
      recipient: event.recipient,
      index,
      workspace: event.workspace,
      sender: event.from,
      messageId: event.message_id,
      providerMessageId: event.provider_message_id ?? '',
      providerEventId: event.event_id,
      bounceSubtype: event.bounce_subtype,
      providerReason: event.reason,
      smtpStatus: event.smtp_status,
      smtpCode: event.smtp_code,
      diagnostic: event.diagnostic,
    });
  });
  return collector.events;
}
