import { Ajv } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeliveryEventSchema, SendEventSchema } from '../../src/events/index.js';
import { flatContractCheck } from '../../src/events/validate.js';
import { sampleDeliveryEvent, sampleEvent } from '../helpers/events.js';

/** The contract as the validator compiles it: the code rule (`allOf`) is checked natively beside it. */
const withoutAllOf = (schema: object): object => {
  const { allOf: _allOf, ...rest } = schema as { allOf?: unknown };
  return rest;
};

/** Values near every bound the contracts have: lengths in code points and UTF-16 units, numbers at and past their limits, wrong types. */
const awkwardValue = fc.oneof(
  fc.anything(),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 270 }),
  fc.integer({ min: 1, max: 1100 }).map((n) => '😀'.repeat(n)),
  fc.integer({ min: 0, max: 300 }).map((n) => 'a'.repeat(n)),
  fc.constantFrom(null, undefined, 0, -0, 1, 99, 100, 599, 600, 1000, 1001, 100_000, 100_001, 0xffff_ffff, 0xffff_ffff + 1, 86_400_000, 86_400_001, 0.5, -1, 1e300, Number.NaN, Infinity, '', '1', true, [], {}),
  fc.constantFrom('ses', 'sent', 'failed', 'throttling', 'throttling.rate_limited', 'bounced', 'hard', '5.1.1', '2026-11-22T12:00:00.123Z', '0'.repeat(64), 'f'.repeat(32), 'a'.repeat(16), '01a1f83c-053d-7d5c-87cb-4ab6f52a054a', '01a1f83c-053d-4d5c-87cb-4ab6f52a054a'),
);

/** An event with some fields replaced, removed, or added. */
function mutated(base: Record<string, unknown>): fc.Arbitrary<unknown> {
  const fields = Object.keys(base);
  return fc
    .tuple(
      fc.array(fc.tuple(fc.constantFrom(...fields), awkwardValue), { maxLength: 3 }),
      fc.array(fc.constantFrom(...fields), { maxLength: 2 }),
      fc.option(fc.tuple(fc.constantFrom('extra', '__proto__', 'toString', 'constructor'), fc.anything())),
    )
    .map(([replaced, removed, added]) => {
      const event: Record<string, unknown> = { ...base };
      for (const [field, value] of replaced) event[field] = value;
      for (const field of removed) delete event[field];
      if (added) Object.defineProperty(event, added[0], { value: added[1], enumerable: true, configurable: true, writable: true });
      return event;
    });
}

describe('the flat contract check (the validator\'s fast path)', () => {
  for (const [name, schema, base] of [
    ['send event', SendEventSchema, sampleEvent() as unknown as Record<string, unknown>],
    ['delivery event', DeliveryEventSchema, sampleDeliveryEvent() as unknown as Record<string, unknown>],
  ] as const) {
    it(`gives ajv's verdict on any ${name}: valid ones, mutated ones, other values, and round trips through JSON`, () => {
      const contract = withoutAllOf(schema);
      const ajv = new Ajv({ allErrors: false, strict: true }).compile(contract);
      const fast = flatContractCheck(contract);
      expect(fast).not.toBeNull();
      expect(fast?.(base)).toBe(true);
      fc.assert(
        fc.property(fc.oneof(mutated(base), fc.anything()), (value) => {
          expect(fast?.(value)).toBe(ajv(value));
          const json = JSON.stringify(value);
          if (json !== undefined) {
            const parsed: unknown = JSON.parse(json);
            expect(fast?.(parsed)).toBe(ajv(parsed));
          }
        }),
        { numRuns: 20_000 },
      );
    });
  }

  it('leaves a contract it cannot read to ajv alone', () => {
    expect(flatContractCheck({ type: 'object', properties: { a: { type: 'array' } }, additionalProperties: false })).toBeNull();
    expect(flatContractCheck({ type: 'object', properties: { a: { type: 'string', format: 'email' } }, additionalProperties: false })).toBeNull();
    expect(flatContractCheck({ type: 'object', properties: { a: { type: 'string' } } })).toBeNull();
    expect(flatContractCheck(SendEventSchema)).toBeNull(); // its allOf (the code rule) is not a flat field rule
  });
});
