import type { NormalizedError, RetrySchedule } from '../normalize/index.js';

export interface RetryPolicy {
  /** Tries in all, the first included. Default: the provider's schedule length + 1, else 4. */
  maxAttempts?: number;
  /** First wait of the exponential backoff when the provider documents none. */
  baseDelayMs?: number;
  /** Longest single backoff wait. */
  maxDelayMs?: number;
  /** A wait longer than this is not done inline: the helper gives up and the caller can queue the send. */
  maxWaitMs?: number;
  /** Uniform [0, 1); tests pin it. */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULTS = { baseDelayMs: 1000, maxDelayMs: 30_000, maxWaitMs: 60_000 };

function pick(step: RetrySchedule[number], random: () => number): number {
  return Math.round(step.minMs + (step.maxMs - step.minMs) * random());
}

function backoff(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs ?? DEFAULTS.maxDelayMs, (policy.baseDelayMs ?? DEFAULTS.baseDelayMs) * 2 ** (attempt - 1));
  // "Equal jitter": at least half the ceiling, so waits still grow, spread so clients do not retry in step.
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * How long to wait before the next try after `attempt` (1-based) failed with
 * `error`, or null to stop. Follows the normalized retry class, the
 * provider's `Retry-After`, and its documented schedule where it has one.
 */
export function retryDelayMs(error: NormalizedError, attempt: number, policy: RetryPolicy = {}): number | null {
  const random = policy.random ?? Math.random;
  const schedule = error.retrySchedule;
  const maxAttempts = policy.maxAttempts ?? (schedule ? schedule.length + 1 : 4);
  if (attempt >= maxAttempts) return null;
  let wait: number | null;
  switch (error.retry) {
    case 'never':
      wait = null;
      break;
    case 'once':
      wait = attempt === 1 ? (schedule?.[0] ? pick(schedule[0], random) : backoff(2, policy, random)) : null;
      break;
    case 'at_reset':
      // Only worth waiting inline when the provider says the window is about to reset.
      wait = error.retryAfterMs;
      break;
    case 'retry_after':
    case 'later':
      wait = error.retryAfterMs ?? (schedule?.[attempt - 1] ? pick(schedule[attempt - 1]!, random) : backoff(attempt, policy, random));
      break;
    case 'backoff':
      if (schedule) wait = schedule[attempt - 1] ? pick(schedule[attempt - 1]!, random) : null;
      else wait = backoff(attempt, policy, random);
      if (wait !== null && error.retryAfterMs !== null) wait = Math.max(wait, error.retryAfterMs);
      break;
  }
  return wait !== null && wait <= (policy.maxWaitMs ?? DEFAULTS.maxWaitMs) ? wait : null;
}

/** What an attempt produced, for a judge that tells failure from success. */
export type AttemptOutcome<T> = { result: T } | { error: unknown };

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Calls `attempt(1)`, `attempt(2)`, … until it succeeds, fails in a way the
 * policy will not retry, or runs out of tries; returns or throws exactly what
 * the last attempt did. `judge` says whether an outcome failed and how
 * (normalized), and null for success.
 */
export async function sendWithRetry<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  judge: (outcome: AttemptOutcome<T>) => NormalizedError | null | Promise<NormalizedError | null>,
  policy: RetryPolicy = {},
): Promise<T> {
  const sleep = policy.sleep ?? sleepFor;
  for (let number = 1; ; number += 1) {
    let outcome: AttemptOutcome<T>;
    try {
      outcome = { result: await attempt(number) };
    } catch (error) {
      outcome = { error };
    }
    const failure = await judge(outcome);
    const wait = failure === null ? null : retryDelayMs(failure, number, policy);
    if (wait === null) {
      if ('error' in outcome) throw outcome.error;
      return outcome.result;
    }
    await sleep(wait);
  }
}
