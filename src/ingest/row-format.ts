import { DeliveryEventSchema, SendEventSchema } from '../events/index.js';

/**
 * How a validated event becomes a row of its table's INSERT, and back.
 *
 * Send and delivery events go as `TabSeparated`: one line per row, values in
 * the contract's field order (the INSERT's column list), strings escaped,
 * null as `\N` (ClickHouse stores it as the column's default where the column
 * is not Nullable, `input_format_null_as_default`). The engine parses these
 * lines with no quotes, keys or brackets to match: `npm run bench -- format`
 * measures it against `JSONCompactEachRow` (the format before) side by side.
 * A table not listed here keeps its rows as `JSONEachRow` text.
 *
 * Every contract field is a scalar (string, number or null), checked by the
 * contract before it reaches here; that is what lets a row go back to the
 * event it was (`eventText`) for a dead letter.
 */

export const SEND_EVENTS_TABLE = 'email_send_events';
export const DELIVERY_EVENTS_TABLE = 'email_delivery_events';

/** The FORMAT of the tables listed in ROW_LAYOUTS. */
export const ROW_FORMAT = 'TabSeparated';

type Kind = 'string' | 'number';

interface Layout {
  columns: readonly string[];
  /** What JSON type a column's non-null values have, to read a row back. */
  kinds: readonly Kind[];
  /** Fields a contract added after its first producers: absent in an event is null in the row, and absent again in a dead letter. */
  optional: ReadonlySet<string>;
}

interface PropertySchema {
  type?: string;
  const?: unknown;
  anyOf?: PropertySchema[];
}

/** A contract field's JSON type; enums and patterns are strings, integers and literals numbers. */
function kindOf(schema: PropertySchema): Kind {
  const types = schema.anyOf ? schema.anyOf.map((branch) => branch.type) : [schema.type ?? typeof schema.const];
  return types.some((type) => type === 'integer' || type === 'number') ? 'number' : 'string';
}

function layoutOf(schema: { properties: Record<string, unknown>; required?: string[] }): Layout {
  const columns = Object.keys(schema.properties);
  const required = new Set(schema.required ?? []);
  return {
    columns,
    kinds: columns.map((column) => kindOf(schema.properties[column] as PropertySchema)),
    optional: new Set(columns.filter((column) => !required.has(column))),
  };
}

const ROW_LAYOUTS: ReadonlyMap<string, Layout> = new Map([
  [SEND_EVENTS_TABLE, layoutOf(SendEventSchema)],
  [DELIVERY_EVENTS_TABLE, layoutOf(DeliveryEventSchema)],
]);

/** Each table's INSERT column list, in row order (the contract's field order). */
export const INSERT_COLUMNS: ReadonlyMap<string, readonly string[]> = new Map([...ROW_LAYOUTS].map(([table, layout]) => [table, layout.columns]));

/** Per table, the contract's optional fields (absent in an event = null in the row). */
export const OPTIONAL_COLUMNS: ReadonlyMap<string, ReadonlySet<string>> = new Map([...ROW_LAYOUTS].map(([table, layout]) => [table, layout.optional]));

/**
 * The column a table's rows are kept unique by within a batch (batch.ts keeps
 * the first row of each), so the engine need not merge the inserted block
 * with itself to drop a copy (`optimize_on_insert`, about a fifth of an
 * insert's CPU). Send events: a ReplacingMergeTree whose sorting key ends in
 * `event_id`, its rollup read `LIMIT 1 BY event_id`. Not delivery events:
 * their rollups count every receipt of a provider's retried webhook
 * (`received`), in one batch too.
 */
const UNIQUE_BY: ReadonlyMap<string, string> = new Map([[SEND_EVENTS_TABLE, 'event_id']]);

/** The column `table`'s rows are kept unique by within a batch, if any (UNIQUE_BY). */
export function uniqueByColumn(table: string): string | undefined {
  return UNIQUE_BY.get(table);
}

/** Whether `table` has a row layout here (else its rows are JSONEachRow text). */
export function hasRowLayout(table: string): boolean {
  return ROW_LAYOUTS.has(table);
}

