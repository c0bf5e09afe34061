import type { RecipientFacts, RecipientHasher } from '../events/index.js';

/**
 * Recipients whose keyed hash and domain are kept per instrumentation. The
 * HMAC costs ~3-4 µs of CPU a call (most of an attempt's deferred work), and
 * the same recipients recur: each retry is its own attempt, and a service
 * mails the same users again. Bounded: 2,048 entries of at most
 * MAX_CACHED_ADDRESS_CHARS each, ~1 MiB at worst.
 */
export const MAX_CACHED_RECIPIENTS = 2_048;

/** Longer "addresses" (no real one exceeds 254 characters) are hashed every time rather than held. */
export const MAX_CACHED_ADDRESS_CHARS = 320;

const NO_RECIPIENT: RecipientFacts = Object.freeze({ hash: '', domain: '' });

/**
 * `RecipientHasher.facts` with a least-recently-used cache in front. The
 * addresses it holds stay in this process's memory, as the caller's own
 * messages do; only their hashes ever leave it.
 */
export class RecipientFactsCache {
  readonly #hasher: RecipientHasher;
  readonly #capacity: number;
  /** A Map iterates in insertion order: its first key is the least recently used. */
  readonly #facts = new Map<string, RecipientFacts>();

  constructor(hasher: RecipientHasher, capacity = MAX_CACHED_RECIPIENTS) {
    if (!(capacity >= 1)) throw new Error('the recipient cache needs room for at least one recipient');
    this.#hasher = hasher;
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#facts.size;
  }

  facts(address: string | undefined): RecipientFacts {
    if (address === undefined) return NO_RECIPIENT;
    const cached = this.#facts.get(address);
    if (cached !== undefined) {
      this.#facts.delete(address);
      this.#facts.set(address, cached);
      return cached;
    }
    const facts = Object.freeze(this.#hasher.facts(address));
    if (address.length > MAX_CACHED_ADDRESS_CHARS) return facts;
    if (this.#facts.size >= this.#capacity) this.#facts.delete(this.#facts.keys().next().value as string);
    this.#facts.set(address, facts);
    return facts;
  }
}
