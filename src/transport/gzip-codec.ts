import { promisify } from 'node:util';
import { constants, gzip, zstdCompress, zstdDecompress } from 'node:zlib';
import kafkajs from 'kafkajs';

const { CompressionCodecs, CompressionTypes } = kafkajs;

/**
 * The zlib level sendlens gzips record batches at. kafkajs uses zlib's default
 * (6); on send events level 1 costs about 40% less CPU per byte for about 9%
 * more bytes on the wire, and on a small machine the compression's CPU is
 * much of the producer's throughput (`npm run bench -- producer`). Any gzip
 * reader (the loader, ClickHouse's Kafka engine) reads it.
 */
export const GZIP_LEVEL = 1;

/**
 * The zstd level sendlens compresses record batches at (the default codec:
 * `DEFAULT_COMPRESSION`). On 2,000 send events in node:zlib, level 1 took 40%
 * of gzip level 1's time to compress, half its time to decompress, for 24%
 * fewer bytes; the producer's CPU and bytes per event are in
 * `npm run bench -- producer`.
 */
export const ZSTD_LEVEL = 1;

/** The codecs compressed here, by their name in `Compression` (producer.ts). */
export type CompressionCodec = 'gzip' | 'zstd';

const gzipAsync = promisify(gzip);
const zstdAsync = promisify(zstdCompress);
const unzstdAsync = promisify(zstdDecompress);

function compressWith(codec: CompressionCodec, buffer: Buffer): Promise<Buffer> {
  return codec === 'zstd' ? zstdAsync(buffer, { params: { [constants.ZSTD_c_compressionLevel]: ZSTD_LEVEL } }) : gzipAsync(buffer, { level });
}

/** `GZIP_LEVEL`, unless a benchmark comparing levels set another (`useGzipLevel`). */
let level = GZIP_LEVEL;

/**
 * For benchmarks comparing zlib levels: compresses (ahead of sends, and in
 * kafkajs's codec) at `next` until the returned function restores the level
 * before. Not for production use; sendlens compresses at `GZIP_LEVEL`.
 */
export function useGzipLevel(next: number): () => void {
  const before = level;
  level = next;
  return () => {
    level = before;
  };
}

let installed = false;

/**
 * Records compressed ahead of their send (`precompress`), found by content
 * when kafkajs asks the codec to compress the same bytes. At most this many
 * are held: a producer holds a few per delivery (one per partition) and gives
 * them back after the send, so the bound only matters should one never be
 * released.
 */
const MAX_PRECOMPRESSED = 64;

interface Precompressed {
  codec: CompressionCodec;
  records: Buffer;
  compressed: Promise<Buffer>;
}

const precompressed: Precompressed[] = [];
const counts = { hits: 0, misses: 0 };

/** How often kafkajs's gzip requests found their records compressed ahead (for tests and benchmarks). */
export function precompressionStats(): { hits: number; misses: number; held: number } {
  return { ...counts, held: precompressed.length };
}

/** Settles once every compression `precompress` started so far has finished. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Compresses each of `records` with `codec` (gzip at `GZIP_LEVEL`, zstd at
 * `ZSTD_LEVEL`, on libuv's thread pool, all at once) for a send that kafkajs
 * will encode later; kafkajs's codec then takes the result instead of
 * compressing the same bytes again. The group
 * starts once the groups before it are done, so that preparing the next
 * send never slows the compression of the one before it. Call `release`
 * once the send is over, whether it used them or not.
 */
export function precompress(records: readonly Buffer[], codec: CompressionCodec = 'gzip'): { release(): void } {
  const start = queue;
  const entries = records.map((buffer): Precompressed => {
    const compressed = start.then(() => compressWith(codec, buffer));
    // Nobody may be waiting on it yet: a failure shows when kafkajs asks, or never.
    compressed.catch(() => undefined);
    return { codec, records: buffer, compressed };
  });
  queue = Promise.allSettled(entries.map((entry) => entry.compressed));
  precompressed.push(...entries);
  if (precompressed.length > MAX_PRECOMPRESSED) precompressed.splice(0, precompressed.length - MAX_PRECOMPRESSED);
  return {
    release: () => {
      for (const entry of entries) {
        const index = precompressed.indexOf(entry);
        if (index !== -1) precompressed.splice(index, 1);
      }
    },
  };
}

function compress(codec: CompressionCodec, buffer: Buffer): Promise<Buffer> {
  for (const entry of precompressed) {
    if (entry.codec === codec && entry.records.length === buffer.length && entry.records.equals(buffer)) {
      counts.hits += 1;
      return entry.compressed;
    }
  }
  counts.misses += 1;
  return compressWith(codec, buffer);
}

/**
 * Makes kafkajs compress gzip batches at `GZIP_LEVEL`, for the whole process
 * (kafkajs keeps one codec table), taking records compressed ahead
 * (`precompress`) when it has them. Decompression is whatever was installed
 * before (kafkajs's own, or the loader's bounded one), so this and the
 * loader's codec compose in either order.
 */
export function installFastGzip(): void {
  if (installed) return;
  installed = true;
  const previous = CompressionCodecs[CompressionTypes.GZIP];
  const codec = previous();
  CompressionCodecs[CompressionTypes.GZIP] = () => ({
    compress: (encoder: { buffer: Buffer }) => compress('gzip', encoder.buffer),
    decompress: (buffer: Buffer) => codec.decompress(buffer),
  });
}

let installedZstd = false;

/** The codec a kafkajs codec factory gives, or undefined where kafkajs has only a factory that throws "not implemented" (zstd). */
export function codecInstalled<T>(factory: (() => unknown) | undefined): T | undefined {
  try {
    return factory?.() as T | undefined;
  } catch {
    return undefined;
  }
}

/**
 * Gives kafkajs, which has none, a zstd codec for the whole process: it
 * compresses at `ZSTD_LEVEL`, taking records compressed ahead, and
 * decompresses with whatever zstd codec was installed before (the loader's
 * bounded one), else with node:zlib.
 */
export function installZstd(): void {
  if (installedZstd) return;
  installedZstd = true;
  const previous = codecInstalled<{ decompress(buffer: Buffer): Promise<Buffer> }>(CompressionCodecs[CompressionTypes.ZSTD]);
  CompressionCodecs[CompressionTypes.ZSTD] = () => ({
    compress: (encoder: { buffer: Buffer }) => compress('zstd', encoder.buffer),
    decompress: (buffer: Buffer) => (previous ? previous.decompress(buffer) : unzstdAsync(buffer)),
  });
}
