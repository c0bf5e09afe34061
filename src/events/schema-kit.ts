import { Type } from '@sinclair/typebox';
import type { SchemaOptions, TUnsafe } from '@sinclair/typebox';

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
 * it wraps it (2^32 + 5 in a UInt32 is stored as 5), so the contract must.
 */
export const UINT16_MAX = 0xffff;
export const UINT32_MAX = 0xffff_ffff;

/**
 * Cross-field rules (`allOf` of `if`/`then`) tying a normalized code to its
 * category: both null or neither, and a code is `<category>.<reason>`. The
 * code's own enum already makes it one of the taxonomy's codes; this makes it
 * one of its category's. Each rule says why in `$comment`, which the
 * validator puts in the reason of a refusal.
 */
export function codeBelongsToCategory(categories: readonly string[]): object[] {
  const why = 'a code belongs to its category: code is `<category>.<reason>`, and code and category are both null or neither';
  return [
    { $comment: why, if: { properties: { category: { const: null } } }, then: { properties: { code: { const: null } } } },
    ...categories.map((category) => ({
      $comment: why,
      if: { properties: { category: { const: category } } },
      then: { properties: { code: { type: 'string', pattern: `^${category}\\.` } } },
    })),
  ];
}
