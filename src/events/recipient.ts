import { createHmac, createSecretKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/**
 * Recipients are kept only as a keyed hash (HMAC-SHA256): the same address
 * under the same key always gives the same hash, so sends, bounces and
 * complaints join on it, while nobody without the key can test a guess.
 */
export const MIN_KEY_BYTES = 16;

export interface RecipientFacts {
  hash: string;
  domain: string;
}

/** `Jane <Jane.Doe@Example.COM>` → `jane.doe@example.com`; null when there is no address in it. */
export function canonicalAddress(input: string): string | null {
  const angle = /<([^<>]+)>\s*$/.exec(input);
  const address = (angle?.[1] ?? input).trim().toLowerCase();
  const at = address.lastIndexOf('@');
  return at > 0 && at < address.length - 1 ? address : null;
}

export function domainOf(input: string): string {
  const address = canonicalAddress(input);
  return address === null ? '' : address.slice(address.lastIndexOf('@') + 1);
}

export class RecipientHasher {
  /** A KeyObject, imported once: handing createHmac raw bytes re-imports them on every hash (~1 µs of its ~5). */
  readonly #key: KeyObject;

  constructor(key: string | Buffer) {
    const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
    if (bytes.length < MIN_KEY_BYTES) {
      throw new Error(`the recipient hash key must be at least ${MIN_KEY_BYTES} bytes (set SENDLENS_RECIPIENT_KEY)`);
    }
    this.#key = createSecretKey(bytes);
  }

  hash(address: string): string {
    const canonical = canonicalAddress(address);
    return canonical === null ? '' : this.#hmac(canonical);
  }

  /** `hash` and `domainOf` of one address, canonicalized once. */
  facts(address: string | undefined): RecipientFacts {
    const canonical = address === undefined ? null : canonicalAddress(address);
    if (canonical === null) return { hash: '', domain: '' };
    return { hash: this.#hmac(canonical), domain: canonical.slice(canonical.lastIndexOf('@') + 1) };
  }

  #hmac(canonical: string): string {
    return createHmac('sha256', this.#key).update(canonical).digest('hex');
  }

  /** Never print the key, whatever logs the hasher. */
  toJSON(): string {
    return 'RecipientHasher([key hidden])';
  }
}
