import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RecipientHasher, canonicalAddress, domainOf } from '../../src/events/index.js';

/**
 * The recipient hash the instrumentation computes off the send path, pinned
 * to its definition (HMAC-SHA256 of the canonical address under the key's
 * bytes) whatever shortcuts the hasher takes.
 */
const ADDRESSES = [
  'jane.doe@example.com',
  'Jane Doe <Jane.Doe@Example.COM>',
  ' padded@Example.org ',
  'üñíçødé@bücher.example',
  '"quoted, name" <q@x.example> ',
  'a@b@c.example',
  'no-at-sign',
  '@leading.example',
  'trailing@',
  '',
  '<>',
];

describe('the recipient hash', () => {
  for (const key of ['sendlens-test-key-0001', Buffer.from('0123456789abcdef0123456789abcdef'), 'k'.repeat(200), Buffer.alloc(64, 7)]) {
    it(`is HMAC-SHA256 of the canonical address under the key's bytes (${typeof key === 'string' ? `a ${key.length}-character string` : `${key.length} bytes`})`, () => {
      const hasher = new RecipientHasher(key);
      const keyBytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
      for (const address of ADDRESSES) {
        const canonical = canonicalAddress(address);
        const expected = canonical === null ? '' : createHmac('sha256', keyBytes).update(canonical).digest('hex');
        expect(hasher.hash(address), address).toBe(expected);
        expect(hasher.facts(address), address).toEqual({ hash: expected, domain: domainOf(address) });
      }
      expect(hasher.facts(undefined)).toEqual({ hash: '', domain: '' });
    });
  }

  it('keeps its own copy of the key: changing the caller\'s buffer afterwards changes nothing', () => {
    const key = Buffer.from('0123456789abcdef0123456789abcdef');
    const hasher = new RecipientHasher(key);
    const before = hasher.hash('jane.doe@example.com');
    key.fill(0);
    expect(hasher.hash('jane.doe@example.com')).toBe(before);
    expect(JSON.stringify({ hasher })).not.toContain('0123456789abcdef');
  });
});
