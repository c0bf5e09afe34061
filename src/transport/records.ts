/**
 * The records of one Kafka record batch (v2), byte for byte as kafkajs 2.x
 * encodes them before compressing: per message a varint length, attributes
 * 0, timestamp delta 0 (kafkajs's delta for messages without a timestamp),
 * its offset delta, key, value and no headers. The producer compresses these
 * bytes ahead of the send; kafkajs's codec finds them by content, so a
 * difference only costs the head start, never a wrong batch
 * (test/transport/records.test.ts checks them against kafkajs's encoder).
 */
export interface RecordMessage {
  key: string;
  /** The value, or the lines it is made of (joined with `\n`, written without joining them first). */
  value: string | Buffer | readonly string[];
}

function byteLength(value: RecordMessage['value']): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (Buffer.isBuffer(value)) return value.length;
  let bytes = value.length - 1;
  for (const line of value as readonly string[]) bytes += Buffer.byteLength(line);
  return bytes;
}

export interface EncodedRecords {
  /** The records, concatenated as kafkajs concatenates them before compressing. */
  records: Buffer;
  /** Each message's value as bytes: views into `records`, no copies. */
  values: Buffer[];
}

/** Bytes of `value` as a zigzag varint (kafkajs's `writeVarInt`). */
function sizeOfVarInt(value: number): number {
  let encoded = ((value << 1) ^ (value >> 31)) >>> 0;
  let bytes = 1;
  while (encoded >= 0x80) {
    bytes += 1;
    encoded >>>= 7;
  }
  return bytes;
}

function writeVarInt(buffer: Buffer, offset: number, value: number): number {
  let encoded = ((value << 1) ^ (value >> 31)) >>> 0;
  while (encoded >= 0x80) {
    buffer[offset++] = (encoded & 0x7f) | 0x80;
    encoded >>>= 7;
  }
  buffer[offset++] = encoded;
  return offset;
}

export function encodeRecords(messages: readonly RecordMessage[]): EncodedRecords {
  const keyBytes = new Array<number>(messages.length);
  const valueBytes = new Array<number>(messages.length);
  let total = 0;
  for (let i = 0; i < messages.length; i += 1) {
    const { key, value } = messages[i] as RecordMessage;
    const k = Buffer.byteLength(key);
    const v = byteLength(value);
    keyBytes[i] = k;
    valueBytes[i] = v;
    // attributes, timestamp delta 0 and an empty header array: one byte each
    const body = 3 + sizeOfVarInt(i) + sizeOfVarInt(k) + k + sizeOfVarInt(v) + v;
    total += sizeOfVarInt(body) + body;
  }
  const records = Buffer.allocUnsafe(total);
  const values = new Array<Buffer>(messages.length);
  let offset = 0;
  for (let i = 0; i < messages.length; i += 1) {
    const { key, value } = messages[i] as RecordMessage;
    const k = keyBytes[i] as number;
    const v = valueBytes[i] as number;
    offset = writeVarInt(records, offset, 3 + sizeOfVarInt(i) + sizeOfVarInt(k) + k + sizeOfVarInt(v) + v);
    records[offset++] = 0; // attributes
    records[offset++] = 0; // timestamp delta
    offset = writeVarInt(records, offset, i);
    offset = writeVarInt(records, offset, k);
    offset += records.write(key, offset, k, 'utf8');
    offset = writeVarInt(records, offset, v);
    if (typeof value === 'string') records.write(value, offset, v, 'utf8');
    else if (Buffer.isBuffer(value)) value.copy(records, offset);
    else {
      const lines = value as readonly string[];
      let at = offset;
      for (let n = 0; n < lines.length; n += 1) {
        if (n > 0) records[at++] = 0x0a;
        at += records.write(lines[n] as string, at, 'utf8');
      }
    }
    values[i] = records.subarray(offset, offset + v);
    offset += v;
    records[offset++] = 0; // no headers
  }
  return { records, values };
}
