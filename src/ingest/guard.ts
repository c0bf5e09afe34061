/**
 * Stops the loader when too much of what arrives is invalid: a producer
 * writing garbage should page someone, not quietly move the topic into the
 * dead-letter queue. Judged over a sliding window of two halves.
 */
export class InvalidRatioExceeded extends Error {
  constructor(
    readonly invalid: number,
    readonly judged: number,
    readonly limit: number,
  ) {
    super(`${invalid} of the last ${judged} events were invalid (limit ${Math.round(limit * 100)}%): stopping instead of dead-lettering the stream`);
    this.name = 'InvalidRatioExceeded';
  }
}

export class InvalidRatioGuard {
  #current = { judged: 0, invalid: 0 };
  #previous = { judged: 0, invalid: 0 };

  constructor(
    /** Highest tolerated share of invalid events, 0–1; 1 never stops. */
    readonly maxRatio: number,
    /** Events per half window; the guard judges nothing before a full half. */
    readonly halfWindow = 5_000,
  ) {}

  /** Throws InvalidRatioExceeded when the window's invalid share is over the limit. */
  record(judged: number, invalid: number): void {
    this.#current.judged += judged;
    this.#current.invalid += invalid;
    const total = this.#current.judged + this.#previous.judged;
    const bad = this.#current.invalid + this.#previous.invalid;
    if (this.#current.judged >= this.halfWindow) {
      this.#previous = this.#current;
      this.#current = { judged: 0, invalid: 0 };
    }
    if (total >= this.halfWindow && bad / total > this.maxRatio) throw new InvalidRatioExceeded(bad, total, this.maxRatio);
  }
}
