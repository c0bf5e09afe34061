import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEAD_BYTES, DEAD_LETTER_MAX_ORIGINAL_BYTES, decodeSendEvents, decodeSpans } from '../../src/ingest/index.js';
import { KafkaDeadLetters } from '../../src/ingest/dead-letter.js';
import type { ProduceDeadLetters } from '../../src/ingest/dead-letter.js';
import type { DeadLetter } from '../../src/ingest/index.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const source = { topic: 'email.send.events', partition: 0 };

/** A broker stand-in that refuses any request whose records add up to more than `limit` bytes, as Kafka does. */
function brokerAccepting(limit: number): { produce: ProduceDeadLetters; stored: { value: Buffer; headers: Record<string, string> }[] } {
  const stored: { value: Buffer; headers: Record<string, string> }[] = [];
  const produce: ProduceDeadLetters = async (records) => {
    const size = records.reduce((sum, r) => sum + r.value.length + Object.entries(r.headers).reduce((h, [k, v]) => h + k.length + v.length, 0), 0);
    if (size > limit) throw Object.assign(new Error('The request included a message larger than the max message size the server will accept'), { type: 'MESSAGE_TOO_LARGE' });
    stored.push(...records);
  };
  return { produce, stored };
}

describe('dead letters are bounded', () => {
  it('a message over 1 MiB becomes a letter of its first bytes, size and digest, never the whole message', () => {
    const value = Buffer.alloc(3 * 1024 * 1024, 'm');
    const decoded = decodeSendEvents({ ...source, offset: 9n, key: null, value });
    const [letter] = decoded.deadLetters;
    expect(letter?.original.length).toBe(DEAD_LETTER_HEAD_BYTES);
    expect(letter?.truncatedFrom).toEqual({ bytes: value.length, sha256: sha256(value) });
  });

  it('a small bad line keeps its bytes whole', () => {
    const decoded = decodeSendEvents({ ...source, offset: 1n, key: null, value: Buffer.from('{"nope"\n') });
    expect(decoded.deadLetters[0]?.original.toString()).toBe('{"nope"');
    expect(decoded.deadLetters[0]?.truncatedFrom).toBeUndefined();
  });

  it('a record cut while decompressing becomes a dead letter on every topic, with the size and digest of the whole', () => {
    const truncatedFrom = { bytes: 50_000_000, sha256: 'ab'.repeat(32), why: 'limit 16777216 per record decompressed' };
    const head = Buffer.from('{"event_id":');
    for (const decode of [decodeSendEvents, decodeSpans]) {
      const decoded = decode({ ...source, offset: 4n, key: null, value: head, truncatedFrom });
      expect(decoded.rows.size === 0 || [...decoded.rows.values()].every((rows) => rows.length === 0)).toBe(true);
      expect(decoded.deadLetters).toEqual([
        { reason: 'oversized after decompression: 50000000 bytes (limit 16777216 per record decompressed)', ...source, offset: 4n, line: null, original: head, truncatedFrom: { bytes: 50_000_000, sha256: 'ab'.repeat(32) } },
      ]);
    }
  });

  it('letters the broker refuses as too large are sent again cut, the others whole; nothing is lost', async () => {
    const broker = brokerAccepting(64 * 1024);
    const big = Buffer.alloc(DEAD_LETTER_MAX_ORIGINAL_BYTES - 1, 'b');
    const letters: DeadLetter[] = [
      { reason: 'oversized event', ...source, offset: 1n, line: 0, original: big },
      { reason: 'malformed JSON', ...source, offset: 2n, line: 0, original: Buffer.from('{x') },
    ];
    await new KafkaDeadLetters('dlq', broker.produce).send(letters);
    expect(broker.stored).toHaveLength(2);
    const [cut, whole] = broker.stored;
    expect(cut?.value.equals(big.subarray(0, DEAD_LETTER_HEAD_BYTES))).toBe(true);
    expect(cut?.headers).toMatchObject({ 'sendlens.original.bytes': String(big.length), 'sendlens.original.sha256': sha256(big), 'sendlens.original.truncated': 'true', 'sendlens.source.offset': '1' });
    expect(whole?.value.toString()).toBe('{x');
  });

  it('other produce failures are not swallowed (the batch is retried, never committed)', async () => {
    const failing = new KafkaDeadLetters('dlq', async () => {
      throw Object.assign(new Error('Connection error'), { type: 'NETWORK' });
    });
    await expect(failing.send([{ reason: 'r', ...source, offset: 1n, line: null, original: Buffer.from('x') }])).rejects.toThrow('Connection error');
  });
});
