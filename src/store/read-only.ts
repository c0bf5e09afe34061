import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import type { StoreConfig } from './client.js';

/**
 * The read-only check of `sendlens sql`: a statement is judged on ClickHouse's
 * OWN parse of it (`formatQuery`, then `EXPLAIN AST` of the one statement it
 * printed), never on its text, so comments, quoting and multi-statements cannot
 * hide anything. Everything below is an allow-list except the few ordinary
 * functions that reach outside the engine.
 */

/** A statement the read-only mode will not run; the message is one line, for the terminal. */
export class StatementRefusedError extends Error {
  constructor(reason: string) {
    super(`refused in readonly mode (sendlens sql --write runs anything): ${reason}`);
    this.name = 'StatementRefusedError';
  }
}

/**
 * The statements that only read, by the AST node ClickHouse parses them to,
 * and the children each may have at its top (anything else there is an output
 * option: FORMAT is an Identifier, INTO OUTFILE a Literal, SETTINGS a Set).
 */
const READ_STATEMENTS: Record<string, Record<string, number>> = {
  SelectWithUnionQuery: { ExpressionList: 1 },
  // EXPLAIN's own options (indexes = 1, header = 1) are the Set right under it, not query settings.
  Explain: { Set: 1, SelectWithUnionQuery: 1 },
  DescribeQuery: { TableExpression: 1 },
  ShowTables: { Identifier: 1 },
  ShowColumns: {},
  ShowCreateTableQuery: { Identifier: 2 },
  ExistsTableQuery: { Identifier: 2 },
};

/** Table functions that read nothing outside the engine: they generate rows, or wrap a query that is itself checked. */
const TABLE_FUNCTIONS_ALLOWED = new Set(['numbers', 'numbers_mt', 'zeros', 'zeros_mt', 'generateseries', 'generate_series', 'values', 'null', 'view']);

/** Functions whose right-hand argument is read as a table (`x IN file(...)` reads the file). */
const TABLE_ARGUMENT_FUNCTIONS = new Set(['in', 'notin', 'globalin', 'globalnotin', 'nullin', 'notnullin', 'globalnullin', 'globalnotnullin']);

/**
 * Ordinary (not table) functions that read files, open connections, load
 * models, look up dictionaries (whose sources may be external) or stall the
 * engine. `dict*` is refused by prefix: every dictionary accessor.
 */
const FUNCTIONS_REFUSED = new Set([
  'file', 'url', 's3', 'remote', 'remotesecure', 'input', 'catboostevaluate', 'modelevaluate', 'hascolumnintable',
  'joinget', 'joingetornull', 'getclienthttpheader', 'naivebayesclassifier', 'sleep', 'sleepeachrow',
  'addresstoline', 'addresstolinewithinlines', 'addresstosymbol', 'demangle',
]);
const FUNCTION_PREFIXES_REFUSED = ['dict'];

/**
 * `system` tables a read may use: the catalogue and the engine's own numbers.
 * The rest (processes, query_log, text_log, users, grants, named_collections…)
 * hold other queries' text or credentials.
 */
const SYSTEM_TABLES_ALLOWED = new Set([
  'one', 'numbers', 'numbers_mt', 'zeros', 'zeros_mt', 'databases', 'tables', 'columns', 'parts', 'parts_columns',
  'data_skipping_indices', 'settings', 'merge_tree_settings', 'build_options', 'functions', 'table_functions',
  'table_engines', 'formats', 'data_type_families', 'time_zones', 'collations', 'merges', 'mutations', 'disks',
]);

interface AstNode {
  type: string;
  /** What follows the type on its line, alias and children count removed: a function's or identifier's name. */
  name: string;
  depth: number;
  declaredChildren: number;
  children: AstNode[];
  parent: AstNode | undefined;
}

const UNVERIFIABLE = 'its parse could not be read unambiguously (a line break in a name?)';

/**
 * The tree from EXPLAIN AST's lines (one space of indent per level). A name or
 * alias with a line break in it splits a node over two lines; every node
 * states how many children it has, so such a split never adds up and is refused.
 */
function parseAst(lines: string[]): AstNode {
  const stack: AstNode[] = [];
  let root: AstNode | undefined;
  for (const line of lines) {
    const match = /^( *)([A-Za-z]+)(.*?)(?: \(children (\d+)\))?$/.exec(line);
    if (!match) throw new StatementRefusedError(UNVERIFIABLE);
    const depth = match[1]?.length ?? 0;
    const node: AstNode = {
      type: match[2] ?? '',
      name: (match[3] ?? '').replace(/ \(alias .*\)$/, '').trim(),
      depth,
      declaredChildren: Number(match[4] ?? 0),
      children: [],
      parent: undefined,
    };
    while (stack.length > 0 && (stack[stack.length - 1]?.depth ?? 0) >= depth) stack.pop();
    const parent = stack[stack.length - 1];
    if (parent) {
      if (depth !== parent.depth + 1) throw new StatementRefusedError(UNVERIFIABLE);
      node.parent = parent;
      parent.children.push(node);
    } else {
      if (root || depth !== 0) throw new StatementRefusedError(UNVERIFIABLE);
      root = node;
    }
    stack.push(node);
  }
  if (!root) throw new StatementRefusedError(UNVERIFIABLE);
  const check = (node: AstNode): void => {
    if (node.children.length !== node.declaredChildren) throw new StatementRefusedError(UNVERIFIABLE);
    node.children.forEach(check);
  };
  check(root);
  return root;
}

