import { describe, expect, it } from 'vitest';
import { RecipientHasher } from '../../src/events/index.js';
import type { RecipientFacts } from '../../src/events/index.js';
import { SendInstrumentation } from '../../src/instrument/index.js';
import type { OutcomeReader } from '../../src/instrument/index.js';
import { isoTimestamp } from '../../src/instrument/iso-time.js';
import { MAX_CACHED_ADDRESS_CHARS, MAX_CACHED_RECIPIENTS, RecipientFactsCache } from '../../src/instrument/recipient-cache.js';
import { MemorySink, memoryTracing } from '../helpers/otel.js';

const KEY = 'hot-path-caches-test-key-0123456789';

/** Counts the HMACs it computes. */
class CountingHasher extends RecipientHasher {
  calls = 0;
  override facts(address: string | undefined): RecipientFacts {
    this.calls += 1;
    return super.facts(address);
  }
}

const sent: OutcomeReader<string> = { fromResult: () => ({ outcome: 'sent', status: 200 }), fromError: () => { throw new Error('unused'); } };

describe('the recipient cache', () => {
  it('gives exactly the hasher\'s facts, hashing a recurring recipient once', () => {
    const hasher = new CountingHasher(KEY);
    const reference = new RecipientHasher(KEY);
    const cache = new RecipientFactsCache(hasher, 8);
    const addresses = ['Jane <Jane.Doe@Example.com>', 'jane.doe@example.com', 'x@y.example', 'not an address', ''];
    for (let round = 0; round < 3; round += 1) {
      for (const address of addresses) expect(cache.facts(address)).toEqual(reference.facts(address));
    }
    expect(cache.facts(undefined)).toEqual({ hash: '', domain: '' });
    expect(hasher.calls).toBe(addresses.length);
  });

  it('stays within its bound and keeps the recipients in use: one seen again within the last capacity/2 new ones is not hashed again', () => {
    const hasher = new CountingHasher(KEY);
    const cache = new RecipientFactsCache(hasher, 8);
    cache.facts('kept@x.example');
    for (let i = 0; i < 200; i += 1) {
      // Three new recipients between two uses of the kept one: fewer than capacity/2 (4).
      for (let j = 0; j < 3; j += 1) cache.facts(`user${i}-${j}@x.example`);
      cache.facts('kept@x.example');
      expect(cache.size).toBeLessThanOrEqual(8);
    }
    expect(hasher.calls).toBe(1 + 200 * 3);
    // A recipient not seen for two generations is gone (hashed again), and the bound holds.
    hasher.calls = 0;
    for (let i = 0; i < 8; i += 1) cache.facts(`later${i}@x.example`);
    cache.facts('kept@x.example');
    expect(hasher.calls).toBe(9);
    for (let i = 0; i < 10_000; i += 1) cache.facts(`many${i}@x.example`);
    expect(cache.size).toBeLessThanOrEqual(8);
  });

  it('does not hold an overlong "address", and defaults to its documented bound', () => {
    const cache = new RecipientFactsCache(new RecipientHasher(KEY));
    const long = `${'a'.repeat(MAX_CACHED_ADDRESS_CHARS)}@x.example`;
    expect(cache.facts(long)).toEqual(new RecipientHasher(KEY).facts(long));
    expect(cache.size).toBe(0);
    for (let i = 0; i < 3 * MAX_CACHED_RECIPIENTS + 500; i += 1) {
      cache.facts(`user${i}@x.example`);
      if (cache.size > MAX_CACHED_RECIPIENTS) throw new Error(`${cache.size} recipients held after ${i + 1}`);
    }
    expect(cache.size).toBeGreaterThanOrEqual(MAX_CACHED_RECIPIENTS / 2);
  });

  it('every attempt\'s event carries its own recipient\'s hash through the cache', async () => {
    const sink = new MemorySink();
    const instrumentation = new SendInstrumentation({ service: 'checkout', sink, recipientHashKey: KEY, tracer: memoryTracing().tracer });
    const reference = new RecipientHasher(KEY);
    const recipients = ['a@one.example', 'b@two.example', 'a@one.example', ['c@three.example', 'a@one.example'], 'b@two.example'] as const;
    for (const to of recipients) await instrumentation.attempt({ provider: 'resend', to }, async () => 'ok', sent);
    await instrumentation.settle();
    expect(sink.events.map((e) => [e.recipient_hash, e.recipient_domain, e.recipient_count])).toEqual(
      recipients.map((to) => {
        const first = typeof to === 'string' ? to : to[0];
        return [reference.hash(first), first.split('@')[1], typeof to === 'string' ? 1 : to.length];
      }),
    );
  });
});

