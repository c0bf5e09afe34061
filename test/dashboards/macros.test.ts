import { describe, expect, it } from 'vitest';
import { ALL_VALUE, expandMacros, MacroError } from '../../src/dashboards/index.js';
import type { MacroContext } from '../../src/dashboards/index.js';

/**
 * expandMacros against the expected strings of the code it reproduces:
 *  - backend macros: grafana/clickhouse-datasource pkg/macros/macros_test.go (commit 1d04063a,
 *    v4.20.0), and the comment/quote handling of grafana/macropro the plugin configures there;
 *  - $__conditionalAll: the plugin's src/data/CHDatasource.test.ts ("Conditional All");
 *  - variable formats: grafana/scenes formatRegistry.test.ts.
 * The `want` strings are copied from those tests; the inputs and contexts are theirs.
 */

const time = (iso: string) => new Date(iso);
/** macros_test.go: most cases run over this range with no interval. */
const RANGE: MacroContext = { from: time('2014-11-12T11:45:26.371Z'), to: time('2015-11-12T11:45:26.371Z'), intervalMs: 0 };
/** TestInterpolate and its siblings use a range with different milliseconds at each end. */
const INTERPOLATE: MacroContext = { from: time('2014-11-12T11:45:26.123Z'), to: time('2015-11-12T11:45:26.456Z'), intervalMs: 0 };

describe('backend macros (pkg/macros/macros_test.go)', () => {
  const cases: [string, string, string, MacroContext][] = [
    ['$__fromTime', '$__fromTime', 'toDateTime(1415792726)', RANGE],
    ['$__toTime', '$__toTime', 'toDateTime(1447328726)', RANGE],
    ['$__fromTime_ms', '$__fromTime_ms', 'fromUnixTimestamp64Milli(1415792726371)', RANGE],
    ['$__toTime_ms', '$__toTime_ms', 'fromUnixTimestamp64Milli(1447328726371)', RANGE],
    ['$__dateFilter', '$__dateFilter(dateCol)', "dateCol >= toDate('2014-11-12') AND dateCol <= toDate('2015-11-12')", RANGE],
    [
      '$__dateTimeFilter',
      '$__dateTimeFilter(dateCol, timeCol)',
      "(dateCol >= toDate('2014-11-12') AND dateCol <= toDate('2015-11-12')) AND (timeCol >= toDateTime(1415792726) AND timeCol <= toDateTime(1447328726))",
      RANGE,
    ],
    ['$__timeInterval', '$__timeInterval(col)', 'toStartOfInterval(toDateTime(col), INTERVAL 20 second)', { ...RANGE, intervalMs: 20_000 }],
    ['$__timeInterval_ms', '$__timeInterval_ms(col)', 'toStartOfInterval(toDateTime64(col, 3), INTERVAL 20000 millisecond)', { ...RANGE, intervalMs: 20_000 }],
    ['$__interval_s', '$__interval_s', '20', { ...RANGE, intervalMs: 20_000 }],
    ['$__timeFrom', '$__timeFrom(ts)', 'ts >= toDateTime(1415792726)', RANGE],
    ['$__timeTo', '$__timeTo(ts)', 'ts <= toDateTime(1447328726)', RANGE],
    ['$__timeGroup 5m', '$__timeGroup(ts, 5m)', 'toStartOfInterval(toDateTime(ts), INTERVAL 300 second)', RANGE],
    ['$__timeGroup 1h', '$__timeGroup(ts, 1h)', 'toStartOfInterval(toDateTime(ts), INTERVAL 3600 second)', RANGE],
  ];
  it.each(cases)('%s', (_, sql, want, context) => {
    expect(expandMacros(sql, context)).toBe(want);
  });

  it('$__dt is $__dateTimeFilter', () => {
    expect(expandMacros('$__dt(d, t)', RANGE)).toBe(expandMacros('$__dateTimeFilter(d, t)', RANGE));
  });

  it('the interval is at least one second (or millisecond), in whole units', () => {
    expect(expandMacros('$__interval_s', { ...RANGE, intervalMs: 0 })).toBe('1');
    expect(expandMacros('$__interval_s', { ...RANGE, intervalMs: 1_500 })).toBe('1');
    expect(expandMacros('$__timeInterval_ms(c)', { ...RANGE, intervalMs: 0 })).toBe('toStartOfInterval(toDateTime64(c, 3), INTERVAL 1 millisecond)');
  });

  it.each([
    ['$__timeFilter()', '$__timeFilter expected 1 argument(s), received 0'],
    ['$__timeFilter_ms', '$__timeFilter_ms expected 1 argument(s), received 0'],
    ['$__dateFilter()', '$__dateFilter expected 1 argument(s), received 0'],
    ['$__dateTimeFilter(d)', '$__dateTimeFilter expected 2 argument(s), received 1'],
    ['$__timeInterval()', '$__timeInterval expected 1 argument(s), received 0'],
    ['$__timeInterval_ms()', '$__timeInterval_ms expected 1 argument(s), received 0'],
    ['$__timeFrom()', '$__timeFrom expected 1 argument(s), received 0'],
    ['$__timeTo()', '$__timeTo expected 1 argument(s), received 0'],
    ['$__timeGroup(ts)', '$__timeGroup expected 2 argument(s), received 1'],
    ['$__timeGroup(ts, not-a-duration)', '$__timeGroup: invalid interval'],
    ['$__table', '$__table: no table name in query context'],
  ])('%s is refused, as the plugin refuses it', (sql, message) => {
    expect(() => expandMacros(sql, RANGE)).toThrow(MacroError);
    expect(() => expandMacros(sql, RANGE)).toThrow(message);
  });
});

