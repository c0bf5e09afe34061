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
  return (value, receipt) => {
    compiled ??= new Ajv({ allErrors: false, strict: true }).compile<T>(compiledSchema);
    if (!compiled(value)) return { ok: false, reason: describe(compiled.errors) };
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
    return { ok: true, value };
  };
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
