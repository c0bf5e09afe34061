/**
 * A panel's SQL as ClickHouse receives it from Grafana, so that an offline
 * report (or a test) runs exactly the query a dashboard runs.
 *
 * Grafana turns a panel's `rawSql` into the query in four steps, and
 * `expandMacros` repeats them in the same order:
 *
 *  1. `$__conditionalAll(condition, $var)` (the ClickHouse plugin's frontend,
 *     `CHDatasource.applyConditionalAll`): the condition becomes `1=1` when
 *     `$var` is "All" or empty, and stays as written otherwise. It runs on the
 *     raw text, before any variable is interpolated.
 *  2. Template variables (Grafana's interpolator with the plugin's default
 *     format): `$var`, `${var}`, `[[var]]` and `${var:format}`.
 *  3. Comments (`--`, `/* *\/`) blanked to spaces of the same length
 *     (grafana/macropro, which the plugin's backend calls with ClickHouse's
 *     quoting rules: `'…'` and `"…"` with backslash escapes, backticks, `$tag$…$tag$`).
 *  4. The backend macros of grafana/clickhouse-datasource `pkg/macros/macros.go`.
 *
 * Checked against the plugin's own expected strings (test/dashboards/macros.test.ts).
 *
 * Supported (anything else that Grafana would expand is refused with an error,
 * so a query never silently differs from the dashboard's):
 *   backend  $__timeFilter(c) $__timeFilter_ms(c) $__dateFilter(c) $__dateTimeFilter(d, t) $__dt(d, t)
 *            $__timeFrom(c) $__timeTo(c) $__timeGroup(c, 5m) $__fromTime $__toTime $__fromTime_ms
 *            $__toTime_ms $__timeInterval(c) $__timeInterval_ms(c) $__interval_s
 *            ($__table / $__column fail as they do in the plugin when the query names no table)
 *   frontend $__conditionalAll(cond, $var)
 *   formats  none (the plugin's: a list becomes 'a','b'; a single value as is), singlequote,
 *            doublequote, sqlstring, csv, raw
 *   All      a variable set to ALL_VALUE is only supported inside $__conditionalAll (Grafana
 *            would interpolate every option of the variable, which only Grafana knows)
 * Not supported: the statement macros ($__columns, $__rateColumns, $__perSecondColumns,
 * $__increaseColumns, $__lttb), $__adHocFilters, Grafana's frontend macros ($__interval,
 * $__interval_ms, $__from, $__to, $__timezone, $__dashboard, $__user, $__org, …), field paths
 * (`${var.field}`) and other formats. Dates are rendered in UTC ($__dateFilter's day), as
 * the plugin does in a UTC process.
 */

/** The value Grafana gives a variable when "All" is selected. */
export const ALL_VALUE = '$__all';

/** A variable's current value: one value, or several for a multi-value variable. */
export type VariableValue = string | readonly string[];

export interface MacroContext {
  /** The dashboard time range. */
  from: Date;
  to: Date;
  /** Grafana's interval for the panel ($__interval_ms), in milliseconds. */
  intervalMs: number;
  /** Template variables by name; a variable not listed here is left in the SQL as written. */
  variables?: Readonly<Record<string, VariableValue>>;
}

/** A query Grafana could not run either (bad macro arguments), or one this module does not reproduce. */
export class MacroError extends Error {
  override readonly name = 'MacroError';
}

/** Runs the four steps above: the SQL ClickHouse receives for this context. */
export function expandMacros(sql: string, context: MacroContext): string {
  const variables = context.variables ?? {};
  const interpolated = interpolateVariables(applyConditionalAll(sql, variables), variables);
  return expandBackendMacros(stripComments(interpolated), context);
}

// ---------------------------------------------------------------------------
// Step 1: $__conditionalAll, as the plugin's frontend does it.

const CONDITIONAL_ALL = '$__conditionalAll(';

/**
 * The arguments of a call whose `(` is at `open`, split on commas at depth one.
 * Like the plugin, this counts parentheses only: quotes are not special here.
 * An unclosed call gives no arguments.
 */
function frontendMacroArgs(sql: string, open: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < sql.length; i++) {
    const c = sql[i];
    if (c !== '(' && c !== ')' && c !== ',') continue;
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 1) {
      args.push(sql.slice(start, i));
      start = i + 1;
    }
    if (depth === 0) {
      args.push(sql.slice(start, i));
      return args;
    }
  }
  return [];
}

