import { readFileSync } from 'node:fs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';

/** How sendlens reaches Kafka, from the environment (documented in the README). */
export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  ssl: boolean | { ca?: string[] };
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  eventsTopic: string;
  spansTopic: string;
  /** Delivery events (provider feedback) from the webhook receiver. */
  deliveryTopic: string;
  /** How events' record batches are compressed (`SENDLENS_KAFKA_COMPRESSION`); DEFAULT_COMPRESSION when absent. */
  compression?: Compression;
}

/** How a send's record batches are compressed. */
export type Compression = 'none' | 'gzip' | 'zstd';

/**
 * zstd: on send events, against gzip level 1, about 20% less CPU per event on
 * the send path and 20% fewer bytes on the wire (`npm run bench -- producer`).
 * ClickHouse's Kafka engine, Java clients and sendlens's loader read it; a
 * kafkajs consumer needs a zstd codec (or `SENDLENS_KAFKA_COMPRESSION=gzip`).
 */
export const DEFAULT_COMPRESSION: Compression = 'zstd';
const COMPRESSIONS: readonly Compression[] = ['zstd', 'gzip', 'none'];

export const DEFAULT_EVENTS_TOPIC = 'email.send.events';
/** The OpenTelemetry Collector Kafka receiver's default topic for traces. */
export const DEFAULT_SPANS_TOPIC = 'otlp_spans';
export const DEFAULT_DELIVERY_TOPIC = 'email.delivery.events';

const MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/** kafkajs's numeric log levels. */
const LEVEL_NAMES: Record<number, string> = { 1: 'error', 2: 'warn', 4: 'info', 5: 'debug' };

/** Null when `KAFKA_BROKERS` is unset: the caller then runs in single-process mode. */
export function kafkaSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaSettings | null {
  const brokers = (env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  if (brokers.length === 0) return null;
  const settings: KafkaSettings = {
    brokers,
    clientId: env.KAFKA_CLIENT_ID || 'sendlens',
    ssl: env.KAFKA_SSL === 'true' || env.KAFKA_SSL === '1' || Boolean(env.KAFKA_SSL_CA_FILE),
    eventsTopic: env.SENDLENS_EVENTS_TOPIC || DEFAULT_EVENTS_TOPIC,
    spansTopic: env.SENDLENS_SPANS_TOPIC || DEFAULT_SPANS_TOPIC,
    deliveryTopic: env.SENDLENS_DELIVERY_TOPIC || DEFAULT_DELIVERY_TOPIC,
  };
  if (env.SENDLENS_KAFKA_COMPRESSION) {
    const compression = env.SENDLENS_KAFKA_COMPRESSION.toLowerCase() as Compression;
    if (!COMPRESSIONS.includes(compression)) throw new Error(`SENDLENS_KAFKA_COMPRESSION must be one of ${COMPRESSIONS.join(', ')}`);
    settings.compression = compression;
  }
  if (env.KAFKA_SSL_CA_FILE) settings.ssl = { ca: [readFileSync(env.KAFKA_SSL_CA_FILE, 'utf8')] };
  if (env.KAFKA_SASL_MECHANISM) {
    const mechanism = env.KAFKA_SASL_MECHANISM.toLowerCase();
    if (!(MECHANISMS as readonly string[]).includes(mechanism)) {
      throw new Error(`KAFKA_SASL_MECHANISM must be one of ${MECHANISMS.join(', ')}`);
    }
    if (!env.KAFKA_SASL_USERNAME || !env.KAFKA_SASL_PASSWORD) {
      throw new Error('KAFKA_SASL_MECHANISM needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD');
    }
    settings.sasl = { mechanism: mechanism as (typeof MECHANISMS)[number], username: env.KAFKA_SASL_USERNAME, password: env.KAFKA_SASL_PASSWORD };
  }
  return settings;
}

/** kafkajs client options; its logs go through `log`, which never sees the SASL password. */
export function kafkaClientConfig(settings: KafkaSettings, log: (level: string, message: string) => void): KafkaConfig {
  const config: KafkaConfig = {
    brokers: settings.brokers,
    clientId: settings.clientId,
    ssl: settings.ssl,
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    // Our own loops retry with backoff for as long as an outage lasts; kafkajs only rides out blips.
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
    logCreator: () => ({ namespace, level, log: entry }) => log(LEVEL_NAMES[level] ?? String(level), `kafkajs ${namespace}: ${entry.message}`),
  };
  if (settings.sasl) config.sasl = settings.sasl as SASLOptions;
  return config;
}

/** For logs and status lines: brokers and client id, never credentials. */
export function describeKafka(settings: KafkaSettings): string {
  return `Kafka ${settings.brokers.join(',')} as ${settings.clientId}${settings.sasl ? ` (SASL ${settings.sasl.mechanism})` : ''}${settings.ssl ? ' over TLS' : ''}`;
}
