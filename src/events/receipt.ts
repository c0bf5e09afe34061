import type { Validation } from './validate.js';

/**
 * The time window an event must fall in to be stored: what the JSON Schema
 * cannot say, because it depends on when the event is received. An event
 * time more than a day ahead of its receipt is a wrong clock; one older than
 * the raw tables' retention would be inserted and then silently deleted by
 * their TTL (and yet counted in the rollups, which keep 400 days), so both
 * are refused with a reason the loader dead-letters.
 */
export const MAX_AHEAD_OF_RECEIPT_MS = 24 * 3_600_000;
/** The raw tables' TTL when SENDLENS_RETENTION_DAYS is unset; the same default as the store's migrations (a test holds them equal). */
export const DEFAULT_EVENT_RETENTION_DAYS = 90;
const DAY_MS = 86_400_000;

export interface Receipt {
  /** When the event was received, ms since the epoch; default: the moment it is validated. */
  receivedAt?: number;
  /** Days the raw tables keep an event (SENDLENS_RETENTION_DAYS); default 90. */
  retentionDays?: number;
}

/** The reason `field` (a UTC-milliseconds string the schema already matched) is outside the window, or null. */
export function judgeEventTime(field: string, text: string, receipt: Receipt): string | null {
  const at = Date.parse(text);
  // A string of the right shape that is no date (month 13) is left to the engine, which refuses the row; the loader dead-letters it.
  if (Number.isNaN(at)) return null;
  const receivedAt = receipt.receivedAt ?? Date.now();
  const retentionDays = receipt.retentionDays ?? DEFAULT_EVENT_RETENTION_DAYS;
  if (at > receivedAt + MAX_AHEAD_OF_RECEIPT_MS) {
    return `/${field} ${text} is more than 24 h after its receipt (${new Date(receivedAt).toISOString()}): a clock is wrong`;
  }
  if (at < receivedAt - retentionDays * DAY_MS) {
    return `/${field} ${text} is older than the ${retentionDays}-day retention (SENDLENS_RETENTION_DAYS): the TTL would delete it as soon as stored`;
  }
  return null;
}

/** The receipt settings of this deployment: the retention the migrations gave the raw tables. */
export function receiptFromEnv(env: NodeJS.ProcessEnv = process.env): Receipt {
  const raw = env.SENDLENS_RETENTION_DAYS;
  const retentionDays = raw ? Number(raw) : DEFAULT_EVENT_RETENTION_DAYS;
  if (!Number.isInteger(retentionDays) || retentionDays < 1) throw new Error('SENDLENS_RETENTION_DAYS must be a whole number of days, at least 1');
  return { retentionDays };
}

/**
 * A contract's validator as the loader uses it: every event judged at the
 * moment it is decoded, against the retention of this deployment (read from
 * the environment on first use, as `sendlens migrate` reads it).
 */
export function onReceipt<T>(validate: (value: unknown, receipt?: Receipt) => Validation<T>, env: NodeJS.ProcessEnv = process.env): (value: unknown) => Validation<T> {
  let receipt: Receipt | undefined;
  return (value) => validate(value, (receipt ??= receiptFromEnv(env)));
}