/** The INSERT statement a batch of `table`'s rows (joined by newlines) follows. */
export function insertStatement(database: string, table: string): string {
  const layout = ROW_LAYOUTS.get(table);
  return layout ? `INSERT INTO ${database}.${table} (${layout.columns.join(', ')}) FORMAT ${ROW_FORMAT}` : `INSERT INTO ${database}.${table} FORMAT JSONEachRow`;
}

/** How TabSeparated writes null. */
const NULL_TEXT = '\\N';

/** Characters TabSeparated must escape inside a value: the separators, the escape itself, and the control characters it has names for. */
const NEEDS_ESCAPE = /[\\\t\n\r\0\b\f]/;
const ESCAPED: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0', '\b': '\\b', '\f': '\\f' };
const UNESCAPED: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(ESCAPED).map(([raw, escaped]) => [escaped.slice(1), raw]));

function escapeValue(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(/[\\\t\n\r\0\b\f]/g, (c) => ESCAPED[c] as string) : text;
}

function unescapeValue(text: string): string {
  return text.includes('\\') ? text.replace(/\\(.)/gs, (_, c: string) => UNESCAPED[c] ?? c) : text;
}

type RowEncoder = (event: Readonly<Record<string, unknown>>, escape: (text: string) => string) => string;

/** Builds a table's row encoder: one expression per column, so each field is read by name (a monomorphic load, not a lookup by a variable key). */
function compileEncoder(columns: readonly string[], kinds: readonly Kind[]): RowEncoder {
  const values = columns.map((column, i) => {
    if (!/^[a-z_][a-z0-9_]*$/.test(column)) throw new Error(`column name ${column} cannot be compiled into a row encoder`);
    return `(v = e.${column}) == null ? NULL : ${kinds[i] === 'number' ? "'' + v" : 'escape(v)'}`;
  });
  // Generated from the contract's own field names (checked above), never from input.
  const build = new Function('NULL', 'TAB', `return (e, escape) => { let v; return [${values.join(', ')}].join(TAB); };`) as (nullText: string, tab: string) => RowEncoder;
  return build(NULL_TEXT, '\t');
}

const ENCODERS: ReadonlyMap<string, ReturnType<typeof compileEncoder>> = new Map([...ROW_LAYOUTS].map(([table, layout]) => [table, compileEncoder(layout.columns, layout.kinds)]));
const unchanged = (text: string): string => text;

/**
 * One validated event as its row's text (no newline). The event must have
 * passed its contract: strings, finite numbers and nulls only. Given the JSON
 * text it was parsed from, a text without a backslash has no value to escape
 * (JSON writes every tab, newline, backslash and control character as a
 * backslash escape), and escaping is skipped.
 */
export function encodeRow(table: string, event: Readonly<Record<string, unknown>>, sourceJson?: string): string {
  const encode = ENCODERS.get(table);
  if (!encode) return JSON.stringify(event);
  return encode(event, sourceJson !== undefined && !sourceJson.includes('\\') ? unchanged : escapeValue);
}

/** Validated events as the body of one INSERT (`insertStatement`). */
export function encodeRows(table: string, events: readonly Readonly<Record<string, unknown>>[]): string {
  return events.map((event) => encodeRow(table, event)).join('\n');
}

/** A row's fields back as the event they came from (an optional field that was absent is left out again). */
export function decodeRow(table: string, text: string): Record<string, unknown> {
  const layout = ROW_LAYOUTS.get(table);
  if (!layout) return JSON.parse(text) as Record<string, unknown>;
  const values = text.split('\t');
  if (values.length !== layout.columns.length) throw new Error(`a ${table} row has ${values.length} values, expected ${layout.columns.length}`);
  const event: Record<string, unknown> = {};
  layout.columns.forEach((column, i) => {
    const raw = values[i] as string;
    if (raw === NULL_TEXT) {
      if (!layout.optional.has(column)) event[column] = null;
      return;
    }
    event[column] = layout.kinds[i] === 'number' ? Number(raw) : unescapeValue(raw);
  });
  return event;
}

/** A row as the JSON text of the event it was, for a dead letter. */
export function eventText(table: string, text: string): string {
  return ROW_LAYOUTS.has(table) ? JSON.stringify(decodeRow(table, text)) : text;
}
