import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { gzipSync, unzipSync, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEAD_BYTES, cutRecordInfo, decompressBounded, installBoundedGzip, installBoundedZstd } from '../../src/ingest/index.js';

// kafkajs's own record encoder and decoder, so the test checks the wire format kafkajs reads, not our idea of it.
const require = createRequire(import.meta.url);
interface Encoded {
  buffer: Buffer;
}
interface DecodedRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
}
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (record: { offsetDelta: number; timestampDelta: number; key: Buffer | null; value: Buffer | null; headers?: Record<string, Buffer> }) => Encoded;
const decodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as (decoder: unknown, context: unknown) => DecodedRecord;
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => { readVarIntBytes(): Buffer; canReadBytes(n: number): boolean; offset: number };

const context = { firstOffset: '1000', firstTimestamp: '1700000000000', magicByte: 2, timestampType: 0, maxTimestamp: '1700000000000' };
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

interface Input {
  key: Buffer | null;
  value: Buffer;
  headers?: Record<string, Buffer>;
}

function recordsSection(inputs: Input[]): Buffer {
  return Buffer.concat(inputs.map((input, i) => encodeRecord({ offsetDelta: i, timestampDelta: i * 7, key: input.key, value: input.value, ...(input.headers && { headers: input.headers }) }).buffer));
}

function decodeAll(buffer: Buffer, count: number): DecodedRecord[] {
  const decoder = new Decoder(buffer);
  const records = Array.from({ length: count }, () => decodeRecord(new Decoder(decoder.readVarIntBytes()), context));
  expect(decoder.offset).toBe(buffer.length);
  return records;
}

describe('decompressBounded: a gzip codec that never holds more than its bound', () => {
  it('gives records within the limits back exactly as zlib does', async () => {
    const inputs = Array.from({ length: 300 }, (_, i) => ({ key: i % 3 === 0 ? null : Buffer.from(`key-${i}`), value: Buffer.from(`{"n":${i},"pad":"${'p'.repeat((i * 37) % 900)}"}`), headers: { h: Buffer.from(String(i)) } }));
    const compressed = gzipSync(recordsSection(inputs));
    expect((await decompressBounded(compressed)).equals(unzipSync(compressed))).toBe(true);
  });

  it('cuts a 64 MiB record to a stub with its offset, key, size, SHA-256 and first bytes, and keeps the records around it', async () => {
    const bomb = Buffer.alloc(64 * 1024 * 1024, 'z');
    bomb.write('the head of the bomb', 0);
    const inputs: Input[] = [{ key: Buffer.from('before'), value: Buffer.from('first') }, { key: Buffer.from('bomb-key'), value: bomb }, { key: null, value: Buffer.from('last') }];
    const compressed = gzipSync(recordsSection(inputs), { level: 1 });
    const expectedDigest = sha256(bomb);

    const out = await decompressBounded(compressed);
    expect(out.length).toBeLessThan(2 * DEAD_LETTER_HEAD_BYTES);
    const [before, stub, after] = decodeAll(out, 3);
    expect(before?.value?.toString()).toBe('first');
    expect(after?.value?.toString()).toBe('last');
    expect(after?.offset).toBe('1002');
    expect(stub?.offset).toBe('1001');
    expect(stub?.timestamp).toBe(String(1700000000000 + 7));
    expect(stub?.key?.toString()).toBe('bomb-key');
    expect(stub?.value?.equals(bomb.subarray(0, DEAD_LETTER_HEAD_BYTES))).toBe(true);
    const cut = cutRecordInfo(stub?.headers);
    expect(cut).toMatchObject({ bytes: bomb.length, sha256: expectedDigest });
    expect(cut?.why).toMatch(/per record/);
    // Records not cut carry no stub header, and a producer cannot forge one: its name has a per-process secret.
    expect(cutRecordInfo(before?.headers)).toBeNull();
    expect(cutRecordInfo({ 'sendlens.cut-while-decompressing': Buffer.from('{"bytes":1}') })).toBeNull();
  }, 60_000);

  it('past the batch budget, every further record becomes a stub without a head (cut at any chunk boundary)', async () => {
    const values = Array.from({ length: 400 }, (_, i) => Buffer.from(`${i}:${'v'.repeat(100 + ((i * 7919) % 5000))}`));
    const inputs = values.map((value, i) => ({ key: Buffer.from(`k${i}`), value }));
    const limits = { recordBytes: 4000, batchBytes: 200_000 };
    const out = await decompressBounded(gzipSync(recordsSection(inputs)), limits);
    const records = decodeAll(out, inputs.length);
    let kept = 0;
    let budgetSpent = false;
    let headless = 0;
    for (const [i, record] of records.entries()) {
      const cut = cutRecordInfo(record.headers, { ...limits });
      const original = values[i] as Buffer;
      expect(record.offset).toBe(String(1000 + i));
      expect(record.key?.toString()).toBe(`k${i}`);
      if (!cut) {
        expect(budgetSpent).toBe(false);
        expect(record.value?.equals(original)).toBe(true);
        kept += 1;
        continue;
      }
      expect(cut.bytes).toBe(original.length);
      expect(cut.sha256).toBe(sha256(original));
      if (/batch/.test(cut.why)) budgetSpent = true;
      else expect(original.length + 20).toBeGreaterThan(limits.recordBytes);
      // A head while the budget lasts, none once it is spent (and never one again).
      if (record.value?.length === 0) headless += 1;
      else {
        expect(headless).toBe(0);
        expect(record.value?.equals(original.subarray(0, DEAD_LETTER_HEAD_BYTES))).toBe(true);
      }
    }
    expect(kept).toBeGreaterThan(10);
    expect(budgetSpent).toBe(true);
    expect(headless).toBeGreaterThan(100);
    expect(out.length).toBeLessThan(limits.batchBytes + inputs.length * 200);
  });

  it('is what kafkajs uses for gzip once installed (compression unchanged)', async () => {
    installBoundedGzip();
    const codec = kafkajs.CompressionCodecs[kafkajs.CompressionTypes.GZIP]();
    const section = recordsSection([{ key: null, value: Buffer.alloc(20 * 1024 * 1024, 'q') }]);
    const compressed = (await codec.compress({ buffer: section } as never)) as Buffer;
    expect(unzipSync(compressed).equals(section)).toBe(true);
    const out = (await codec.decompress(compressed)) as Buffer;
    expect(cutRecordInfo(decodeAll(out, 1)[0]?.headers)?.bytes).toBe(20 * 1024 * 1024);
  });
});

