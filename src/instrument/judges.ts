import { normalizeThrown } from '../normalize/index.js';
import type { NormalizedError, ProviderId } from '../normalize/index.js';
import { fetchOutcomeReader } from './fetch.js';
import type { OutcomeReader } from './instrumentation.js';
import type { AttemptOutcome } from './retry.js';

export type Judge<T> = (outcome: AttemptOutcome<T>) => Promise<NormalizedError | null>;

/** A `sendWithRetry` judge from the same reader the instrumentation uses, so both agree on what failed. */
export function judgeWith<T>(reader: OutcomeReader<T>): Judge<T> {
  return async (outcome) => {
    const read = 'error' in outcome ? reader.fromError(outcome.error) : await reader.fromResult(outcome.result);
    return read.outcome === 'failed' ? read.error : null;
  };
}

/** Over fetch: non-2xx answers and thrown errors are failures. */
export const judgeFetch = (provider: ProviderId): Judge<Response> => judgeWith(fetchOutcomeReader(provider));


/** Over SDKs that throw their failures (the AWS SDK's `client.send`). */
export function judgeThrown(provider: ProviderId): Judge<unknown> {
  return async (outcome) => ('error' in outcome ? normalizeThrown(provider, outcome.error) : null);
}
