import { KafkaIngest, DEFAULT_GROUP_ID, DEFAULT_DEAD_LETTER_TOPIC, DEFAULT_MAX_INVALID_RATIO } from '../../ingest/index.js';
import { createStoreClient, describeStore, migrate, migrationSettingsFromEnv, storeConfigFromEnv } from '../../store/index.js';
import { describeKafka, kafkaSettingsFromEnv } from '../../transport/index.js';
import { UsageError } from '../errors.js';
import { jsonLogger } from '../log.js';

export interface IngestCommandOptions {
  group?: string;
  maxInvalidRatio?: string;
  batchRows?: string;
  batchWaitMs?: string;
  migrate?: boolean;
}

function number(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min || parsed > max) throw new UsageError(`${name} must be a number from ${min} to ${max}`);
  return parsed;
}

/** Runs the loader until SIGTERM/SIGINT (then flushes, commits, leaves the group) or a fatal error. */
export async function runIngest(options: IngestCommandOptions): Promise<number> {
  const kafka = kafkaSettingsFromEnv();
  if (!kafka) throw new UsageError('sendlens ingest reads from Kafka: set KAFKA_BROKERS (without Kafka, the demo runs the same steps in-process)');
  const maxInvalidRatio = number(options.maxInvalidRatio, '--max-invalid-ratio', 0, 1) ?? DEFAULT_MAX_INVALID_RATIO;
  const maxRows = number(options.batchRows, '--batch-rows', 1, 1_000_000);
  const maxWaitMs = number(options.batchWaitMs, '--batch-wait-ms', 1, 60_000);
  const log = jsonLogger();
  const store = storeConfigFromEnv();
  const settings = migrationSettingsFromEnv();
  const client = await createStoreClient(store);
  if (options.migrate !== false) {
    const result = await migrate(client, settings);
    log('info', 'schema ready', { applied: result.applied, store: describeStore(store) });
  }
  // Fault injection for the crash tests: die hard after the n-th batch is written, before its commit.
  const killAfter = Number(process.env.SENDLENS_FAULT_KILL_AFTER_WRITES ?? 0);
  let writes = 0;
  const afterWrite =
    killAfter > 0
      ? () => {
          writes += 1;
          if (writes >= killAfter) process.kill(process.pid, 'SIGKILL');
        }
      : undefined;
  const ingest = new KafkaIngest({
    kafka,
    client,
    database: settings.database,
    groupId: options.group ?? DEFAULT_GROUP_ID,
    deadLetterTopic: process.env.SENDLENS_DLQ_TOPIC || DEFAULT_DEAD_LETTER_TOPIC,
    maxInvalidRatio,
    ...(afterWrite && { afterWrite }),
    limits: { ...(maxRows !== undefined && { maxRows }), ...(maxWaitMs !== undefined && { maxWaitMs }) },
    log,
  });
  let signals = 0;
  const onSignal = (signal: string) => {
    signals += 1;
    if (signals > 1) {
      log('warn', `second ${signal}: exiting now; uncommitted batches will be re-read`);
      process.exit(130);
    }
    log('info', `${signal}: flushing and leaving the group`);
    void ingest.stop();
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  log('info', 'connecting', { kafka: describeKafka(kafka), store: describeStore(store) });
  try {
    // Inside the try: the embedded engine is closed on every way out, never under a write (done settles after the last one).
    await ingest.start();
    await ingest.done;
    return 0;
  } finally {
    await ingest.stop().catch(() => undefined);
    await client.close();
  }
}