/** `$name` or `${name}` in the second argument; a formatted `${name:fmt}` is not recognised (the plugin's docs say so). */
const CONDITIONAL_VARIABLE = /(?<=\$\{)\w+(?=\})|(?<=\$)\w+/;

function applyConditionalAll(sql: string, variables: Readonly<Record<string, VariableValue>>): string {
  let query = sql;
  // From the last call backwards, so a call nested in another one's condition is done first.
  let at = query.lastIndexOf(CONDITIONAL_ALL);
  while (at !== -1) {
    const args = frontendMacroArgs(query, at + CONDITIONAL_ALL.length - 1);
    // The plugin gives up on the whole query (leaving every remaining call) at a malformed one.
    if (args.length !== 2) return query;
    const [condition = '', variableArg = ''] = args;
    const name = CONDITIONAL_VARIABLE.exec(variableArg.trim())?.[0];
    const value = name !== undefined && Object.hasOwn(variables, name) ? variables[name] : undefined;
    // An array's toString joins with commas, so ['$__all'] reads as '$__all' and [] as ''.
    const current = value === undefined ? undefined : String(value);
    const replacement = current === '' || current === ALL_VALUE ? '1=1' : condition;
    // String.replace with a string, as the plugin does: the first occurrence of the same text, and
    // `$&`-style patterns in the condition are interpreted (our SQL contains none).
    query = query.replace(`${CONDITIONAL_ALL}${condition},${variableArg})`, replacement);
    at = query.lastIndexOf(CONDITIONAL_ALL);
  }
  return query;
}

// ---------------------------------------------------------------------------
// Step 2: template variables, as Grafana's interpolator formats them.

/** `$var`, `[[var]]`, `[[var:fmt]]`, `${var}`, `${var.path}`, `${var:fmt}`: Grafana's variable syntax. */
const VARIABLE_SYNTAX = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

/** Names Grafana's frontend expands itself; the backend never sees them, so neither may we pass them on. */
const FRONTEND_MACROS = new Set([
  '__interval',
  '__interval_ms',
  '__rate_interval',
  '__range',
  '__range_s',
  '__range_ms',
  '__from',
  '__to',
  '__timezone',
  '__dashboard',
  '__user',
  '__org',
  '__url',
  '__url_time_range',
  '__all_variables',
  '__value',
  '__data',
  '__series',
  '__field',
  '__name',
]);

const isAll = (value: VariableValue) => (typeof value === 'string' ? value === ALL_VALUE : value[0] === ALL_VALUE);

const quoteEach = (value: VariableValue, quote: (one: string) => string) => (typeof value === 'string' ? quote(value) : value.map(quote).join(','));

/** Grafana's formats (`${var:name}`) that this module reproduces. */
const FORMATS: Record<string, (value: VariableValue) => string> = {
  // The ClickHouse plugin's own format, used when none is named.
  '': (value) => (typeof value === 'string' ? value : `'${value.join("','")}'`),
  singlequote: (value) => quoteEach(value, (one) => `'${one.replace(/'/g, "\\'")}'`),
  doublequote: (value) => quoteEach(value, (one) => `"${one.replace(/"/g, '\\"')}"`),
  sqlstring: (value) => quoteEach(value, (one) => `'${one.replace(/'|"/g, (c) => (c === "'" ? "''" : '\\"'))}'`),
  csv: (value) => (typeof value === 'string' ? value : value.join(',')),
  raw: (value) => String(value),
};

function interpolateVariables(sql: string, variables: Readonly<Record<string, VariableValue>>): string {
  return sql.replace(VARIABLE_SYNTAX, (match, name1?: string, name2?: string, format2?: string, name3?: string, path?: string, format3?: string) => {
    const name = name1 ?? name2 ?? name3 ?? '';
    if (!Object.hasOwn(variables, name)) {
      if (FRONTEND_MACROS.has(name)) throw new MacroError(`${match}: Grafana's frontend macro is not supported by expandMacros`);
      return match; // Grafana leaves an unknown name as written; backend macros ($__timeFilter…) pass here.
    }
    if (path !== undefined) throw new MacroError(`${match}: variable field paths are not supported`);
    const value = variables[name] as VariableValue;
    if (isAll(value)) throw new MacroError(`${match}: "All" is only supported inside $__conditionalAll (Grafana would list every option of ${name})`);
    const format = format2 ?? format3 ?? '';
    const formatter = FORMATS[format];
    if (!formatter) throw new MacroError(`${match}: format "${format}" is not supported`);
    return formatter(value);
  });
}

