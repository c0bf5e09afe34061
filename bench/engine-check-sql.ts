/**
 * A prototype, not part of the loader (issue 14): the send-event contract
 * compiled into one ClickHouse statement that inserts a batch of JSON Lines
 * only if every line keeps the contract, and otherwise inserts nothing and
 * throws (`throwIf`), so the loader could let the engine judge what it now
 * judges in JavaScript, and decode in JavaScript only the batches the engine
 * refuses (today's path, which words the dead letters). Measured by
 * bench/ingest-probe-engine-check.ts; its findings are in the README
 * ("Benchmarks").
 *
 * Why the lines are read as text and taken apart with
 * `JSONExtractKeysAndValuesRaw` rather than read as `JSONEachRow`: the
 * engine's JSON reader is lenient where JSON.parse and the contract are not.
 * It reads `"5"` and `05` as the number 5, two objects on one line as two
 * rows, a raw tab inside a string as a tab, and an absent field as its
 * default. `JSONExtractKeysAndValuesRaw` parses with simdjson, which refuses
 * all of those as JSON, and gives each value back as JSON text (a quoted
 * number keeps its quotes; `5.0` comes back `5`, an integer, as JSON.parse
 * reads it). test/bench/engine-check-sql.test.ts holds each of these.
 *
 * Only the flat contract (scalar fields, `additionalProperties: false`) with
 * the keywords below compiles; keys must come in the contract's order (with
 * or without its optional fields), as sendlens's producers write them: any
 * other order is refused, which costs a batch the JavaScript path, not a row.
 */
import type { ClickHouseSettings } from '@clickhouse/client';
import { SendEventSchema } from '../src/events/index.js';
import type { FieldSchema } from '../src/events/validate.js';
import { ALL_CODES } from '../src/normalize/index.js';
import { stringLiteral as literal } from '../src/store/insert-bodies.js';



/** What the engine says when a batch breaks the contract. */
export const REFUSAL = 'sendlens: a line breaks the contract';

/** The condition a field's raw JSON text `raw` (and, for strings, its decoded value `text`) must meet. */
function condition(field: FieldSchema, raw: string, text: string): string {
  if (field.anyOf) return `(${field.anyOf.map((branch) => condition(branch, raw, text)).join(' OR ')})`;
  if (field.type === 'null') return `${raw} = 'null'`;
  if (field.type === undefined && field.enum) {
    // An enum of strings, maybe with null (oneOfOrNull).
    const strings = field.enum.filter((value) => value !== null);
    if (strings.some((value) => typeof value !== 'string')) throw new Error('only enums of strings and null compile');
    const string = condition({ type: 'string', enum: strings }, raw, text);
    return field.enum.includes(null) ? `(${raw} = 'null' OR ${string})` : string;
  }
  if (field.const !== undefined) {
    if (typeof field.const !== 'number' || !Number.isInteger(field.const)) throw new Error('only integer constants compile');
    return `${raw} = '${field.const}'`;
  }
  const all: string[] = [];
  if (field.type === 'string') {
    all.push(`startsWith(${raw}, '"')`);
    if (field.enum) all.push(`${text} IN (${field.enum.map((value) => literal(String(value))).join(', ')})`);
    if (field.pattern !== undefined) all.push(`match(${text}, ${literal(field.pattern)})`);
    // Code points, as the contract counts a string's length (simdjson has checked the UTF-8).
    if (field.minLength !== undefined) all.push(`lengthUTF8(${text}) >= ${field.minLength}`);
    if (field.maxLength !== undefined) all.push(`lengthUTF8(${text}) <= ${field.maxLength}`);
  } else if (field.type === 'integer') {
    all.push(`match(${raw}, '^-?[0-9]{1,18}$')`);
    if (field.minimum !== undefined) all.push(`toInt64OrZero(${raw}) >= ${field.minimum}`);
    if (field.maximum !== undefined) all.push(`toInt64OrZero(${raw}) <= ${field.maximum}`);
  } else if (field.type === 'number') {
    all.push(`isNotNull(toFloat64OrNull(${raw}))`, `isFinite(toFloat64OrZero(${raw}))`);
    if (field.minimum !== undefined) all.push(`toFloat64OrZero(${raw}) >= ${field.minimum}`);
    if (field.maximum !== undefined) all.push(`toFloat64OrZero(${raw}) <= ${field.maximum}`);
  } else {
    throw new Error(`a field of type ${String(field.type)} does not compile`);
  }
  const known = new Set(['type', 'enum', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'description']);
  const unknown = Object.keys(field).filter((keyword) => !known.has(keyword));
  if (unknown.length > 0) throw new Error(`keywords ${unknown.join(', ')} do not compile`);
  return `(${all.join(' AND ')})`;
}

