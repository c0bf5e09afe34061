import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { SendEventSchema } from './send-event.js';
import type { SendEvent } from './send-event.js';

let compiled: ValidateFunction<SendEvent> | undefined;

function validator(): ValidateFunction<SendEvent> {
  compiled ??= new Ajv({ allErrors: false, strict: true }).compile<SendEvent>(SendEventSchema);
  return compiled;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; reason: string };

function describe(errors: ErrorObject[] | null | undefined): string {
  const first = errors?.[0];
  if (!first) return 'invalid';
  const where = first.instancePath || '(root)';
  const extra = first.keyword === 'additionalProperties' ? ` '${String((first.params as { additionalProperty?: string }).additionalProperty)}'` : '';
  return `${where} ${first.message ?? 'is invalid'}${extra}`;
}

/** Checks a decoded value against the send-event contract; the reason names the first offending field. */
export function validateSendEvent(value: unknown): Validation<SendEvent> {
  const validate = validator();
  return validate(value) ? { ok: true, value } : { ok: false, reason: describe(validate.errors) };
}
