import type { ErrorCode, RetryClass } from '../taxonomy.js';
import type { ParsedBody } from '../body.js';
import type { HeaderMap } from '../headers.js';

import { PROVIDERS } from '../../providers/ids.js';
import type { ProviderId } from '../../providers/ids.js';

export { PROVIDERS };
export type { ProviderId };

export function isProviderId(value: unknown): value is ProviderId {
  return typeof value === 'string' && (PROVIDERS as readonly string[]).includes(value);
}

/** One wait before a retry; a range where the provider documents one ("2–5 s"). */
export interface RetryStep {
  readonly minMs: number;
  readonly maxMs: number;
}
export type RetrySchedule = readonly RetryStep[];

export const exactly = (ms: number): RetryStep => ({ minMs: ms, maxMs: ms });
export const between = (minMs: number, maxMs: number): RetryStep => ({ minMs, maxMs });

/** Matches any provider code, or none: for rows that tell meanings apart by status or message only. */
export const ANY_CODE = '*';

/** Where a row's knowledge comes from, so a reader knows what to check it against. */
export type RowOrigin =
  /** a line of the provider's catalog in the seed file */
  | 'seed'
  /** an exception class the provider's official SDK throws (AWS SDK v3 SESv2, resend) */
  | 'sdk'
  /** the provider's public documentation beyond the seed */
  | 'docs'
  /** what the status alone means when a body carries no code (proxy pages, empty bodies) */
  | 'status';

/**
 * One line of a provider's catalog. A row matches when every field it sets
 * matches; rows are tried in order, so a row that narrows a code by status or
 * message stands before the row for the same code without it.
 */
export interface CatalogRow {
  /** The provider's machine-readable code; null: the provider sent none; ANY_CODE: any or none. */
  readonly providerCode: string | null;
  /** Set only where the status tells meanings apart (or for code-less rows). */
  readonly status?: number;
  /** A range of statuses, for the status-class fallback rows (`[500, 599]`); never set together with `status`. */
  readonly statusRange?: readonly [number, number];
  /** Set only where the message tells meanings apart. */
  readonly message?: RegExp;
  readonly code: ErrorCode;
  /** Overrides the code's default retry class. */
  readonly retry?: RetryClass;
  /** The provider's documented retry waits, where it documents them. */
  readonly schedule?: RetrySchedule;
  readonly origin: RowOrigin;
  /** The documentation's own words for this row, to check it against. */
  readonly doc: string;
}

/** What an adapter reads out of a failed response or a thrown error. */
export interface FailureFields {
  providerCode: string | null;
  message: string | null;
}

/** What a provider reads out of a thrown error whose fields are not HTTP-shaped (an SMTP reply). */
export interface ThrownFields extends FailureFields {
  status?: number | null;
  /** Every code the failure answers to (an SMTP reply: "550 5.1.1", "5.1.1", "550", "5.1.x", "5.x.x"); rows match any. */
  matchCodes?: readonly string[];
}

export interface ProviderCatalog {
  readonly provider: ProviderId;
  readonly displayName: string;
  /** The seed file this table is checked against. */
  readonly seed: string;
  readonly rows: readonly CatalogRow[];
  /**
   * Other names a row's provider code arrives under, by the code the rows use:
   * the same failure spelled by the XML API, by each SDK and by the REST API
   * (`Throttling`: `ThrottlingException`, `TooManyRequestsException`, …). A
   * failure's code is read as its row code before any row is tried, so a
   * row's status and message rules hold for every spelling alike.
   */
  readonly spellings?: Readonly<Record<string, readonly string[]>>;
  /** Codes match without regard to case: for providers that are inconsistent about it themselves. */
  readonly codesIgnoreCase?: boolean;
  /** Reads the provider's error body shapes (and headers where the code travels there). */
  readBody(body: ParsedBody, headers: HeaderMap): FailureFields;
  /**
   * The provider code carried by an exception its SDK throws, if any. AWS SDK
   * exceptions carry it as `name`; generic JS errors (`Error`, `TypeError`)
   * carry none.
   */
  readonly sdkCodeField: 'name' | 'code';
  /** Reads the provider's own thrown errors before the generic reading; null: not one of them. */
  readonly readThrown?: (error: unknown) => ThrownFields | null;
  /** A wait the body states when no header does (DRF's "Expected available in 12 seconds."). */
  readonly bodyRetryAfterMs?: (body: ParsedBody) => number | null;
}
