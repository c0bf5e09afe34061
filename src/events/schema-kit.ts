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
