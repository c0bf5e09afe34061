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

interface Window {
  receivedAt: number;
  retentionDays: number;
  earliest: string;
  latest: string;
}

let lastWindow: Window | undefined;

/** The window's ends as UTC-milliseconds strings, computed once per receipt millisecond rather than once per event. */
function windowAt(receivedAt: number, retentionDays: number): Window {
  if (lastWindow?.receivedAt !== receivedAt || lastWindow.retentionDays !== retentionDays) {
    lastWindow = { receivedAt, retentionDays, earliest: new Date(receivedAt - retentionDays * DAY_MS).toISOString(), latest: new Date(receivedAt + MAX_AHEAD_OF_RECEIPT_MS).toISOString() };
  }
  return lastWindow;
}

/**
 * The reason `field` is outside the window, or null. `text` has matched the
 * contract's UTC-milliseconds pattern (fixed width, four-digit year), so it
 * sorts as a string: two string comparisons per event, no date parsing.
 */
export function judgeEventTime(field: string, text: string, receipt: Receipt): string | null {
  const receivedAt = receipt.receivedAt ?? Date.now();
  const retentionDays = receipt.retentionDays ?? DEFAULT_EVENT_RETENTION_DAYS;
  const { earliest, latest } = windowAt(receivedAt, retentionDays);
  if (text >= earliest && text <= latest) return null;
  // A string of the right shape that is no date (month 13) is left to the engine, which refuses the row; the loader dead-letters it.
  if (Number.isNaN(Date.parse(text))) return null;
  if (text > latest) return `/${field} ${text} is more than 24 h after its receipt (${new Date(receivedAt).toISOString()}): a clock is wrong`;
  return `/${field} ${text} is older than the ${retentionDays}-day retention (SENDLENS_RETENTION_DAYS): the TTL would delete it as soon as stored`;
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
