import type { InvalidRatioGuard } from '../guard.js';
import type { Decoded, SourceMessage } from '../types.js';
import { InlineStep } from './step.js';
import type { DecodedMessage, Step } from './step.js';

/**
 * decode: each message to rows per table and dead letters (with reasons),
 * judged by the invalid-ratio guard, which throws InvalidRatioExceeded to stop
 * the loader when the stream is mostly garbage. Holds nothing: backpressure is
 * the next step's.
 */
export class DecodeStep extends InlineStep<SourceMessage, DecodedMessage> {
  constructor(
    readonly decode: (message: SourceMessage) => Decoded,
    readonly guard: InvalidRatioGuard,
    next: Step<DecodedMessage>,
  ) {
    super(next);
  }

  async submit(message: SourceMessage): Promise<void> {
    const decoded = this.decode(message);
    this.guard.record(decoded.judged, decoded.invalid);
    await this.next.submit({ message, decoded });
  }
}
