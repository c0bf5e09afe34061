import { Type } from '@sinclair/typebox';
import type { SchemaOptions, TUnsafe } from '@sinclair/typebox';
import { ALL_CODES, categoryOf } from '../normalize/index.js';

/**
 * A closed list of strings as JSON Schema `enum`. Equivalent to a union of
 * literals (`anyOf` of `const`), but ajv checks an enum with one comparison
 * per value, where an anyOf builds and throws away an error per failed
 * branch: for the 60-odd normalized codes that made validation the largest
 * cost of decoding an event in the loader.
 */
export function oneOf<T extends string>(values: readonly T[], options: SchemaOptions = {}): TUnsafe<T> {
  return Type.Unsafe<T>({ ...options, type: 'string', enum: [...values] });
}

/** `oneOf`, or null. */
export function oneOfOrNull<T extends string>(values: readonly T[], options: SchemaOptions = {}): TUnsafe<T | null> {
  return Type.Unsafe<T | null>({ ...options, enum: [...values, null] });
}

/**
 * The largest values the ClickHouse columns behind the contracts can hold.
 * ClickHouse does not refuse a JSON number too large for an unsigned column:
 * it wraps it (2^32 + 5 in a UInt32 is stored as 5), so the contract must. (The UInt16 columns have
 * tighter bounds of their own: attempt, HTTP status, SMTP reply code.)
 */
export const UINT32_MAX = 0xffff_ffff;

/** Why a code must match its category: the reason of a refusal, and the rule's `$comment` in the JSON Schema. */
export const CODE_RULE = 'a code belongs to its category: code is `<category>.<reason>`, and code and category are both null or neither';

/**
 * The code rule as JSON Schema (`allOf` of `if`/`then`), for consumers of the
 * published schemas. The code's own enum already makes it one of the
 * taxonomy's codes; this makes it one of its category's. Our validator checks
 * the same rule natively (`codeMatchesCategory`): ajv spends ~2 µs an event on
 * these 16 `if`s, building and dropping an error object for each that fails.
 * A test holds the two equal over every code and category.
 */
export function codeBelongsToCategory(categories: readonly string[]): object[] {
  return [
    { $comment: CODE_RULE, if: { properties: { category: { const: null } } }, then: { properties: { code: { const: null } } } },
    ...categories.map((category) => ({
      $comment: CODE_RULE,
      if: { properties: { category: { const: category } } },
      then: { properties: { code: { type: 'string', pattern: `^${category}\\.` } } },
    })),
  ];
}

const CATEGORY_OF_CODE: ReadonlyMap<string, string> = new Map(ALL_CODES.map((code) => [code, categoryOf(code)]));

/** The code rule, natively: the reason of a refusal, or null. Both values have passed their enums, so the reason may name them. */
export function codeMatchesCategory(code: unknown, category: unknown): string | null {
  if (code === null && category === null) return null;
  if (typeof code === 'string' && CATEGORY_OF_CODE.get(code) === category) return null;
  return `/code ${String(code)} is not a code of category ${String(category)} (${CODE_RULE})`;
}
