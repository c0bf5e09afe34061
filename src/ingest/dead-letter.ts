import { createHash } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DeadLetter, Decoded, SourceMessage } from './types.js';

/**
 * A dead letter whose original is larger than this keeps only its first
 * bytes, its size and its SHA-256: the dead-letter topic must accept every
 * letter (the broker's default max.message.bytes is 1 MB), or the partition
 * it came from could never commit again.
 */
export const DEAD_LETTER_MAX_ORIGINAL_BYTES = 256 * 1024;
/** How much of a cut original a dead letter keeps: enough to recognise the producer and the shape. */
export const DEAD_LETTER_HEAD_BYTES = 4 * 1024;
/** Reasons can quote the input; cut so headers stay small. */
const MAX_REASON_CHARS = 2000;

export interface DeadLetterSource {
  topic: string;
  partition: number;
  offset: bigint;
}

/**
 * Builds a dead letter, cutting an original over `maxOriginalBytes` down to
 * its head (with size and digest of the whole), so a batch never holds more
 * than the bound per letter while it waits to be written.
 */
export function deadLetter(source: DeadLetterSource, reason: string, line: number | null, original: Buffer, maxOriginalBytes = DEAD_LETTER_MAX_ORIGINAL_BYTES): DeadLetter {
  const letter: DeadLetter = { reason, topic: source.topic, partition: source.partition, offset: source.offset, line, original };
  // Copies either way, so a letter never pins the (larger) message buffer it was sliced from.
  return original.length > maxOriginalBytes ? truncated(letter) : { ...letter, original: Buffer.from(original) };
}

/** The same letter with only the head of its original, and the size and SHA-256 of all of it. */
export function truncated(letter: DeadLetter): DeadLetter {
  if (letter.truncatedFrom) return letter;
  return {
    ...letter,
    original: Buffer.from(letter.original.subarray(0, DEAD_LETTER_HEAD_BYTES)),
    truncatedFrom: { bytes: letter.original.length, sha256: createHash('sha256').update(letter.original).digest('hex') },
  };
}

/** A message whose value was cut while decompressing (bounded-gzip.ts): only its head arrived. */
export function cutWhileDecompressing(message: SourceMessage): Decoded | null {
  const cut = message.truncatedFrom;
  if (!cut) return null;
  const reason = `oversized after decompression: ${cut.bytes} bytes (${cut.why})`;
  const letter: DeadLetter = { reason, topic: message.topic, partition: message.partition, offset: message.offset, line: null, original: Buffer.from(message.value ?? Buffer.alloc(0)), truncatedFrom: { bytes: cut.bytes, sha256: cut.sha256 } };
  return { rows: new Map(), deadLetters: [letter], judged: 1, invalid: 1 };
}

/** Kafka record of a dead letter: the (possibly cut) original as value, why and where from in headers. */
export function deadLetterRecord(letter: DeadLetter): { key: string; value: Buffer; headers: Record<string, string> } {
  const headers: Record<string, string> = {
    'sendlens.reason': letter.reason.slice(0, MAX_REASON_CHARS),
    'sendlens.source.topic': letter.topic,
    'sendlens.source.partition': String(letter.partition),
    'sendlens.source.offset': letter.offset.toString(),
  };
  if (letter.line !== null) headers['sendlens.source.line'] = String(letter.line);
  if (letter.truncatedFrom) {
    headers['sendlens.original.bytes'] = String(letter.truncatedFrom.bytes);
    headers['sendlens.original.sha256'] = letter.truncatedFrom.sha256;
    headers['sendlens.original.truncated'] = 'true';
  }
  return { key: `${letter.topic}:${letter.partition}:${letter.offset}${letter.line === null ? '' : `:${letter.line}`}`, value: letter.original, headers };
}

/** Where dead letters go; resolves once they are safely stored. */
export interface DeadLetterSink {
  send(letters: DeadLetter[]): Promise<void>;
}

/** Dead letters of the in-process pipeline go to a JSON Lines file, since there is no Kafka to hold them. */
export class FileDeadLetters implements DeadLetterSink {
  constructor(readonly path: string) {}

  async send(letters: DeadLetter[]): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const lines = letters.map((l) => JSON.stringify({ reason: l.reason, topic: l.topic, partition: l.partition, offset: l.offset.toString(), line: l.line, original: l.original.toString('utf8'), ...(l.truncatedFrom && { original_bytes: l.truncatedFrom.bytes, original_sha256: l.truncatedFrom.sha256 }) }));
    await appendFile(this.path, `${lines.join('\n')}\n`);
  }
}

/** Kafka error types that say the record is larger than the topic (or broker) accepts. */
const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

export function isTooLarge(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const { type, cause, originalError, errors } = error as { type?: unknown; cause?: unknown; originalError?: unknown; errors?: unknown };
  if (typeof type === 'string' && TOO_LARGE.has(type)) return true;
  if (Array.isArray(errors) && errors.some((inner) => isTooLarge(inner, depth + 1))) return true;
  return isTooLarge(cause ?? originalError, depth + 1);
}

/** Produces dead-letter records; resolves once the broker acknowledged them. */
export type ProduceDeadLetters = (records: ReturnType<typeof deadLetterRecord>[]) => Promise<void>;

/**
 * Dead letters onto a Kafka topic. A letter the broker refuses as too large
 * (the topic's max.message.bytes can be below our bound) is sent again cut to
 * its head, then with no original at all: a dead letter never blocks its
 * partition. When letters of one call went out together and were refused,
 * they are retried one by one; on a multi-partition dead-letter topic a
 * partition that had accepted its share gets those letters twice (dead
 * letters are at least once, never lost).
 */
export class KafkaDeadLetters implements DeadLetterSink {
  constructor(
    readonly topic: string,
    readonly produce: ProduceDeadLetters,
  ) {}

  async send(letters: DeadLetter[]): Promise<void> {
    try {
      await this.produce(letters.map(deadLetterRecord));
      return;
    } catch (error) {
      if (!isTooLarge(error)) throw error;
    }
    for (const letter of letters) await this.#sendShrinking(letter);
  }

  async #sendShrinking(letter: DeadLetter): Promise<void> {
    const cut = truncated(letter);
    const attempts = [letter, cut, { ...cut, original: Buffer.alloc(0) }];
    for (const [index, attempt] of attempts.entries()) {
      try {
        await this.produce([deadLetterRecord(attempt)]);
        return;
      } catch (error) {
        if (!isTooLarge(error) || index === attempts.length - 1) throw error;
      }
    }
  }
}
