import type { InvalidRatioGuard } from '../guard.js';
import type { Decoded, SourceMessage } from '../types.js';
import type { DecodedMessage, Step } from './step.js';

/**
 * decode: each message to rows per table and dead letters (with reasons),
 * judged by the invalid-ratio guard, which throws InvalidRatioExceeded to stop
 * the loader when the stream is mostly garbage. Holds nothing: backpressure is
 * the next step's.
 */
export class DecodeStep implements Step<SourceMessage> {
  constructor(
    readonly decode: (message: SourceMessage) => Decoded,
    readonly guard: InvalidRatioGuard,
    readonly next: Step<DecodedMessage>,
  ) {}

  async submit(message: SourceMessage): Promise<void> {
    const decoded = this.decode(message);
    this.guard.record(decoded.judged, decoded.invalid);
    await this.next.submit({ message, decoded });
  }

  poll(now: number): Promise<void> {
    return this.next.poll(now);
  }

  join(): Promise<void> {
    return this.next.join();
  }

  close(): Promise<void> {
    return this.next.close();
  }
}
