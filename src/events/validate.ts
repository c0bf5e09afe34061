import { Ajv } from 'ajv';
import { scrubMessage } from '../normalize/index.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { SendEventSchema } from './send-event.js';
import type { SendEvent } from './send-event.js';

export type Validation<T> = { ok: true; value: T } | { ok: false; reason: string };

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
 */
export function contractValidator<T>(schema: object): (value: unknown) => Validation<T> {
  let compiled: ValidateFunction<T> | undefined;
  return (value) => {
    compiled ??= new Ajv({ allErrors: false, strict: true }).compile<T>(schema);
    return compiled(value) ? { ok: true, value } : { ok: false, reason: describe(compiled.errors) };
  };
}

/** Checks a decoded value against the send-event contract; the reason names the first offending field. */
export const validateSendEvent: (value: unknown) => Validation<SendEvent> = contractValidator<SendEvent>(SendEventSchema);
