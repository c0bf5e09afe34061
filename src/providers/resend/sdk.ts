import { normalizeResponse } from '../../normalize/index.js';
import { judgeWith } from '../../instrument/index.js';
import type { AttemptContext, AttemptResult, OutcomeReader, SendInstrumentation } from '../../instrument/index.js';

/** The resend SDK's result: it returns errors instead of throwing them. */
export interface ResendResult {
  data: unknown;
  error: { name?: string; message?: string; statusCode?: number | null } | null;
  headers?: Record<string, string> | null;
}

/** The parts of a `Resend` client we wrap; structural, so the SDK stays the user's dependency. */
export interface ResendLike {
  emails: { create: (payload: never, options?: never) => Promise<ResendResult> };
  batch: { create: (payload: never, options?: never) => Promise<ResendResult> };
}

interface EmailPayload {
  from?: string;
  to?: string | string[];
}

export const resendOutcomeReader: OutcomeReader<ResendResult> = {
  fromResult(result): AttemptResult {
    if (result.error) {
      const status = typeof result.error.statusCode === 'number' ? result.error.statusCode : 0;
      return { outcome: 'failed', error: normalizeResponse('resend', { status, headers: result.headers ?? undefined, body: result.error }) };
    }
    const data = result.data as { id?: unknown; data?: { id?: unknown }[] } | null;
    const id = typeof data?.id === 'string' ? data.id : typeof data?.data?.[0]?.id === 'string' ? data.data[0].id : undefined;
    return { outcome: 'sent', status: 200, ...(id !== undefined && { providerMessageId: id }) };
  },
  // The SDK catches network failures itself; a throw here is from the caller's own code (a React render).
  fromError: (error) => ({ outcome: 'failed', error: normalizeResponse('resend', { status: 0, body: { name: 'application_error', message: error instanceof Error ? error.message : String(error) } }) }),
};

function contextOf(payload: EmailPayload | undefined, operation: AttemptContext['operation'], extra: Partial<AttemptContext>): AttemptContext {
  return {
    provider: 'resend',
    operation,
    method: 'POST',
    url: operation === 'send_batch' ? 'https://api.resend.com/emails/batch' : 'https://api.resend.com/emails',
    ...(payload?.from !== undefined && { from: payload.from }),
    ...(payload?.to !== undefined && { to: payload.to }),
    ...extra,
  };
}

/**
 * Instruments a `Resend` client in place: `resend.emails.send/create` and
 * `resend.batch.send/create` keep their signatures and results, and each call
 * becomes a span and an event. `context` adds what the payload does not say.
 */
export function instrumentResend<T extends ResendLike>(instrumentation: SendInstrumentation, resend: T, context: Partial<AttemptContext> = {}): T {
  const emailsCreate = resend.emails.create.bind(resend.emails) as (payload: EmailPayload, options?: unknown) => Promise<ResendResult>;
  const batchCreate = resend.batch.create.bind(resend.batch) as (payload: EmailPayload[], options?: unknown) => Promise<ResendResult>;
  (resend.emails as { create: unknown }).create = (payload: EmailPayload, options?: unknown) =>
    instrumentation.attempt(contextOf(payload, 'send', context), () => emailsCreate(payload, options), resendOutcomeReader);
  (resend.batch as { create: unknown }).create = (payload: EmailPayload[], options?: unknown) =>
    instrumentation.attempt(contextOf(payload?.[0], 'send_batch', context), () => batchCreate(payload, options), resendOutcomeReader);
  return resend;
}

/** A `sendWithRetry` judge over the resend SDK, which returns `{ data, error, headers }` rather than throwing. */
export const judgeResend = judgeWith(resendOutcomeReader);
