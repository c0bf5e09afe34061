import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { encodeRecords } from '../../src/transport/records.js';

// kafkajs's own record encoder, as its produce request uses it before compressing a partition's records.
const require = createRequire(import.meta.url);
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (record: { key: string | Buffer; value: string | Buffer; offsetDelta: number; timestampDelta: number }) => unknown;
const Encoder = require('kafkajs/src/protocol/encoder') as new () => { writeEncoderArray(encoders: unknown[]): unknown; buffer: Buffer };

/** What kafkajs hands its codec for these messages (no timestamps: every delta is 0). */
function kafkajsRecords(messages: { key: string; value: string | Buffer }[]): Buffer {
  const encoder = new Encoder();
  encoder.writeEncoderArray(messages.map((message, i) => Record({ ...message, offsetDelta: i, timestampDelta: 0 })));
  return encoder.buffer;
}

describe('encodeRecords', () => {
  it('encodes records byte for byte as kafkajs does', () => {
    const messages = Array.from({ length: 300 }, (_, i) => ({
      key: i % 3 === 0 ? `ws-${i % 40}/mail${i % 25}.example.com` : `wörk-${i}/ünïcode.example`,
      value: Array.from({ length: 1 + (i % 40) }, (_, n) => JSON.stringify({ n, i, text: 'é'.repeat(i % 7), pad: 'x'.repeat((i * 37) % 900) })).join('\n'),
    }));
    expect(encodeRecords(messages).records.equals(kafkajsRecords(messages))).toBe(true);
  });

  it('encodes values given as bytes alike, and hands out each value as a view into the records', () => {
    const messages = [
      { key: 'a/b', value: Buffer.from('{"n":1}\n{"n":2}') },
      { key: 'c/d', value: '{"n":"três"}' },
      { key: '', value: '' },
    ];
    const { records, values } = encodeRecords(messages);
    expect(records.equals(kafkajsRecords(messages))).toBe(true);
    expect(values.map((value) => value.toString('utf8'))).toEqual(['{"n":1}\n{"n":2}', '{"n":"três"}', '']);
    expect(values.every((value) => value.buffer === records.buffer)).toBe(true);
  });

  it('writes a value given as lines as those lines joined with newlines', () => {
    const lines = [['{"n":1}', '{"n":"três"}', '{"n":3}'], ['{"only":true}'], ['', 'ä']];
    const asLines = lines.map((value, i) => ({ key: `k${i}`, value }));
    const joined = lines.map((value, i) => ({ key: `k${i}`, value: value.join('\n') }));
    const { records, values } = encodeRecords(asLines);
    expect(records.equals(kafkajsRecords(joined))).toBe(true);
    expect(values.map((value) => value.toString('utf8'))).toEqual(joined.map((message) => message.value));
  });

  it('encodes values past the one- and two-byte varint lengths', () => {
    const messages = [127, 128, 8_191, 8_192, 16_384, 1_048_577].map((length, i) => ({ key: `k${i}`, value: 'v'.repeat(length) }));
    expect(encodeRecords(messages).records.equals(kafkajsRecords(messages))).toBe(true);
  });
});
