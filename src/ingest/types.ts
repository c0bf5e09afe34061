/** A message as the loader receives it, whatever delivered it (Kafka, or in-process). */
export interface SourceMessage {
  topic: string;
  partition: number;
  /** Kafka offsets are 64-bit; kept as bigint. */
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  /**
   * Set when the value was too large to hold decompressed: `value` is then only
   * its head, and this is the size and SHA-256 of the whole and why it was cut (see bounded-gzip.ts).
   */
  truncatedFrom?: { bytes: number; sha256: string; why: string };
}

/** Something that could not be loaded, with why and where it came from; it goes to the dead-letter topic. */
export interface DeadLetter {
  reason: string;
  topic: string;
  partition: number;
  offset: bigint;
  /** For a JSON Lines message, which line (0-based); null when the whole message is bad. */
  line: number | null;
  /** The original bytes: the line, or the whole message; only their head when `truncatedFrom` is set. */
  original: Buffer;
  /** Set when the original was too large to keep: its full size and SHA-256 (hex). */
  truncatedFrom?: { bytes: number; sha256: string };
}

/** One row ready to insert, as a JSONEachRow line, with where it came from (for a dead letter). */
export interface Row {
  text: string;
  offset: bigint;
  line: number;
  /** The event id of a table whose rows are kept unique by it (row-format.ts UNIQUE_BY): the batch keeps the first row of each. */
  unique?: string;
}

/** Rows per table. */
export type TableRows = Map<string, Row[]>;

export interface Decoded {
  rows: TableRows;
  deadLetters: DeadLetter[];
  /** Units judged (lines or spans) and how many were bad, for the invalid-ratio guard. */
  judged: number;
  invalid: number;
}
