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
 * `RecipientHasher.facts` with a cache in front that keeps the recipients in
 * use. Two generations rather than a strict LRU: a hit among the recent ones
 * is one Map lookup (an LRU's delete and re-insert per hit cost more than the
 * rest of the lookup); the recent generation is at most half the capacity,
 * and when it is full the older one is dropped whole and the recent one takes
 * its place. So a recipient seen again within the last capacity/2 new ones is
 * never hashed twice, and nothing unused for a generation is held. The
 * addresses stay in this process's memory, as the caller's own messages do;
 * only their hashes ever leave it.
 */
export class RecipientFactsCache {
  readonly #hasher: RecipientHasher;
  readonly #generationSize: number;
  #recent = new Map<string, RecipientFacts>();
  #older = new Map<string, RecipientFacts>();

  constructor(hasher: RecipientHasher, capacity = MAX_CACHED_RECIPIENTS) {
    if (!(capacity >= 2)) throw new Error('the recipient cache needs room for at least two recipients');
    this.#hasher = hasher;
    this.#generationSize = Math.floor(capacity / 2);
  }

  /** Entries held, at most the capacity (a recipient moved up from the older generation is counted in both until it goes). */
  get size(): number {
    return this.#recent.size + this.#older.size;
  }

  facts(address: string | undefined): RecipientFacts {
    if (address === undefined) return NO_RECIPIENT;
    const recent = this.#recent.get(address);
    if (recent !== undefined) return recent;
    const facts = this.#older.get(address) ?? this.#hasher.facts(address);
    if (address.length <= MAX_CACHED_ADDRESS_CHARS) {
      if (this.#recent.size >= this.#generationSize) {
        this.#older = this.#recent;
        this.#recent = new Map();
      }
      this.#recent.set(address, facts);
    }
    return facts;
  }
}
