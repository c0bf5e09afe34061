import kafkajs from 'kafkajs';
import type { Message, Producer } from 'kafkajs';
import { kafkaClientConfig } from './config.js';
import type { KafkaSettings } from './config.js';
import { installFastGzip } from './gzip-codec.js';

const { CompressionTypes, Kafka, Partitioners } = kafkajs;

export type Compression = 'none' | 'gzip';

/**
 * One idempotent kafkajs producer, connected on first use and reconnected
 * after a failure, shared by the event sink and the span exporter. With
 * idempotence, a batch the broker got but did not acknowledge is not
 * written twice when it is retried.
 */
export class SharedProducer {
  readonly #producer: Producer;
  #connecting: Promise<void> | undefined;
  #connected = false;

  constructor(settings: KafkaSettings, log: (level: string, message: string) => void = () => undefined) {
    installFastGzip();
    const kafka = new Kafka(kafkaClientConfig(settings, log));
    this.#producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
      // murmur2 over the key, as the Java client does: a key lands in the same partition whoever produces it.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.#producer.on(this.#producer.events.DISCONNECT, () => {
      this.#connected = false;
    });
  }

  async #connect(): Promise<void> {
    if (this.#connected) return;
    this.#connecting ??= this.#producer.connect().then(
      () => {
        this.#connected = true;
        this.#connecting = undefined;
      },
      (error: unknown) => {
        this.#connecting = undefined;
        throw error;
      },
    );
    return this.#connecting;
  }

  async send(topic: string, messages: Message[], compression: Compression): Promise<void> {
    await this.#connect();
    try {
      await this.#producer.send({ topic, messages, acks: -1, compression: compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None });
    } catch (error) {
      // Drop the connection so the next try starts from a fresh one (the broker may have moved or restarted).
      this.#connected = false;
      await this.#producer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  async disconnect(): Promise<void> {
    this.#connected = false;
    await this.#producer.disconnect().catch(() => undefined);
  }
}
