import { Ajv } from 'ajv';
import { scrubMessage } from '../normalize/index.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { judgeEventTime } from './receipt.js';
import { CODE_RULE, codeMatchesCategory } from './schema-kit.js';
import type { Receipt } from './receipt.js';
import { SendEventSchema } from './send-event.js';
import type { SendEvent } from './send-event.js';

export type Validation<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Checks a value against a contract; with a receipt, also its event times against the receipt window. */
export type ContractValidator<T> = (value: unknown, receipt?: Receipt) => Validation<T>;

export interface ContractChecks<T> {
  /** Fields holding event times (UTC milliseconds), judged against the receipt window when a receipt is given. */
  timeFields?: readonly (keyof T & string)[];
  /**
   * The code and category fields, whose rule (`codeBelongsToCategory`, the
   * schema's `allOf`) is checked natively instead of by ajv: ajv spends ~2 µs
   * an event on it, a third of the validation.
   */
  codeOfCategory?: { code: keyof T & string; category: keyof T & string };
}

function describe(errors: ErrorObject[] | null | undefined): string {
  const first = errors?.[0];
  if (!first) return 'invalid';
  const where = first.instancePath || '(root)';
  // The unknown property's name came from the input: scrubbed and cut, so a reason never carries an address.
  const name = scrubMessage(String((first.params as { additionalProperty?: string }).additionalProperty)).slice(0, 40);
  const extra = first.keyword === 'additionalProperties' ? ` '${name}'` : '';
  return `${where} ${first.message ?? 'is invalid'}${extra}`;
}

/**
 * A contract's checker, compiled on first use: the reason of a refusal names
 * the first offending field (`/code must be equal to one of the allowed values`).
 * Without a receipt it checks what the event says on its own (producers, the
 * webhook normalizers); the loader passes one (`onReceipt`), so that times
 * the tables would not keep are refused before they are stored.
 */
export function contractValidator<T>(schema: object, checks: ContractChecks<T> = {}): ContractValidator<T> {
  let compiled: ValidateFunction<T> | undefined;
  const timeFields: readonly string[] = checks.timeFields ?? [];
  const codeOfCategory = checks.codeOfCategory;
  const compiledSchema = codeOfCategory ? withoutCodeRule(schema) : schema;
  const accepts = flatContractCheck(compiledSchema);
  return (value, receipt) => {
    // ajv for whatever the flat check does not accept: it words the reason, and has the last word.
    if (!accepts?.(value)) {
      compiled ??= new Ajv({ allErrors: false, strict: true }).compile<T>(compiledSchema);
      if (!compiled(value)) return { ok: false, reason: describe(compiled.errors) };
    }
    if (codeOfCategory) {
      const event = value as Record<string, unknown>;
      const refusal = codeMatchesCategory(event[codeOfCategory.code], event[codeOfCategory.category]);
      if (refusal !== null) return { ok: false, reason: refusal };
    }
    if (receipt) {
      for (const field of timeFields) {
        const refusal = judgeEventTime(field, (value as Record<string, string>)[field] ?? '', receipt);
        if (refusal !== null) return { ok: false, reason: refusal };
      }
    }
    return { ok: true, value: value as T };
  };
}

/** One field of a flat contract, as the checks compiled from it read it. */
export interface FieldSchema {
  type?: string;
  const?: unknown;
  enum?: unknown[];
  anyOf?: FieldSchema[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
}

/** Keywords that say nothing about validity. Any other keyword not in FIELD_RULES leaves the contract to ajv alone. */
const ANNOTATIONS = new Set(['description', 'title', '$comment', '$id']);

/** Length in code points, as JSON Schema (and ajv) count a string's length: a surrogate pair is one character. */
export function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i += 1;
    }
    count += 1;
  }
  return count;
}

/** A JSON type as ajv checks it (`integer` is a number with no fraction; `number` a finite one). */
const TYPE_TESTS: Readonly<Record<string, string>> = {
  string: `typeof v === 'string'`,
  number: `(typeof v === 'number' && Number.isFinite(v))`,
  integer: `(typeof v === 'number' && Number.isInteger(v))`,
  null: 'v === null',
  boolean: `typeof v === 'boolean'`,
};

/** Registers a constant the generated code refers to, returning its name. */
type Constant = (value: unknown) => string;