describe('isoTimestamp', () => {
  it('writes what Date#toISOString writes, across seconds, fractions, and the edges of the fast path', () => {
    const base = Date.parse('2026-11-30T07:59:59.990Z');
    const times = [0, -0, 0.5, 999.999, 1000, base, base + 0.4, base + 9, base + 10, base + 99, base + 100, base + 1000.7, 253_402_300_799_999, 253_402_300_800_000, -1, -1.5, -62_198_755_200_000, 8.64e15];
    for (let i = 0; i < 5_000; i += 1) times.push(base + i * 0.77, Math.random() * 253_402_300_800_000);
    for (const ms of times) expect(isoTimestamp(ms), String(ms)).toBe(new Date(ms).toISOString());
  });

  it('throws as Date#toISOString does for a time that is none', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 8.64e15 + 1]) expect(() => isoTimestamp(bad)).toThrow(RangeError);
  });
});

describe('span starts by endpoint', () => {
  it('a URL object changed between attempts gives each span its own server', async () => {
    const tracing = memoryTracing();
    const instrumentation = new SendInstrumentation({ service: 'checkout', sink: new MemorySink(), recipientHashKey: KEY, tracer: tracing.tracer });
    const url = new URL('https://api.one.example/send');
    await instrumentation.attempt({ provider: 'resend', url }, async () => 'ok', sent);
    url.host = 'api.two.example:8443';
    await instrumentation.attempt({ provider: 'resend', url }, async () => 'ok', sent);
    await instrumentation.attempt({ provider: 'resend', url: 'https://api.three.example/send' }, async () => 'ok', sent);
    await instrumentation.attempt({ provider: 'resend', url: 'https://api.three.example/send', method: 'PUT' }, async () => 'ok', sent);
    await instrumentation.attempt({ provider: 'sendgrid', url: 'https://api.three.example/send', method: 'PUT' }, async () => 'ok', sent);
    await instrumentation.settle();
    expect(tracing.spans().map((s) => [s.name, s.attributes['server.address'], s.attributes['server.port'], s.attributes['http.request.method']])).toEqual([
      ['send resend', 'api.one.example', 443, 'POST'],
      ['send resend', 'api.two.example', 8443, 'POST'],
      ['send resend', 'api.three.example', 443, 'POST'],
      ['send resend', 'api.three.example', 443, 'PUT'],
      ['send sendgrid', 'api.three.example', 443, 'PUT'],
    ]);
  });

  it('the sender domain is the same whether or not its From was seen before', async () => {
    const sink = new MemorySink();
    const instrumentation = new SendInstrumentation({ service: 'checkout', sink, recipientHashKey: KEY, tracer: memoryTracing().tracer });
    const froms = ['Billing <billing@Mail.Acme.com>', 'mail.acme.com', ' Other.Example ', 'Billing <billing@Mail.Acme.com>', 'no at sign here', undefined];
    for (const from of froms) await instrumentation.attempt({ provider: 'resend', ...(from !== undefined && { from }) }, async () => 'ok', sent);
    await instrumentation.settle();
    expect(sink.events.map((e) => e.sender_domain)).toEqual(['mail.acme.com', 'mail.acme.com', 'other.example', 'mail.acme.com', 'no at sign here', '']);
  });
});
