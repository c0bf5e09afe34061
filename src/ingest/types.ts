/** A message as the loader receives it, whatever delivered it (Kafka, or in-process). */
export interface SourceMessage {
  topic: string;
  partition: number;
  /** Kafka offsets are 64-bit; kept as bigint. */
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
}

/** Something that could not be loaded, with why and where it came from; it goes to the dead-letter topic. */
export interface DeadLetter {
  reason: string;
  topic: string;
  partition: number;
  offset: bigint;
  /** For a JSON Lines message, which line (0-based); null when the whole message is bad. */
  line: number | null;
  /** The original bytes: the line, or the whole message. */
  original: Buffer;
}

/** One row ready to insert, as a JSONEachRow line, with where it came from (for a dead letter). */
export interface Row {
  text: string;
  offset: bigint;
  line: number;
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
