import { gunzipSync, gzipSync, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import kafkajs from 'kafkajs';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const { CompressionCodecs, CompressionTypes } = kafkajs;
const gzipCodec = () => CompressionCodecs[CompressionTypes.GZIP]() as { compress(encoder: { buffer: Buffer }): Promise<Buffer>; decompress(buffer: Buffer): Promise<Buffer> };
/** The gzip header's XFL byte: 4 when zlib compressed at level 1 ("fastest"), 0 at its default level. */
const extraFlags = (gzipped: Buffer) => gzipped[8];

describe('the gzip codec the producer installs', () => {
  // Fresh sendlens modules for each test (kafkajs, and its codec table, stay): each test installs from scratch.
  const original = CompressionCodecs[CompressionTypes.GZIP];
  beforeEach(() => {
    vi.resetModules();
    CompressionCodecs[CompressionTypes.GZIP] = original;
  });

  const lines = Buffer.from(Array.from({ length: 2_000 }, (_, i) => JSON.stringify({ event_id: i, outcome: i % 7 ? 'sent' : 'failed', sender_domain: `mail${i % 25}.example.com` })).join('\n'));

  it('keeps the decompression installed before it (the loader\'s bounded one) and compresses at level 1', async () => {
    const decompressed: Buffer[] = [];
    CompressionCodecs[CompressionTypes.GZIP] = () => ({
      compress: async () => Buffer.from('kafkajs level 6'),
      decompress: async (buffer: Buffer) => {
        decompressed.push(buffer);
        return gunzipSync(buffer);
      },
    });
    expect(extraFlags(gzipSync(lines))).toBe(0);
    const { installFastGzip } = await import('../../src/transport/gzip-codec.js');
    installFastGzip();
    const compressed = await gzipCodec().compress({ buffer: lines });
    expect(extraFlags(compressed)).toBe(4);
    expect(gunzipSync(compressed).equals(lines)).toBe(true);
    expect((await gzipCodec().decompress(compressed)).equals(lines)).toBe(true);
    expect(decompressed).toHaveLength(1);
  });

  it('is installed by the producer, once', async () => {
    expect(extraFlags(await gzipCodec().compress({ buffer: lines }))).toBe(0);
    const { SharedProducer } = await import('../../src/transport/index.js');
    new SharedProducer({ brokers: ['127.0.0.1:1'], clientId: 'codec-test', ssl: false, eventsTopic: 'e', spansTopic: 's', deliveryTopic: 'd' });
    new SharedProducer({ brokers: ['127.0.0.1:1'], clientId: 'codec-test', ssl: false, eventsTopic: 'e', spansTopic: 's', deliveryTopic: 'd' });
    const compressed = await gzipCodec().compress({ buffer: lines });
    expect(extraFlags(compressed)).toBe(4);
    // Installed once: decompression still reaches the codec from before, not a wrapper of a wrapper.
    expect((await gzipCodec().decompress(compressed)).equals(lines)).toBe(true);
  });

  it('hands kafkajs the records compressed ahead when it asks for the same bytes, and compresses anything else itself', async () => {
    const { installFastGzip, precompress, precompressionStats } = await import('../../src/transport/gzip-codec.js');
    installFastGzip();
    const other = Buffer.from(lines.toString('utf8').replaceAll('sent', 'SENT'));
    const before = precompressionStats();
    const ahead = precompress([lines, other]);
    expect(precompressionStats().held).toBe(before.held + 2);
    // A copy of the bytes, as kafkajs's encoder makes: found by content.
    const compressed = await gzipCodec().compress({ buffer: Buffer.from(lines) });
    expect(extraFlags(compressed)).toBe(4);
    expect(gunzipSync(compressed).equals(lines)).toBe(true);
    expect(gunzipSync(await gzipCodec().compress({ buffer: other })).equals(other)).toBe(true);
    const unknown = Buffer.from('not compressed ahead');
    expect(gunzipSync(await gzipCodec().compress({ buffer: unknown })).equals(unknown)).toBe(true);
    expect(precompressionStats()).toMatchObject({ hits: before.hits + 2, misses: before.misses + 1 });
    ahead.release();
    expect(precompressionStats().held).toBe(before.held);
    // Released: compressed again, to the same bytes.
    expect(gunzipSync(await gzipCodec().compress({ buffer: lines })).equals(lines)).toBe(true);
    expect(precompressionStats()).toMatchObject({ hits: before.hits + 2, misses: before.misses + 2 });
  });

  it('compresses at another level only while a benchmark asks for it, ahead of sends too', async () => {
    const { installFastGzip, precompress, useGzipLevel } = await import('../../src/transport/gzip-codec.js');
    installFastGzip();
    const restore = useGzipLevel(6);
    const ahead = precompress([lines]);
    expect(extraFlags(await gzipCodec().compress({ buffer: lines }))).toBe(0);
    ahead.release();
    expect(extraFlags(await gzipCodec().compress({ buffer: lines }))).toBe(0);
    restore();
    expect(extraFlags(await gzipCodec().compress({ buffer: lines }))).toBe(4);
  });
});

describe('the zstd codec the producer installs (kafkajs has none)', () => {
  const original = CompressionCodecs[CompressionTypes.ZSTD];
  beforeEach(() => {
    vi.resetModules();
    CompressionCodecs[CompressionTypes.ZSTD] = original;
    CompressionCodecs[CompressionTypes.GZIP] = originalGzip;
  });
  const originalGzip = CompressionCodecs[CompressionTypes.GZIP];
  const zstdCodec = () => CompressionCodecs[CompressionTypes.ZSTD]() as { compress(encoder: { buffer: Buffer }): Promise<Buffer>; decompress(buffer: Buffer): Promise<Buffer> };
  const lines = Buffer.from(Array.from({ length: 2_000 }, (_, i) => JSON.stringify({ event_id: i, outcome: i % 7 ? 'sent' : 'failed', sender_domain: `mail${i % 25}.example.com` })).join('\n'));

  it('is installed by the producer: it compresses and decompresses zstd, smaller than gzip level 1', async () => {
    expect(() => original()).toThrow(/ZSTD compression not implemented/);
    const { SharedProducer } = await import('../../src/transport/index.js');
    new SharedProducer({ brokers: ['127.0.0.1:1'], clientId: 'codec-test', ssl: false, eventsTopic: 'e', spansTopic: 's', deliveryTopic: 'd' });
    const compressed = await zstdCodec().compress({ buffer: lines });
    expect(zstdDecompressSync(compressed).equals(lines)).toBe(true);
    expect(compressed.length).toBeLessThan(gzipSync(lines, { level: 1 }).length);
    expect((await zstdCodec().decompress(zstdCompressSync(lines))).equals(lines)).toBe(true);
  });

  it('takes records compressed ahead as zstd only when kafkajs asks for zstd', async () => {
    const { installFastGzip, installZstd, precompress, precompressionStats } = await import('../../src/transport/gzip-codec.js');
    installFastGzip();
    installZstd();
    const before = precompressionStats();
    const ahead = precompress([lines], 'zstd');
    expect(zstdDecompressSync(await zstdCodec().compress({ buffer: Buffer.from(lines) })).equals(lines)).toBe(true);
    expect(precompressionStats()).toMatchObject({ hits: before.hits + 1, misses: before.misses });
    // The same bytes asked for as gzip are compressed as gzip, not handed the zstd result.
    expect(gunzipSync(await gzipCodec().compress({ buffer: lines })).equals(lines)).toBe(true);
    expect(precompressionStats()).toMatchObject({ hits: before.hits + 1, misses: before.misses + 1 });
    ahead.release();
  });
});