describe('Interpolate (pkg/macros/macros_test.go)', () => {
  const cases: [string, string, string][] = [
    ['clickhouse timeFilter', 'select * from foo where $__timeFilter(cast(sth as timestamp))', 'select * from foo where cast(sth as timestamp) >= toDateTime(1415792726) AND cast(sth as timestamp) <= toDateTime(1447328726)'],
    ['clickhouse timeFilter with empty spaces', 'select * from foo where $__timeFilter(cast(sth as timestamp) )', 'select * from foo where cast(sth as timestamp) >= toDateTime(1415792726) AND cast(sth as timestamp) <= toDateTime(1447328726)'],
    ['clickhouse timeFilter_ms', 'select * from foo where $__timeFilter_ms(cast(sth as timestamp))', 'select * from foo where cast(sth as timestamp) >= fromUnixTimestamp64Milli(1415792726123) AND cast(sth as timestamp) <= fromUnixTimestamp64Milli(1447328726456)'],
    ['clickhouse timeFilter_ms with empty spaces', 'select * from foo where $__timeFilter_ms(cast(sth as timestamp) )', 'select * from foo where cast(sth as timestamp) >= fromUnixTimestamp64Milli(1415792726123) AND cast(sth as timestamp) <= fromUnixTimestamp64Milli(1447328726456)'],
    ['clickhouse fromTime and toTime', 'select * from foo where ( date >= $__fromTime and date <= $__toTime ) limit 100', 'select * from foo where ( date >= toDateTime(1415792726) and date <= toDateTime(1447328726) ) limit 100'],
    ['clickhouse fromTime and toTime inside a complex clauses', 'select * from foo where ( date >= $__fromTime ) and ( date <= $__toTime ) limit 100', 'select * from foo where ( date >= toDateTime(1415792726) ) and ( date <= toDateTime(1447328726) ) limit 100'],
    ['clickhouse fromTime_ms and toTime_ms', 'select * from foo where ( date >= $__fromTime_ms and date <= $__toTime_ms ) limit 100', 'select * from foo where ( date >= fromUnixTimestamp64Milli(1415792726123) and date <= fromUnixTimestamp64Milli(1447328726456) ) limit 100'],
    ['clickhouse fromTime_ms and toTime_ms inside a complex clauses', 'select * from foo where ( date >= $__fromTime_ms ) and ( date <= $__toTime_ms ) limit 100', 'select * from foo where ( date >= fromUnixTimestamp64Milli(1415792726123) ) and ( date <= fromUnixTimestamp64Milli(1447328726456) ) limit 100'],
  ];
  it.each(cases)('%s', (_, sql, want) => {
    expect(expandMacros(sql, INTERPOLATE)).toBe(want);
  });

  // TestInterpolateNestedMacros runs with a one-minute interval.
  const nested: [string, string, string][] = [
    ['macro as sole argument of another macro (#2038 repro)', 'SELECT $__timeInterval($__fromTime) AS from_time', 'SELECT toStartOfInterval(toDateTime(toDateTime(1415792726)), INTERVAL 60 second) AS from_time'],
    ['millisecond variants nest the same way', 'SELECT $__timeInterval_ms($__fromTime_ms)', 'SELECT toStartOfInterval(toDateTime64(fromUnixTimestamp64Milli(1415792726123), 3), INTERVAL 60000 millisecond)'],
    [
      'macro nested inside a larger argument expression',
      'select * from foo where $__timeFilter(coalesce(closed_at, $__toTime))',
      'select * from foo where coalesce(closed_at, toDateTime(1447328726)) >= toDateTime(1415792726) AND coalesce(closed_at, toDateTime(1447328726)) <= toDateTime(1447328726)',
    ],
  ];
  it.each(nested)('nested: %s', (_, sql, want) => {
    expect(expandMacros(sql, { ...INTERPOLATE, intervalMs: 60_000 })).toBe(want);
  });

  // TestInterpolateBackslashEscapedStringLiterals and TestInterpolateBacktickAndDollarQuotedRegions.
  const quoting: [string, string, string][] = [
    ['backslash-escaped quote with -- inside the literal keeps the trailing macro', "select * from foo where msg = 'it\\'s -- fine' and $__fromTime", "select * from foo where msg = 'it\\'s -- fine' and toDateTime(1415792726)"],
    ['backslash-escaped quote with /* inside the literal keeps the trailing macro', "select * from foo where msg = 'a\\'/*x' and $__toTime", "select * from foo where msg = 'a\\'/*x' and toDateTime(1447328726)"],
    ['doubled-quote escape is still preserved', "select * from foo where msg = 'it''s' and $__fromTime", "select * from foo where msg = 'it''s' and toDateTime(1415792726)"],
    [
      'backtick identifier with apostrophe keeps later literal and macro intact',
      "SELECT `it's` AS x, msg FROM t WHERE msg = 'a--b' AND $__timeFilter(ts)",
      "SELECT `it's` AS x, msg FROM t WHERE msg = 'a--b' AND ts >= toDateTime(1415792726) AND ts <= toDateTime(1447328726)",
    ],
    ['backtick identifier containing -- and /* survives verbatim', 'SELECT `a--b`, `c/*d` FROM t WHERE $__fromTime', 'SELECT `a--b`, `c/*d` FROM t WHERE toDateTime(1415792726)'],
    ['dollar-quoted string containing -- survives with macro expanded', 'SELECT $doc$a--b$doc$ AS x FROM t WHERE $__toTime', 'SELECT $doc$a--b$doc$ AS x FROM t WHERE toDateTime(1447328726)'],
  ];
  it.each(quoting)('%s', (_, sql, want) => {
    expect(expandMacros(sql, INTERPOLATE)).toBe(want);
  });

  it('blanks comments to spaces of the same length, so a macro in a comment is never expanded', () => {
    const sql = 'SELECT 1 -- $__timeFilter()\nFROM t /* $__table */ WHERE $__fromTime';
    const blank = (text: string) => ' '.repeat(text.length);
    expect(expandMacros(sql, INTERPOLATE)).toBe(`SELECT 1 ${blank('-- $__timeFilter()')}\nFROM t ${blank('/* $__table */')} WHERE toDateTime(1415792726)`);
    expect(expandMacros('SELECT 1 /* unterminated $__table', INTERPOLATE)).toBe(`SELECT 1 ${blank('/* unterminated $__table')}`);
  });

  it('leaves a $__ name the plugin does not know as written, and refuses ones it expands differently', () => {
    expect(expandMacros('SELECT $__unknown(x), $__fromTimeX', INTERPOLATE)).toBe('SELECT $__unknown(x), $__fromTimeX');
    expect(() => expandMacros('SELECT $__lttb(100, t, v) FROM t', INTERPOLATE)).toThrow('$__lttb is not supported');
  });
});

