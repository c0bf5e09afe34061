/**
 * instrument: wraps a service's send paths so each attempt at a provider call
 * becomes an OpenTelemetry CLIENT span and one send event with its normalized
 * error. The fetch adapter (any HTTP provider API) lives here; each provider's
 * SDK adapter lives in its folder (src/providers/<id>/) and builds on this.
 */
export { SendInstrumentation, INSTRUMENTATION_NAME, REJECTED_RECIPIENTS_ATTRIBUTE } from './instrumentation.js';
export { MAX_CACHED_RECIPIENTS } from './recipient-cache.js';
export type { AttemptContext, AttemptResult, InstrumentationOptions, OutcomeReader, SendEventSink } from './instrumentation.js';
export { instrumentFetch, fetchOutcomeReader, operationFromPath, MAX_RESPONSE_BYTES, MAX_REQUEST_PARSE_BYTES } from './fetch.js';
export type { InstrumentFetchOptions, SendlensRequestInit, FetchReadOptions } from './fetch.js';
export { sendWithRetry, retryDelayMs } from './retry.js';
export type { RetryPolicy, AttemptOutcome } from './retry.js';
export { judgeFetch, judgeThrown, judgeWith } from './judges.js';
export type { Judge } from './judges.js';
