import { onReceipt, validateDeliveryEvent, validateSendEvent } from '../events/index.js';
import type { Validation } from '../events/index.js';
import { cutWhileDecompressing, deadLetter } from './dead-letter.js';
import { DELIVERY_EVENTS_TABLE, INSERT_COLUMNS, SEND_EVENTS_TABLE, encodeRow, hasRowLayout, uniqueByColumn } from './row-format.js';
import type { DeadLetter, Decoded, Row, SourceMessage } from './types.js';

/** A message larger than this is dead-lettered unread (its head, size and digest): the producer never writes one (16 KiB). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
/** One event line larger than this is dead-lettered: the contract bounds every field far below it. */
export const MAX_EVENT_LINE_BYTES = 16 * 1024;

export { SEND_EVENTS_TABLE, DELIVERY_EVENTS_TABLE, OPTIONAL_COLUMNS } from './row-format.js';

/** A dead letter of this message; an original over the dead-letter bound keeps only its head, size and digest. */
function letter(message: SourceMessage, reason: string, line: number | null, original: Buffer): DeadLetter {
  return deadLetter(message, reason, line, original);
}

/**
 * Tables whose rows are the contract's fields in this column order (the
 * INSERT's column list), encoded by row-format.ts (TabSeparated).
 */
export const COMPACT_INSERT_COLUMNS: ReadonlyMap<string, readonly string[]> = INSERT_COLUMNS;

/**
 * A decoder for a topic of JSON Lines, one event per line, checked against
 * its contract. A valid event becomes a row: its values encoded in the
 * table's row format (row-format.ts) when the table has one, else its
 * original text; an invalid line becomes a dead letter naming its line and
 * what is wrong with it.
 */
export function jsonLinesDecoder(table: string, validate: (value: unknown) => Validation<unknown>): (message: SourceMessage) => Decoded {
  const encoded = hasRowLayout(table);
  const uniqueBy = uniqueByColumn(table);
  return (message) => decodeJsonLines(message, table, validate, encoded, uniqueBy);
}

/** The events topic: send events into email_send_events (event times judged at decoding, against SENDLENS_RETENTION_DAYS). */
export const decodeSendEvents = jsonLinesDecoder(SEND_EVENTS_TABLE, onReceipt(validateSendEvent));

/** The delivery topic: provider feedback from the webhook receiver into email_delivery_events. */
export const decodeDeliveryEvents = jsonLinesDecoder(DELIVERY_EVENTS_TABLE, onReceipt(validateDeliveryEvent));

function decodeJsonLines(message: SourceMessage, table: string, validate: (value: unknown) => Validation<unknown>, encoded: boolean, uniqueBy: string | undefined): Decoded {
  const rows: Row[] = [];
  const deadLetters: DeadLetter[] = [];
  const cut = cutWhileDecompressing(message);
  if (cut) return cut;
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
    if (bytes.length > MAX_EVENT_LINE_BYTES) {
      deadLetters.push(letter(message, `oversized event: ${bytes.length} bytes (limit ${MAX_EVENT_LINE_BYTES})`, line, bytes));
      continue;
    }
    const text = bytes.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      deadLetters.push(letter(message, `malformed JSON: ${(error as Error).message}`, line, bytes));
      continue;
    }
    const valid = validate(parsed);
    if (!valid.ok) {
      deadLetters.push(letter(message, `schema: ${valid.reason}`, line, bytes));
      continue;
    }
    const event = parsed as Record<string, unknown>;
    const row: Row = { text: encoded ? encodeRow(table, event, text) : text, offset: message.offset, line };
    if (uniqueBy !== undefined) row.unique = event[uniqueBy] as string;
    rows.push(row);
  }
  return { rows: new Map([[table, rows]]), deadLetters, judged, invalid: deadLetters.length };
}