/** Each keyword as a JavaScript condition on `v`; string and number keywords hold only for values of their type, as in JSON Schema. */
const FIELD_RULES: Readonly<Record<keyof FieldSchema, (schema: FieldSchema, constant: Constant) => string | null>> = {
  type: (s) => TYPE_TESTS[s.type as string] ?? null,
  const: (s, c) => (s.const !== null && typeof s.const === 'object' ? null : `v === ${c(s.const)}`),
  enum: (s, c) => (s.enum?.some((x) => x !== null && typeof x === 'object') ? null : `${c(new Set(s.enum))}.has(v)`),
  anyOf: (s, c) => {
    const branches = (s.anyOf ?? []).map((branch) => fieldCondition(branch, c));
    return branches.some((branch) => branch === null) ? null : `(${branches.join(' || ')})`;
  },
  pattern: (s, c) => `(typeof v !== 'string' || ${c(new RegExp(s.pattern as string, 'u'))}.test(v))`,
  minLength: (s, c) => `(typeof v !== 'string' || v.length >= ${2 * (s.minLength as number)} || ${c(codePointLength)}(v) >= ${s.minLength as number})`,
  maxLength: (s, c) => `(typeof v !== 'string' || v.length <= ${s.maxLength as number} || ${c(codePointLength)}(v) <= ${s.maxLength as number})`,
  minimum: (s) => `(typeof v !== 'number' || v >= ${s.minimum as number})`,
  maximum: (s) => `(typeof v !== 'number' || v <= ${s.maximum as number})`,
};

/** A field schema as one condition on `v`; null when it uses a keyword not handled here. */
function fieldCondition(schema: FieldSchema, constant: Constant): string | null {
  const conditions: string[] = [];
  for (const [keyword, value] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword)) continue;
    const rule = FIELD_RULES[keyword as keyof FieldSchema] as ((s: FieldSchema, c: Constant) => string | null) | undefined;
    if (!rule || (typeof value === 'number' && !Number.isFinite(value))) return null;
    const condition = rule(schema, constant);
    if (condition === null) return null;
    conditions.push(condition);
  }
  return conditions.length === 0 ? 'true' : conditions.join(' && ');
}

/**
 * A flat contract (an object of scalar fields, `additionalProperties:
 * false`) compiled into one function that reads each field by name: on the
 * loader's hot path it accepts a valid event for a fraction of what ajv's
 * general code costs (ajv counts every string's code points for maxLength;
 * this counts them only when the UTF-16 length is over the bound). It only
 * ever accepts: whatever it does not, ajv judges and words. Null when the
 * schema uses anything not handled here, leaving it to ajv alone. A property
 * test holds its verdicts to ajv's on both contracts.
 */
export function flatContractCheck(schema: object): ((value: unknown) => boolean) | null {
  const { type, properties, required = [], additionalProperties, ...rest } = schema as { type?: string; properties?: Record<string, FieldSchema>; required?: string[]; additionalProperties?: unknown };
  if (type !== 'object' || !properties || additionalProperties !== false) return null;
  if (Object.keys(rest).some((key) => !ANNOTATIONS.has(key))) return null;
  const constants: unknown[] = [];
  const constant: Constant = (value) => {
    constants.push(value);
    return `K[${constants.length - 1}]`;
  };
  const names = Object.keys(properties);
  const lines: string[] = [];
  for (const name of names) {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) return null;
    const condition = fieldCondition(properties[name] as FieldSchema, constant);
    if (condition === null) return null;
    // ajv's reading: a field whose value is undefined is absent.
    lines.push(`v = e.${name}; if (v === undefined) { ${required.includes(name) ? 'return false;' : ''} } else if (!(${condition})) return false;`);
  }
  const known = constant(new Set(names));
  const body = `return (e) => {
    if (!e || typeof e !== 'object' || Array.isArray(e)) return false;
    for (const key in e) if (!${known}.has(key)) return false;
    let v;
    ${lines.join('\n    ')}
    return true;
  };`;
  // Generated from the contract's own schema (field names checked above), never from input.
  return (new Function('K', body) as (k: unknown[]) => (value: unknown) => boolean)(constants);
}

/** The schema without its `allOf`, which must hold the code rule only: any other rule there would go unchecked. */
function withoutCodeRule(schema: object): object {
  const { allOf, ...rest } = schema as { allOf?: { $comment?: string }[] };
  if (allOf?.some((rule) => rule.$comment !== CODE_RULE)) throw new Error('a contract\'s allOf may hold only the code rule, which the validator checks natively');
  return rest;
}

/** Checks a decoded value against the send-event contract; the reason names the first offending field. */
export const validateSendEvent: ContractValidator<SendEvent> = contractValidator<SendEvent>(SendEventSchema, {
  timeFields: ['occurred_at'],
  codeOfCategory: { code: 'code', category: 'category' },
});
