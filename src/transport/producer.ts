import kafkajs from 'kafkajs';
import type { Message, PartitionMetadata, Producer } from 'kafkajs';
import { DEFAULT_COMPRESSION, kafkaClientConfig } from './config.js';
import type { Compression, KafkaSettings } from './config.js';
import { installFastGzip, installZstd, precompress } from './gzip-codec.js';
import { encodeRecords } from './records.js';

const { CompressionTypes, Kafka, Partitioners } = kafkajs;

export type { Compression } from './config.js';

const COMPRESSION_TYPES = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP, zstd: CompressionTypes.ZSTD } as const;

/**
 * A send made ready ahead of its turn (`SharedProducer.prepare`): its
 * messages, and when compressed their records already being compressed. Hand it to
 * `sendPrepared`, or `release` it if it will not be sent.
 */
export interface PreparedSend {
  readonly topic: string;
  readonly messages: Message[];
  readonly compression: Compression;
  release(): void;
}

/**
 * One idempotent kafkajs producer, connected on first use and reconnected
 * after a failure, shared by the event sink and the span exporter. With
 * idempotence, a batch the broker got but did not acknowledge is not
 * written twice when it is retried.
 */
export class SharedProducer {
  readonly #producer: Producer;
  /** Each topic's partitions as kafkajs last saw them when it partitioned a send. */
  readonly #partitions = new Map<string, PartitionMetadata[]>();
  /** The partitioner kafkajs uses, for predicting where `prepare`'s messages will go. */
  readonly #predict = Partitioners.DefaultPartitioner();
  #connecting: Promise<void> | undefined;
  #connected = false;
  /** What the event sink and the hand-off compress with unless told otherwise (settings, else DEFAULT_COMPRESSION). */
  readonly compression: Compression;

  constructor(settings: KafkaSettings, log: (level: string, message: string) => void = () => undefined) {
    this.compression = settings.compression ?? DEFAULT_COMPRESSION;
    installFastGzip();
    installZstd();
    const kafka = new Kafka(kafkaClientConfig(settings, log));
    this.#producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
      // murmur2 over the key, as the Java client does: a key lands in the same partition whoever produces it.
      createPartitioner: () => {
        const partition = Partitioners.DefaultPartitioner();
        return (args) => {
          this.#partitions.set(args.topic, args.partitionMetadata);
          return partition(args);
        };
      },
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

  /**
   * Gets keyed messages (each given as the JSON lines of its value) ready to
   * send, so that the work can overlap an earlier send's round trip: when
   * compressed, each partition's records (as kafkajs will encode them, in the
   * partition kafkajs will pick by the partitions it last saw) start
   * compressing on the thread pool now, and kafkajs's codec takes the result
   * when the send gets there. Should kafkajs partition or encode them
   * otherwise (new partitions, a kafkajs upgrade), it compresses them itself:
   * the same bytes are sent either way.
   */
  prepare(topic: string, messages: readonly { key: string; lines: readonly string[] }[], compression: Compression): PreparedSend {
    const partitionMetadata = this.#partitions.get(topic);
    if (compression === 'none' || partitionMetadata === undefined || partitionMetadata.length === 0) {
      return { topic, messages: messages.map(({ key, lines }) => ({ key, value: lines.join('\n') })), compression, release: () => undefined };
    }
    const byPartition = new Map<number, number[]>();
    for (let i = 0; i < messages.length; i += 1) {
      const partition = this.#predict({ topic, partitionMetadata, message: { key: messages[i]?.key as string, value: null } });
      let indexes = byPartition.get(partition);
      if (!indexes) byPartition.set(partition, (indexes = []));
      indexes.push(i);
    }
    const sent = new Array<Message>(messages.length);
    const partitions: Buffer[] = [];
    for (const indexes of byPartition.values()) {
      const group = indexes.map((i) => ({ key: messages[i]?.key as string, value: messages[i]?.lines as readonly string[] }));
      // Written line by line into the records: the joined JSON is never made as a string.
      const { records, values } = encodeRecords(group);
      partitions.push(records);
      // The values as views into the records: kafkajs copies bytes, and the JSON strings can go.
      indexes.forEach((i, n) => (sent[i] = { key: group[n]?.key as string, value: values[n] as Buffer }));
    }
    const { release } = precompress(partitions, compression);
    return { topic, messages: sent, compression, release };
  }

  async send(topic: string, messages: Message[], compression: Compression): Promise<void> {
    await this.#connect();
    try {
      await this.#producer.send({ topic, messages, acks: -1, compression: COMPRESSION_TYPES[compression] });
    } catch (error) {
      // Drop the connection so the next try starts from a fresh one (the broker may have moved or restarted).
      this.#connected = false;
      await this.#producer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  /** Sends what `prepare` made ready, then releases it. */
  async sendPrepared(prepared: PreparedSend): Promise<void> {
    try {
      await this.send(prepared.topic, prepared.messages, prepared.compression);
    } finally {
      prepared.release();
    }
  }

  async disconnect(): Promise<void> {
    this.#connected = false;
    await this.#producer.disconnect().catch(() => undefined);
  }
}
