/**
 * telemetry: the one-call wiring of instrument → transport → OpenTelemetry, as a good citizen of
 * the host's OpenTelemetry: `startSendlens` uses the host's tracer provider when there is one,
 * and `createSendlensSpanProcessor` is the piece the host adds to its SDK.
 */
export { startSendlens, hostTracerProviderRegistered } from './start.js';
export type { Sendlens, SendlensOptions } from './start.js';
export { createSendlensSpanProcessor } from './host-processor.js';
export type { HostSpanProcessorOptions } from './host-processor.js';
export { createTracerProvider, TRACE_SDK } from './own-sdk.js';
export type { TracerProviderLike } from './own-sdk.js';
