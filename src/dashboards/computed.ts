import { expandMacros } from './macros.js';
import type { MacroContext, VariableValue } from './macros.js';
import type { VariableSpec } from './types.js';

/** What running a computed variable's SQL takes: a ClickHouse client's `query`, structurally (this stage imports no client). */
export interface SqlRunner {
  query(params: { query: string; format: 'JSONCompactEachRow' }): Promise<{ json(): Promise<unknown> }>;
}

type ComputedVariable = Extract<VariableSpec, { kind: 'computed' }>;

/** The computed variables among `variables` that `sql` names (`$name`, `${name}`, `${name:format}`): the ones it needs resolved first. */
export function computedVariablesIn(sql: string, variables: readonly VariableSpec[]): ComputedVariable[] {
  return variables.filter((v): v is ComputedVariable => v.kind === 'computed' && new RegExp(`\\$\\{?${v.name}\\b`).test(sql));
}

/**
 * The variables a dashboard's panels are expanded with, the computed ones added, as Grafana has
 * them before it runs the panels: each computed variable's SQL expanded with the variables before
 * it over the context's range, and the first column of its first row taken (the empty string when
 * it returns none). The bench, the report and the tests resolve them here, so no panel runs with a
 * computed value Grafana would not have.
 */
export async function withComputedVariables(variables: readonly VariableSpec[], context: MacroContext, runner: SqlRunner): Promise<Record<string, VariableValue>> {
  const values: Record<string, VariableValue> = { ...context.variables };
  for (const variable of variables) {
    if (variable.kind !== 'computed') continue;
    const result = await runner.query({ query: expandMacros(variable.sql, { ...context, variables: values }), format: 'JSONCompactEachRow' });
    const rows = (await result.json()) as unknown[][];
    values[variable.name] = String(rows[0]?.[0] ?? '');
  }
  return values;
}
