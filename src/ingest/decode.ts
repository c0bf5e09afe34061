import { validateDeliveryEvent, validateSendEvent } from '../events/index.js';
import type { Validation } from '../events/index.js';
import type { DeadLetter, Decoded, Row, SourceMessage } from './types.js';

/** A message larger than this is dead-lettered whole, unread: the producer never writes one (16 KiB). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
/** One event line larger than this is dead-lettered: the contract bounds every field far below it. */
export const MAX_EVENT_LINE_BYTES = 16 * 1024;

export const SEND_EVENTS_TABLE = 'email_send_events';
export const DELIVERY_EVENTS_TABLE = 'email_delivery_events';

function letter(message: SourceMessage, reason: string, line: number | null, original: Buffer): DeadLetter {
  return { reason, topic: message.topic, partition: message.partition, offset: message.offset, line, original };
}

/**
 * A decoder for a topic of JSON Lines, one event per line, checked against
 * its contract. A valid line is kept as its original text (ClickHouse reads
 * it as JSONEachRow, no second serialization); an invalid one becomes a dead
 * letter naming its line and what is wrong with it.
 */
export function jsonLinesDecoder(table: string, validate: (value: unknown) => Validation<unknown>): (message: SourceMessage) => Decoded {
  return (message) => decodeJsonLines(message, table, validate);
}

/** The events topic: send events into email_send_events. */
export const decodeSendEvents = jsonLinesDecoder(SEND_EVENTS_TABLE, validateSendEvent);

/** The delivery topic: provider feedback from the webhook receiver into email_delivery_events. */
export const decodeDeliveryEvents = jsonLinesDecoder(DELIVERY_EVENTS_TABLE, validateDeliveryEvent);

function decodeJsonLines(message: SourceMessage, table: string, validate: (value: unknown) => Validation<unknown>): Decoded {
  const rows: Row[] = [];
  const deadLetters: DeadLetter[] = [];
  const value = message.value;
  if (value === null || value.length === 0) {
    deadLetters.push(letter(message, 'empty message', null, Buffer.alloc(0)));
    return { rows: new Map(), deadLetters, judged: 1, invalid: 1 };
  }
  if (value.length > MAX_MESSAGE_BYTES) {
    deadLetters.push(letter(message, `oversized: ${value.length} bytes (limit ${MAX_MESSAGE_BYTES})`, null, value));
    return { rows: new Map(), deadLetters, judged: 1, invalid: 1 };
  }
  let judged = 0;
  let start = 0;
  for (let line = 0; start <= value.length; line += 1) {
    let end = value.indexOf(0x0a, start);
    if (end === -1) end = value.length;
    const bytes = value.subarray(start, end);
    start = end + 1;
    if (bytes.length === 0 || (bytes.length === 1 && bytes[0] === 0x0d)) continue;
    judged += 1;
    const text = bytes.toString('utf8');
    if (bytes.length > MAX_EVENT_LINE_BYTES) {
      deadLetters.push(letter(message, `oversized event: ${bytes.length} bytes (limit ${MAX_EVENT_LINE_BYTES})`, line, Buffer.from(bytes)));
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      deadLetters.push(letter(message, `malformed JSON: ${(error as Error).message}`, line, Buffer.from(bytes)));
      continue;
    }
    const valid = validate(parsed);
    if (!valid.ok) {
      deadLetters.push(letter(message, `schema: ${valid.reason}`, line, Buffer.from(bytes)));
      continue;
    }
    rows.push({ text, offset: message.offset, line });
  }
  return { rows: new Map([[table, rows]]), deadLetters, judged, invalid: deadLetters.length };
}
