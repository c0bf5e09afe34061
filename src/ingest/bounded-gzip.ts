/**
 * gzip and zstd codecs for kafkajs that never hold more than a bound of a
 * record batch decompressed (the producer sends zstd by default, gzip on
 * request: src/transport/gzip-codec.ts).
 *
 * kafkajs decompresses a compressed record batch whole (`zlib.unzip`) before
 * the loader sees a single record, so a gzip bomb (a few hundred KiB that
 * inflate to gigabytes) would be held in memory entirely. This codec first
 * inflates in one call that zlib stops at MAX_DECOMPRESSED_BATCH_BYTES; a
 * batch within it and without an oversized record is used as is. Any other
 * batch is inflated again as a stream, parsing the record frames as they come
 * out: a record up to
 * MAX_DECOMPRESSED_RECORD_BYTES is kept as is while the batch stays within
 * MAX_DECOMPRESSED_BATCH_BYTES; any other record is replaced by a stub record
 * (same offset and timestamp, the first DEAD_LETTER_HEAD_BYTES of its value,
 * and a header with the full size and SHA-256 of the value, hashed while it
 * streams past). The loader turns a stub into a bounded dead letter, so the
 * offset still commits.
 *
 * What is bounded, exactly: per compressed record batch, the bytes held are at
 * most MAX_DECOMPRESSED_BATCH_BYTES of kept records, plus one stub (≤ ~4.2 KiB
 * while under the budget, ~150 bytes after it) per record over it. The number
 * of records in a batch is not bounded here: it is bounded only by the
 * compressed batch fitting the broker's max.message.bytes (the batch header's
 * record count is what kafkajs allocates for).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { promisify } from 'node:util';
import type { Transform } from 'node:stream';
import { createUnzip, createZstdDecompress, unzip as unzipCallback, zstdDecompress as zstdDecompressCallback } from 'node:zlib';
import kafkajs from 'kafkajs';
import { codecInstalled } from '../transport/index.js';
import { DEAD_LETTER_HEAD_BYTES } from './dead-letter.js';
import { MAX_TRACE_MESSAGE_BYTES } from './otlp-traces.js';

const { CompressionCodecs, CompressionTypes } = kafkajs;

/** How one codec inflates: a whole batch in one call that stops at `maxOutputLength`, or as a stream. */
interface Inflater {
  whole(compressed: Buffer, options: { maxOutputLength: number }): Promise<Buffer>;
  stream(options: { chunkSize: number }): Transform;
}

/** The codecs sendlens's producers write (`Compression` in src/transport), by their name there. */
const INFLATERS = {
  gzip: { whole: promisify(unzipCallback), stream: (options) => createUnzip(options) },
  zstd: { whole: promisify(zstdDecompressCallback), stream: (options) => createZstdDecompress(options) },
} as const satisfies Record<string, Inflater>;

export type BoundedCodec = keyof typeof INFLATERS;

/** One record larger than this decompressed is cut: the largest message any decoder accepts (an OTLP request). */
export const MAX_DECOMPRESSED_RECORD_BYTES = MAX_TRACE_MESSAGE_BYTES;
/** Decompressed bytes kept per record batch; the producers here close a batch at 900 KiB, so only a bomb gets near. */
export const MAX_DECOMPRESSED_BATCH_BYTES = 32 * 1024 * 1024;
/** How much of a record is buffered to find where its value starts (its key must fit). */
const RECORD_PREFIX_BYTES = 8 * 1024;

/**
 * The header a stub carries. The random part is per process, so a producer
 * cannot write a record that passes for a stub.
 */
const STUB_HEADER = `sendlens.cut-while-decompressing.${randomBytes(8).toString('hex')}`;

export interface CutRecord {
  /** Size of the value (or, when its key was too long to parse past, of the record) as produced. */
  bytes: number;
  sha256: string;
  /** Whether the record itself was too large, or the batch's budget was spent before it. */
  limit: 'record' | 'batch';
}

export interface DecompressLimits {
  recordBytes: number;
  batchBytes: number;
}