describe('$__conditionalAll (src/data/CHDatasource.test.ts)', () => {
  const all = (variables: MacroContext['variables']): MacroContext => ({ ...INTERPOLATE, variables });

  it("keeps the condition when a value is selected: '$__conditionalAll(foo, $fieldVal)' is 'foo'", () => {
    expect(expandMacros('$__conditionalAll(foo, $fieldVal)', all({ fieldVal: "'val1', 'val2'" }))).toBe('foo');
  });

  it('is 1=1 when All is selected', () => {
    expect(expandMacros('$__conditionalAll(foo, $fieldVal)', all({ fieldVal: ALL_VALUE }))).toBe('1=1');
    expect(expandMacros('select stuff from table where $__conditionalAll(fieldVal in ($fieldVal), $fieldVal);', all({ fieldVal: [ALL_VALUE] }))).toBe('select stuff from table where 1=1;');
  });

  it('replaces every call, each by its own variable (then interpolates what is left)', () => {
    const sql = 'select stuff from table where $__conditionalAll(fieldVal in ($fieldVal), $fieldVal) and $__conditionalAll(fieldVal in ($fieldVal2), $fieldVal2);';
    // The plugin test stops at "fieldVal in ($fieldVal) and 1=1"; Grafana then interpolates $fieldVal as it is.
    expect(expandMacros(sql, all({ fieldVal: "'val1', 'val2'", fieldVal2: ALL_VALUE }))).toBe("select stuff from table where fieldVal in ('val1', 'val2') and 1=1;");
  });

  it('treats an empty variable as All (CHANGELOG: "Allow empty Inputs for $__conditionalAll")', () => {
    expect(expandMacros("WHERE $__conditionalAll(positionCaseInsensitive(Body, '$search') > 0, $search)", all({ search: '' }))).toBe('WHERE 1=1');
    expect(expandMacros('WHERE $__conditionalAll(x IN ($v), $v)', all({ v: [] }))).toBe('WHERE 1=1');
  });

  it('reads ${var} in the second argument but not ${var:format} (the plugin docs say so)', () => {
    expect(expandMacros('$__conditionalAll(x, ${v})', all({ v: ALL_VALUE }))).toBe('1=1');
    expect(expandMacros("$__conditionalAll(x IN ('a'), ${v:singlequote})", all({ v: ALL_VALUE }))).toBe("x IN ('a')");
  });

  it('a selection becomes an IN list with the singlequote format', () => {
    expect(expandMacros('$__conditionalAll(provider IN (${provider:singlequote}), $provider)', all({ provider: ['ses', 'resend'] }))).toBe("provider IN ('ses','resend')");
  });
});