function readsAsTable(node: AstNode): boolean {
  const parent = node.parent;
  if (parent?.type === 'TableExpression') return true;
  // The right-hand side of IN: the function node's ExpressionList, second argument.
  const call = parent?.parent;
  return parent?.type === 'ExpressionList' && call?.type === 'Function' && TABLE_ARGUMENT_FUNCTIONS.has(call.name.toLowerCase()) && parent.children[1] === node;
}

/** Why a node makes the statement more than a read, or undefined. Every node of the tree is asked. */
function refusal(node: AstNode): string | undefined {
  if (node.type === 'Set' && !(node.parent?.type === 'Explain' && node.parent.parent === undefined)) {
    return 'a SETTINGS clause (the row bound and read-only mode are not negotiable)';
  }
  if (node.type === 'SelectWithUnionQuery' && node.children.some((child) => child.type !== 'ExpressionList')) {
    return 'FORMAT, INTO OUTFILE and SETTINGS are not allowed (sendlens sql formats the rows itself: --format)';
  }
  if (node.type === 'Function') {
    const name = node.name.toLowerCase();
    if (readsAsTable(node) && !TABLE_FUNCTIONS_ALLOWED.has(name)) return `the table function ${node.name}() reads outside the store`;
    if (FUNCTIONS_REFUSED.has(name) || FUNCTION_PREFIXES_REFUSED.some((prefix) => name.startsWith(prefix))) return `the function ${node.name}() reaches outside the store`;
  }
  if (node.type === 'TableIdentifier' || node.type === 'Identifier') {
    const [database, table] = node.name.split('.', 2);
    if (database === 'system' && table !== undefined && !SYSTEM_TABLES_ALLOWED.has(table)) return `system.${table} holds other queries or credentials`;
  }
  return undefined;
}

function firstRefusal(node: AstNode): string | undefined {
  const own = refusal(node);
  if (own) return own;
  for (const child of node.children) {
    const found = firstRefusal(child);
    if (found) return found;
  }
  return undefined;
}

/**
 * Checks one statement and returns the text to run: ClickHouse's own
 * reprint of it (comments gone, exactly one statement), which is what was
 * checked. Throws StatementRefusedError for anything but a plain read; a
 * statement that does not parse throws ClickHouse's syntax error.
 */
export async function checkReadOnlyStatement(client: ClickHouseClient, statement: string): Promise<string> {
  // The statement travels as a bound parameter: data to the parser, never SQL of this query.
  let canonical: string | undefined;
  try {
    const formatted = await client.query({ query: 'SELECT formatQuery({statement:String}) AS canonical', query_params: { statement }, format: 'JSONEachRow' });
    canonical = ((await formatted.json()) as { canonical: string }[])[0]?.canonical;
  } catch (error) {
    const message = (error as Error).message;
    if (/Multi-statements are not allowed/.test(message)) throw new StatementRefusedError('one statement at a time (there is more after the first)');
    // The parser's message, without the echo of this wrapper query around the user's statement.
    (error as Error).message = message.replace(/\s*:?\s*In scope SELECT formatQuery[\s\S]*$/, '');
    throw error;
  }
  if (!canonical) throw new StatementRefusedError('the statement is empty');
  // exec, not query: query would append its own FORMAT, which EXPLAIN would hand to the inner statement.
  const explained = await client.exec({ query: `EXPLAIN AST ${canonical}`, clickhouse_settings: { default_format: 'JSONEachRow' } });
  let text = '';
  for await (const chunk of explained.stream) text += String(chunk);
  const lines = text.split('\n').filter((line) => line !== '').map((line) => (JSON.parse(line) as { explain: string }).explain);
  const root = parseAst(lines);
  const allowedChildren = READ_STATEMENTS[root.type];
  // The statement's own words for the message: SHOW PROCESSLIST, not SHOW (SHOW TABLES is a read).
  const words = canonical.split(/\s+/);
  const keyword = (words[0] === 'SHOW' ? words.slice(0, 2) : words.slice(0, 1)).join(' ');
  if (!allowedChildren) throw new StatementRefusedError(`${keyword} is not a read (only SELECT, WITH, UNION, EXPLAIN, SHOW, DESCRIBE, EXISTS)`);
  const seen: Record<string, number> = {};
  for (const child of root.children) {
    seen[child.type] = (seen[child.type] ?? 0) + 1;
    if (seen[child.type]! > (allowedChildren[child.type] ?? 0)) {
      throw new StatementRefusedError('FORMAT, INTO OUTFILE and SETTINGS are not allowed (sendlens sql formats the rows itself: --format)');
    }
  }
  const reason = firstRefusal(root);
  if (reason) throw new StatementRefusedError(reason);
  return canonical;
}

/**
 * The engine's side of a bounded statement: at most maxRows + 1 rows come
 * back (the extra one tells the caller the output was cut). Read-only
 * statements also get `readonly`: in the embedded engine 1, set last, after
 * which chDB refuses any change of setting (a query's own SETTINGS included)
 * and the table functions that reach files or the network; on a server 2,
 * the level a restricted profile can still be sent the row bound under (see
 * the README for that profile and its grants).
 */
export function statementSettings(config: StoreConfig, options: { maxRows: number; readOnly: boolean }): ClickHouseSettings {
  const bounds: ClickHouseSettings = { max_result_rows: String(options.maxRows + 1), result_overflow_mode: 'break' };
  if (!options.readOnly) return bounds;
  return { ...bounds, readonly: config.url ? '2' : '1' };
}