// ---------------------------------------------------------------------------
// Step 3: comments, blanked as the plugin's backend does before expanding macros.

/** The end (exclusive) of a quoted region opened at `start`: a doubled quote stays inside, and so does a backslash-escaped one where `backslash`. */
function quotedEnd(sql: string, start: number, backslash: boolean): number {
  const quote = sql[start];
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslash && c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

/** The end of a `$tag$…$tag$` string opened at `start`, or -1 when none opens there. */
function dollarQuotedEnd(sql: string, start: number): number {
  const tag = /^\$\w*\$/.exec(sql.slice(start))?.[0];
  if (tag === undefined) return -1;
  const close = sql.indexOf(tag, start + tag.length);
  return close === -1 ? -1 : close + tag.length;
}

function stripComments(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    let end = -1;
    if (c === "'" || c === '"') end = quotedEnd(sql, i, true);
    else if (c === '`') end = quotedEnd(sql, i, false);
    else if (c === '$') end = dollarQuotedEnd(sql, i);
    if (end !== -1) {
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    if (c === '-' && next === '-') {
      const lineEnd = sql.slice(i).search(/[\r\n]/);
      end = lineEnd === -1 ? sql.length : i + lineEnd;
    } else if (c === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      // An unterminated comment blanks the rest, so nothing after it is expanded.
      end = close === -1 ? sql.length : close + 2;
    }
    if (end !== -1) {
      out += ' '.repeat(end - i);
      i = end;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Step 4: the backend macros.

type Macro = (args: string[], context: MacroContext) => string;

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
const toDateTime = (date: Date) => `toDateTime(${seconds(date)})`;
const toDateTime64 = (date: Date) => `fromUnixTimestamp64Milli(${Math.floor(date.getTime())})`;
const toDate = (date: Date) => `toDate('${date.toISOString().slice(0, 10)}')`;
/** The interval in whole seconds or milliseconds, at least 1, truncated as Go's int() does. */
const intervalSeconds = (context: MacroContext) => Math.trunc(Math.max(Math.trunc(context.intervalMs) / 1000, 1));
const intervalMillis = (context: MacroContext) => Math.trunc(Math.max(Math.trunc(context.intervalMs), 1));

function arity(name: string, args: string[], want: number): void {
  if (args.length !== want) throw new MacroError(`$__${name} expected ${want} argument(s), received ${args.length}`);
}

/** A Go duration as $__timeGroup accepts it ("5m", "1h30m", "90s"), in seconds. */
function goDurationSeconds(text: string): number {
  const unit: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  const parts = /^(?:\d+(?:\.\d*)?(?:ns|us|µs|ms|s|m|h))+$/.test(text) ? text.match(/\d+(?:\.\d*)?(?:ns|us|µs|ms|s|m|h)/g) : null;
  if (!parts) throw new MacroError(`$__timeGroup: invalid interval "${text}"`);
  return parts.reduce((sum, part) => {
    const [, amount = '0', suffix = 's'] = /^([\d.]+)(\D+)$/.exec(part) ?? [];
    return sum + Number(amount) * (unit[suffix] ?? 0);
  }, 0);
}

const MACROS: Record<string, Macro> = {
  fromTime: (_, c) => toDateTime(c.from),
  toTime: (_, c) => toDateTime(c.to),
  fromTime_ms: (_, c) => toDateTime64(c.from),
  toTime_ms: (_, c) => toDateTime64(c.to),
  timeFilter: (args, c) => {
    arity('timeFilter', args, 1);
    return `${args[0]} >= ${toDateTime(c.from)} AND ${args[0]} <= ${toDateTime(c.to)}`;
  },
  timeFilter_ms: (args, c) => {
    arity('timeFilter_ms', args, 1);
    return `${args[0]} >= ${toDateTime64(c.from)} AND ${args[0]} <= ${toDateTime64(c.to)}`;
  },
  dateFilter: (args, c) => {
    arity('dateFilter', args, 1);
    return `${args[0]} >= ${toDate(c.from)} AND ${args[0]} <= ${toDate(c.to)}`;
  },
  dateTimeFilter: (args, c) => dateTimeFilter('dateTimeFilter', args, c),
  dt: (args, c) => dateTimeFilter('dateTimeFilter', args, c),
  timeFrom: (args, c) => {
    arity('timeFrom', args, 1);
    return `${args[0]} >= ${toDateTime(c.from)}`;
  },
  timeTo: (args, c) => {
    arity('timeTo', args, 1);
    return `${args[0]} <= ${toDateTime(c.to)}`;
  },
  timeGroup: (args) => {
    arity('timeGroup', args, 2);
    const period = (args[1] ?? '').trim().replace(/^['"]+|['"]+$/g, '');
    const secs = Math.round(goDurationSeconds(period));
    if (secs <= 0) throw new MacroError(`$__timeGroup: interval must be positive, got "${period}"`);
    return `toStartOfInterval(toDateTime(${(args[0] ?? '').trim()}), INTERVAL ${secs} second)`;
  },
  timeInterval: (args, c) => {
    arity('timeInterval', args, 1);
    return `toStartOfInterval(toDateTime(${args[0]}), INTERVAL ${intervalSeconds(c)} second)`;
  },
  timeInterval_ms: (args, c) => {
    arity('timeInterval_ms', args, 1);
    return `toStartOfInterval(toDateTime64(${args[0]}, 3), INTERVAL ${intervalMillis(c)} millisecond)`;
  },
  interval_s: (_, c) => String(intervalSeconds(c)),
  table: () => {
    throw new MacroError('$__table: no table name in query context');
  },
  column: () => {
    throw new MacroError('$__column: no column name in query context');
  },
};

function dateTimeFilter(name: string, args: string[], c: MacroContext): string {
  arity(name, args, 2);
  const [date, time] = args;
  return `(${date} >= ${toDate(c.from)} AND ${date} <= ${toDate(c.to)}) AND (${time} >= ${toDateTime(c.from)} AND ${time} <= ${toDateTime(c.to)})`;
}

/** Macros the plugin expands that this module does not reproduce: refused rather than passed on. */
const UNSUPPORTED = new Set(['columns', 'rateColumns', 'perSecondColumns', 'increaseColumns', 'lttb', 'adHocFilters', 'interval', 'interval_ms']);

/** The index of the `)` closing the `(` at `open` (quotes respected, doubled quotes only, as the plugin's parser), or -1. */
function closingParen(sql: string, open: number): number {
  let depth = 0;
  let i = open;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      i = quotedEnd(sql, i, false);
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
    i++;
  }
  return -1;
}

/** A macro's argument text split on top-level commas outside quotes, each trimmed; blank text is no argument. */
function splitArgs(raw: string): string[] {
  const text = raw.trim();
  if (text === '') return [];
  const args: string[] = [];
  let depth = 0;
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "'" || c === '"') {
      i = quotedEnd(text, i, false);
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) throw new MacroError(`unexpected ')' at position ${i} in macro arguments "${text}"`);
    else if (c === ',' && depth === 0) {
      args.push(text.slice(start, i).trim());
      start = i + 1;
    }
    i++;
  }
  if (depth !== 0) throw new MacroError(`unbalanced parentheses in macro arguments "${text}"`);
  args.push(text.slice(start).trim());
  return args;
}

/**
 * Every `$__name` and `$__name(args)` replaced by its expansion. A macro in
 * another's arguments is expanded first (the plugin's nested-macro behaviour);
 * a name the plugin does not know is left as written, as the plugin leaves it.
 */
function expandBackendMacros(sql: string, context: MacroContext): string {
  let out = '';
  let i = 0;
  for (;;) {
    const at = sql.indexOf('$__', i);
    if (at === -1) return out + sql.slice(i);
    const name = /^\w*/.exec(sql.slice(at + 3))?.[0] ?? '';
    let end = at + 3 + name.length;
    const macro = Object.hasOwn(MACROS, name) ? MACROS[name] : undefined;
    if (!macro) {
      if (name === 'conditionalAll') throw new MacroError('a $__conditionalAll call is malformed (it needs a condition and a $variable)');
      if (UNSUPPORTED.has(name)) throw new MacroError(`$__${name} is not supported by expandMacros`);
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    let args: string[] = [];
    if (sql[end] === '(') {
      const close = closingParen(sql, end);
      // Unbalanced parentheses: the plugin treats the macro as called without arguments.
      if (close !== -1) {
        args = splitArgs(expandBackendMacros(sql.slice(end + 1, close), context));
        end = close + 1;
      }
    }
    out += sql.slice(i, at) + macro(args, context);
    i = end;
  }
}