describe('template variables', () => {
  const withVars = (variables: MacroContext['variables']): MacroContext => ({ ...INTERPOLATE, variables });

  it.each([
    ['${v:singlequote}', 'test', "'test'"],
    ['${v:singlequote}', ['test', "test'2"], "'test','test\\'2'"],
    ['${v:doublequote}', 'test', '"test"'],
    ['${v:doublequote}', ['test', 'test"2'], '"test","test\\"2"'],
    ['${v:sqlstring}', "test'value", "'test''value'"],
    ['${v:sqlstring}', 'test"value', "'test\\\"value'"],
    ['${v:sqlstring}', ['test', "test'value2", 'test"value3'], "'test','test''value2','test\\\"value3'"],
    ['${v:csv}', ['test', 'test2'], 'test,test2'],
    ['${v:raw}', ['12', '13'], '12,13'],
  ])('%s of %j is %s (grafana/scenes formatRegistry.test.ts)', (sql, value, want) => {
    expect(expandMacros(sql, withVars({ v: value }))).toBe(want);
  });

  it("without a format: the plugin's own, a list quoted and comma-joined, a single value as is", () => {
    expect(expandMacros('x IN ($v)', withVars({ v: ['a', 'b'] }))).toBe("x IN ('a','b')");
    expect(expandMacros("x = '${v}' AND y = '[[v]]'", withVars({ v: 'a' }))).toBe("x = 'a' AND y = 'a'");
  });

  it('leaves unknown names, and refuses what it cannot reproduce', () => {
    expect(expandMacros('SELECT $nope', withVars({}))).toBe('SELECT $nope');
    expect(() => expandMacros('x IN (${v:singlequote})', withVars({ v: ALL_VALUE }))).toThrow('"All" is only supported inside $__conditionalAll');
    expect(() => expandMacros('${v:lucene}', withVars({ v: 'a' }))).toThrow('format "lucene" is not supported');
    expect(() => expandMacros('${v.field}', withVars({ v: 'a' }))).toThrow('field paths');
    expect(() => expandMacros('INTERVAL $__interval_ms millisecond', withVars({}))).toThrow("Grafana's frontend macro");
  });
});
