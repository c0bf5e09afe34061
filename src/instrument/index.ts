/**
 * instrument: wraps a service's send paths so each attempt at a provider call
 * becomes an OpenTelemetry CLIENT span and one send event with its normalized
 * error. Adapters: fetch (any HTTP provider API), the AWS SDK v3 SES clients
 * (middleware), the resend SDK.
 */
export { SendInstrumentation, INSTRUMENTATION_NAME } from './instrumentation.js';
export type { AttemptContext, AttemptResult, InstrumentationOptions, OutcomeReader, SendEventSink } from './instrumentation.js';
export { instrumentFetch, fetchOutcomeReader, operationFromPath, MAX_RESPONSE_BYTES, MAX_REQUEST_PARSE_BYTES } from './fetch.js';
export type { InstrumentFetchOptions, SendlensRequestInit, FetchReadOptions } from './fetch.js';
export { instrumentSesClient, operationForCommand, SES_MIDDLEWARE_NAME } from './ses-sdk.js';
export type { SesClientLike } from './ses-sdk.js';
export { instrumentResend } from './resend-sdk.js';
export type { ResendLike, ResendResult } from './resend-sdk.js';
export { sendWithRetry, retryDelayMs } from './retry.js';
export type { RetryPolicy, AttemptOutcome } from './retry.js';
export { judgeFetch, judgeThrown, judgeResend, judgeWith } from './judges.js';
