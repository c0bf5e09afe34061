/**
 * A seeded pseudo-random source (mulberry32): the same seed gives the same
 * week, so `sendlens demo --seed N` is repeatable. Not for anything secret.
 */
export class SeededRandom {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)] as T;
  }

  /** 32 random hex digits, for ids. */
  hex(digits = 32): string {
    let out = '';
    while (out.length < digits) out += this.below(0x10000).toString(16).padStart(4, '0');
    return out.slice(0, digits);
  }
}