export const DEFAULT_DECOMPRESS_LIMITS: DecompressLimits = { recordBytes: MAX_DECOMPRESSED_RECORD_BYTES, batchBytes: MAX_DECOMPRESSED_BATCH_BYTES };

/** The cut record's size, digest and why it was cut, when these headers are a stub's from this process. */
export function cutRecordInfo(headers: Record<string, unknown> | undefined, limits: DecompressLimits = DEFAULT_DECOMPRESS_LIMITS): { bytes: number; sha256: string; why: string } | null {
  const value = headers?.[STUB_HEADER];
  if (!Buffer.isBuffer(value)) return null;
  const cut = JSON.parse(value.toString('utf8')) as CutRecord;
  const why = cut.limit === 'record' ? `limit ${limits.recordBytes} per record decompressed` : `past the ${limits.batchBytes} decompressed bytes one record batch may hold`;
  return { bytes: cut.bytes, sha256: cut.sha256, why };
}

// Kafka's record fields are zigzag varints.
function zigzagVarint(value: number): Buffer {
  let rest = value >= 0 ? value * 2 : -value * 2 - 1;
  const bytes: number[] = [];
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/** Reads a zigzag varint at `at`; null when the buffer ends first. */
function readVarint(buffer: Buffer, at: number): { value: number; next: number } | null {
  let result = 0;
  let scale = 1;
  for (let i = at; i < buffer.length && i < at + 10; i += 1) {
    const byte = buffer[i] as number;
    result += (byte & 0x7f) * scale;
    scale *= 0x80;
    if ((byte & 0x80) === 0) return { value: result % 2 === 0 ? result / 2 : -(result + 1) / 2, next: i + 1 };
  }
  return null;
}

function varintBytes(field: Buffer | null): Buffer {
  return field === null ? zigzagVarint(-1) : Buffer.concat([zigzagVarint(field.length), field]);
}

/** The end of a record's attributes and timestamp and offset deltas, which a stub copies through as they are. */
function deltasEnd(prefix: Buffer): number | null {
  const timestampDelta = readVarint(prefix, 1);
  const offsetDelta = timestampDelta && readVarint(prefix, timestampDelta.next);
  return offsetDelta ? offsetDelta.next : null;
}

interface ValueLocation {
  /** Attributes and deltas, verbatim. */
  head: Buffer;
  key: Buffer | null;
  valueStart: number;
  valueEnd: number;
}

/** Where a record's value starts and ends, parsed from its first bytes (null: not enough bytes yet). */
function locateValue(prefix: Buffer, recordLength: number): ValueLocation | null {
  const headEnd = deltasEnd(prefix);
  const keyLength = headEnd === null ? null : readVarint(prefix, headEnd);
  if (headEnd === null || !keyLength) return null;
  const keyEnd = keyLength.next + Math.max(0, keyLength.value);
  const valueLength = keyEnd < prefix.length ? readVarint(prefix, keyEnd) : null;
  if (!valueLength) return null;
  return {
    head: Buffer.from(prefix.subarray(0, headEnd)),
    key: keyLength.value < 0 ? null : Buffer.from(prefix.subarray(keyLength.next, keyEnd)),
    valueStart: valueLength.next,
    valueEnd: Math.min(recordLength, valueLength.next + Math.max(0, valueLength.value)),
  };
}

/** A record being cut: its prefix is buffered until the value is located, then the value is hashed as it passes. */
class CutRecordBuilder {
  readonly #length: number;
  readonly #keepHead: boolean;
  readonly #limit: CutRecord['limit'];
  #prefix: Buffer[] = [];
  #prefixBytes = 0;
  #located: ValueLocation | null = null;
  #position = 0;
  readonly #hash: Hash = createHash('sha256');
  readonly #valueHead: Buffer[] = [];
  #valueHeadBytes = 0;

  constructor(length: number, keepHead: boolean, limit: CutRecord['limit']) {
    this.#length = length;
    this.#keepHead = keepHead;
    this.#limit = limit;
  }

  take(bytes: Buffer): void {
    if (this.#located) {
      this.#pass(bytes, this.#position);
      return;
    }
    this.#prefix.push(Buffer.from(bytes));
    this.#prefixBytes += bytes.length;
    this.#position += bytes.length;
    const prefix = Buffer.concat(this.#prefix);
    const found = locateValue(prefix, this.#length);
    if (!found && this.#prefixBytes < RECORD_PREFIX_BYTES && this.#position < this.#length) return;
    this.#prefix = [];
    if (found) {
      this.#located = found;
    } else {
      // A key too long to parse past within the prefix: digest and head then cover the record after its deltas.
      const headEnd = deltasEnd(prefix);
      if (headEnd === null) throw new Error('corrupt record batch: a record too short for its header');
      this.#located = { head: Buffer.from(prefix.subarray(0, headEnd)), key: null, valueStart: headEnd, valueEnd: this.#length };
    }
    this.#pass(prefix, 0);
  }

  /** Hashes (and keeps the head of) the part of `bytes`, which starts at record position `from`, inside the value. */
  #pass(bytes: Buffer, from: number): void {
    const located = this.#located;
    if (!located) return;
    const start = Math.max(from, located.valueStart);
    const end = Math.min(from + bytes.length, located.valueEnd);
    if (end > start) {
      const part = bytes.subarray(start - from, end - from);
      this.#hash.update(part);
      if (this.#keepHead && this.#valueHeadBytes < DEAD_LETTER_HEAD_BYTES) {
        const kept = Buffer.from(part.subarray(0, DEAD_LETTER_HEAD_BYTES - this.#valueHeadBytes));
        this.#valueHead.push(kept);
        this.#valueHeadBytes += kept.length;
      }
    }
    this.#position = from + bytes.length;
  }

  /** The stub record (without its length frame). */
  finish(): Buffer {
    const located = this.#located;
    if (!located) throw new Error('a cut record ended before its value was located');
    const info: CutRecord = { bytes: located.valueEnd - located.valueStart, sha256: this.#hash.digest('hex'), limit: this.#limit };
    const headerKey = Buffer.from(STUB_HEADER, 'utf8');
    return Buffer.concat([
      located.head,
      varintBytes(located.key),
      varintBytes(Buffer.concat(this.#valueHead)),
      zigzagVarint(1),
      varintBytes(headerKey),
      varintBytes(Buffer.from(JSON.stringify(info), 'utf8')),
    ]);
  }
}

/** Whether every record frame in `records` is at most `maxBytes` (false too when the frames do not parse). */
function everyRecordWithin(records: Buffer, maxBytes: number): boolean {
  for (let at = 0; at < records.length; ) {
    const frame = readVarint(records, at);
    if (!frame || frame.value < 0 || frame.value > maxBytes) return false;
    at = frame.next + frame.value;
    if (at > records.length) return false;
  }
  return true;
}

/**
 * Inflates `compressed` (a record batch's records) and returns them with
 * every record over a limit replaced by a stub (see the file comment).
 *
 * The usual batch is inflated in one call, stopped by zlib itself at the
 * batch budget (`maxOutputLength`), and returned as is when no record is
 * over the record limit; only a batch that breaks a limit is inflated again
 * as a stream and cut. Streaming every batch cost 2–4× the one-call inflate
 * on 900 KiB batches of events.
 */
export async function decompressBounded(compressed: Buffer, limits: DecompressLimits = DEFAULT_DECOMPRESS_LIMITS, codec: BoundedCodec = 'gzip'): Promise<Buffer> {
  const inflater = INFLATERS[codec];
  return (await decompressWithinLimits(inflater, compressed, limits)) ?? decompressCutting(inflater, compressed, limits);
}

/** The whole batch in one inflate, or null when it breaks a limit (what was inflated is let go before cutting). */
async function decompressWithinLimits(inflater: Inflater, compressed: Buffer, limits: DecompressLimits): Promise<Buffer | null> {
  let whole: Buffer;
  try {
    whole = await inflater.whole(compressed, { maxOutputLength: limits.batchBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return null;
    throw error;
  }
  return everyRecordWithin(whole, limits.recordBytes) ? whole : null;
}

async function decompressCutting(codec: Inflater, compressed: Buffer, limits: DecompressLimits): Promise<Buffer> {
  const out: Buffer[] = [];
  let kept = 0;
  /** The record frame's length varint, which can straddle chunks. */
  let frame: number[] = [];
  let remaining = 0;
  let copying = false;
  let cut: CutRecordBuilder | null = null;

  const endRecord = () => {
    if (cut) {
      const stub = cut.finish();
      out.push(zigzagVarint(stub.length), stub);
      kept += stub.length;
      cut = null;
    }
    copying = false;
  };

  const consume = (chunk: Buffer) => {
    let at = 0;
    while (at < chunk.length) {
      if (remaining === 0) {
        const byte = chunk[at] as number;
        at += 1;
        frame.push(byte);
        if (byte & 0x80) {
          if (frame.length >= 5) throw new Error('corrupt record batch: record length varint too long');
          continue;
        }
        const parsed = readVarint(Buffer.from(frame), 0);
        frame = [];
        const length = parsed?.value ?? -1;
        if (length < 0) throw new Error('corrupt record batch: negative record length');
        if (length === 0) {
          out.push(zigzagVarint(0));
          continue;
        }
        remaining = length;
        if (length <= limits.recordBytes && kept + length <= limits.batchBytes) {
          copying = true;
          out.push(zigzagVarint(length));
          kept += length;
        } else {
          cut = new CutRecordBuilder(length, kept < limits.batchBytes, length > limits.recordBytes ? 'record' : 'batch');
        }
        continue;
      }
      const take = Math.min(remaining, chunk.length - at);
      const part = chunk.subarray(at, at + take);
      if (copying) out.push(Buffer.from(part));
      else cut?.take(part);
      at += take;
      remaining -= take;
      if (remaining === 0) endRecord();
    }
  };

  await new Promise<void>((resolve, reject) => {
    const inflater = codec.stream({ chunkSize: 64 * 1024 });
    inflater.on('data', (chunk: Buffer) => {
      try {
        consume(chunk);
      } catch (error) {
        inflater.destroy(error as Error);
      }
    });
    inflater.on('error', reject);
    inflater.on('end', resolve);
    inflater.end(compressed);
  });
  if (remaining > 0 || frame.length > 0) throw new Error('corrupt record batch: the records end mid-record');
  return Buffer.concat(out);
}

let installed = false;

/**
 * Makes kafkajs decompress gzip batches through decompressBounded, for the
 * whole process (kafkajs keeps one codec table). Compression is unchanged.
 */
export function installBoundedGzip(): void {
  if (installed) return;
  installed = true;
  const original = CompressionCodecs[CompressionTypes.GZIP];
  const codec = original();
  CompressionCodecs[CompressionTypes.GZIP] = () => ({
    compress: (encoder: unknown) => codec.compress(encoder as never),
    decompress: (buffer: Buffer) => decompressBounded(buffer),
  });
}

let installedZstd = false;

/**
 * The same for zstd batches. kafkajs has no zstd codec of its own; compression
 * is the producer's (src/transport/gzip-codec.ts) or whatever was installed
 * before, and without either a zstd batch cannot be sent from this process.
 */
export function installBoundedZstd(): void {
  if (installedZstd) return;
  installedZstd = true;
  const codec = codecInstalled<{ compress(encoder: unknown): Promise<Buffer> }>(CompressionCodecs[CompressionTypes.ZSTD]);
  CompressionCodecs[CompressionTypes.ZSTD] = () => ({
    compress: (encoder: unknown) => {
      if (!codec) throw new Error('zstd compression: no codec installed in this process (the sendlens producer installs one)');
      return codec.compress(encoder);
    },
    decompress: (buffer: Buffer) => decompressBounded(buffer, DEFAULT_DECOMPRESS_LIMITS, 'zstd'),
  });
}