const isStringField = (field: FieldSchema): boolean => field.type === 'string' || (field.type === undefined && field.enum !== undefined) || (field.anyOf ?? []).some(isStringField);

export interface CheckedInsert {
  database: string;
  /** Where the batch's lines are, as a table expression with one String column `line`, e.g. `file('<path>', LineAsString)`. */
  source: string;
  /** The receipt window of occurred_at (receipt.ts), as UTC-milliseconds text. */
  earliest: string;
  latest: string;
}

/**
 * The statement: every line of `source` checked, the first copy of each
 * event id kept (the batch's rule), all inserted, or none and REFUSAL thrown.
 * Its settings must read the source in order (`max_threads = 1`) and must not
 * split the insert (see CHECKED_INSERT_SETTINGS).
 */
export function checkedSendEventsInsert({ database, source, earliest, latest }: CheckedInsert): string {
  const properties = SendEventSchema.properties as unknown as Record<string, FieldSchema>;
  const names = Object.keys(properties);
  const required = new Set<string>(SendEventSchema.required ?? []);
  const requiredNames = names.filter((name) => required.has(name));
  const position = (name: string): string =>
    required.has(name) ? `if(complete, raw[${names.indexOf(name) + 1}], raw[${requiredNames.indexOf(name) + 1}])` : `if(complete, raw[${names.indexOf(name) + 1}], '')`;
  const raws = names.map((name) => `${position(name)} AS raw_${name}`);
  // A string's text: without a backslash, its JSON text between the quotes; with one, decoded.
  const texts = names.filter((name) => isStringField(properties[name] as FieldSchema)).map((name) => `if(position(raw_${name}, '\\\\') > 0, JSONExtractString(raw_${name}), substring(raw_${name}, 2, length(raw_${name}) - 2)) AS text_${name}`);
  const checks = [
    `(keys = [${names.map(literal).join(', ')}] OR keys = [${requiredNames.map(literal).join(', ')}])`,
    ...names.map((name) => {
      const check = condition(properties[name] as FieldSchema, `raw_${name}`, `text_${name}`);
      return required.has(name) ? check : `(raw_${name} = '' OR ${check})`;
    }),
    `((raw_code = 'null' AND raw_category = 'null') OR (text_code, text_category) IN (${ALL_CODES.map((code) => `(${literal(code)}, ${literal(code.slice(0, code.indexOf('.')))})`).join(', ')}))`,
    `text_occurred_at BETWEEN ${literal(earliest)} AND ${literal(latest)}`,
  ];
  const values = names.map((name) =>
    isStringField(properties[name] as FieldSchema) ? `if(raw_${name} = 'null', NULL, text_${name}) AS ${name}` : `if(raw_${name} IN ('null', ''), NULL, raw_${name}) AS ${name}`,
  );
  // In WHERE, not as a column: a column no one reads is dropped by the planner, and its throwIf with it.
  return `INSERT INTO ${database}.email_send_events (${names.join(', ')})
SELECT ${names.join(', ')} FROM (
  SELECT ${values.join(',\n    ')}
  FROM (
    SELECT JSONExtractKeysAndValuesRaw(line) AS pairs, pairs.1 AS keys, pairs.2 AS raw, length(keys) = ${names.length} AS complete,
      ${raws.join(',\n      ')},
      ${texts.join(',\n      ')}
    FROM ${source}
    WHERE line NOT IN ('', '\\r')
  )
  WHERE throwIf(NOT ifNull(${checks.join('\n      AND ')}, 0), ${literal(REFUSAL)}) = 0
)
LIMIT 1 BY event_id`;
}

/** What the statement needs besides the loader's insert settings: one ordered stream, one block. */
export const CHECKED_INSERT_SETTINGS: ClickHouseSettings = {
  max_threads: 1,
  max_block_size: '1000000',
  min_insert_block_size_rows: '1000000',
  min_insert_block_size_bytes: String(1024 * 1024 * 1024),
  // The text of occurred_at into DateTime64 as the loader's TabSeparated insert reads it.
  cast_string_to_date_time_mode: 'best_effort',
  optimize_on_insert: 0,
};
