import { DEFAULT_MAX_MESSAGE_BYTES, packByKey } from './event-sink.js';
import type { SharedProducer } from './producer.js';

/**
 * Events handed to Kafka and acknowledged before `handOff` resolves: for
 * callers that must not say "accepted" before the data is safe (a webhook
 * answering its provider). Same message format as the event sink: JSON Lines,
 * one key per message.
 */
export class KafkaHandoff<E> {
  constructor(
    readonly producer: SharedProducer,
    readonly topic: string,
    readonly keyOf: (event: E) => string,
    readonly maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
  ) {}

  async handOff(events: E[]): Promise<void> {
    if (events.length === 0) return;
    const messages = packByKey(
      events.map((event) => ({ key: this.keyOf(event), value: JSON.stringify(event) })),
      this.maxMessageBytes,
    );
    await this.producer.send(this.topic, messages, this.producer.compression);
  }
}