describe('decompressBounded for zstd (what the producer sends by default): the same bounds', () => {
  it('gives records within the limits back exactly as zstd does', async () => {
    const inputs = Array.from({ length: 300 }, (_, i) => ({ key: i % 3 === 0 ? null : Buffer.from(`key-${i}`), value: Buffer.from(`{"n":${i},"pad":"${'p'.repeat((i * 37) % 900)}"}`) }));
    const compressed = zstdCompressSync(recordsSection(inputs));
    expect((await decompressBounded(compressed, undefined, 'zstd')).equals(zstdDecompressSync(compressed))).toBe(true);
  });

  it('cuts a 64 MiB record to a stub with its size and SHA-256, and keeps the records around it', async () => {
    const bomb = Buffer.alloc(64 * 1024 * 1024, 'z');
    const inputs: Input[] = [{ key: Buffer.from('before'), value: Buffer.from('first') }, { key: Buffer.from('bomb-key'), value: bomb }, { key: null, value: Buffer.from('last') }];
    const compressed = zstdCompressSync(recordsSection(inputs));
    expect(compressed.length).toBeLessThan(64 * 1024);

    const out = await decompressBounded(compressed, undefined, 'zstd');
    expect(out.length).toBeLessThan(2 * DEAD_LETTER_HEAD_BYTES);
    const [before, stub, after] = decodeAll(out, 3);
    expect(before?.value?.toString()).toBe('first');
    expect(after?.value?.toString()).toBe('last');
    expect(stub?.key?.toString()).toBe('bomb-key');
    expect(stub?.offset).toBe('1001');
    expect(cutRecordInfo(stub?.headers)).toMatchObject({ bytes: bomb.length, sha256: sha256(bomb) });
    expect(stub?.value?.equals(bomb.subarray(0, DEAD_LETTER_HEAD_BYTES))).toBe(true);
  });

  it('is what kafkajs uses for zstd once installed, with or without a zstd compressor before it', async () => {
    installBoundedZstd();
    const codec = kafkajs.CompressionCodecs[kafkajs.CompressionTypes.ZSTD]();
    const section = recordsSection([{ key: null, value: Buffer.alloc(20 * 1024 * 1024, 'q') }]);
    const out = (await codec.decompress(zstdCompressSync(section))) as Buffer;
    expect(cutRecordInfo(decodeAll(out, 1)[0]?.headers)?.bytes).toBe(20 * 1024 * 1024);
    // The producer's codec, installed after it, compresses and keeps the bounded decompression.
    const { installZstd } = await import('../../src/transport/gzip-codec.js');
    installZstd();
    const both = kafkajs.CompressionCodecs[kafkajs.CompressionTypes.ZSTD]();
    const compressed = (await both.compress({ buffer: section } as never)) as Buffer;
    expect(zstdDecompressSync(compressed).equals(section)).toBe(true);
    expect(cutRecordInfo(decodeAll((await both.decompress(compressed)) as Buffer, 1)[0]?.headers)?.bytes).toBe(20 * 1024 * 1024);
  });
});
