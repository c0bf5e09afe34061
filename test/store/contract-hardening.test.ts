import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryEventId, uuidv7 } from '../../src/events/index.js';
import type { DeliveryEvent, SendEvent } from '../../src/events/index.js';
import { BatchWriter, InProcessHandoff, PartitionBatch, decodeDeliveryEvents, decodeSendEvents } from '../../src/ingest/index.js';
import { createStoreClient, migrate } from '../../src/store/index.js';
import { sampleEvent } from '../helpers/events.js';

/**
 * Issue 15, item 5, end to end: events through the loader's own steps
 * (decode and validate, batch, write with a deduplication token) into the
 * embedded ClickHouse, migrated as a deployment is (default 90-day retention).
 * Poison lines must land in the dead letters with their reasons while the good
 * rows of the same batch are stored; an event id twice in one batch must count
 * once in the rollup, and a replayed batch still not at all.
 */
describe('the loader stores only what the columns hold, and counts an event id once', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-hardening-'));
  let client: ClickHouseClient;
  const rows = async <T>(query: string) => (await (await client.query({ query, format: 'JSONEachRow' })).json()) as T[];
  const scalar = async (query: string) => Number((await rows<{ n: string | number }>(query))[0]?.n);
  const deadLetters = (file: string) =>
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { reason: string; original: string; line: number });
  /** A failed attempt a few minutes ago, in a workspace of the test's own, so tests do not see each other's rows. */
  const recent = (workspace: string, overrides: Partial<SendEvent> = {}): SendEvent => {
    const at = Date.now() - 5 * 60_000;
    return sampleEvent({ event_id: uuidv7(at), occurred_at: new Date(at).toISOString(), workspace, ...overrides });
  };

  beforeAll(async () => {
    client = await createStoreClient({ dataDir });
    await migrate(client, { database: 'default', retentionDays: 90, rollupRetentionDays: 400 });
  });
  afterAll(async () => {
    await client.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('dead-letters each poison send event with its reason; the good rows of the same batch are stored and rolled up', async () => {
    const deadLetterFile = join(dataDir, 'send-dead-letters.jsonl');
    const handoff = new InProcessHandoff<object>({ client, database: 'default', deadLetterFile, decode: decodeSendEvents });
    const good = [recent('poison', { message_id: 'good-1', latency_ms: 40 }), recent('poison', { message_id: 'good-2', latency_ms: 60, retry_after_ms: 5_000 })] as const;
    const poison: [Partial<SendEvent>, RegExp][] = [
      [{ message_id: 'far-future', occurred_at: '9999-12-31T23:59:59.999Z' }, /^schema: \/occurred_at 9999-12-31T23:59:59\.999Z is more than 24 h after its receipt/],
      [{ message_id: 'epoch', occurred_at: '1970-01-01T00:00:00.000Z' }, /^schema: \/occurred_at 1970-01-01T00:00:00\.000Z is older than the 90-day retention/],
      [{ message_id: 'inf-latency', latency_ms: 1e300 }, /^schema: \/latency_ms must be <= 86400000$/],
      [{ message_id: 'wrapping-wait', retry_after_ms: 2 ** 32 + 5 }, /^schema: \/retry_after_ms must be <= 4294967295$/],
      [{ message_id: 'wrong-category', code: 'auth.invalid_credentials' }, /^schema: \/code auth\.invalid_credentials is not a code of category throttling \(a code belongs to its category/],
    ];
    // One hand-off is one message: good and poison lines in one batch, interleaved.
    await handoff.handOff([good[0], ...poison.map(([overrides]) => recent('poison', overrides)), good[1]]);

    expect(await rows<{ message_id: string }>(`SELECT message_id FROM email_send_events WHERE workspace = 'poison' ORDER BY message_id`)).toEqual([{ message_id: 'good-1' }, { message_id: 'good-2' }]);
    const rollup = await rows<{ attempts: number; latency: number; latency_max: number; waits: number }>(
      `SELECT sum(attempts) AS attempts, sum(latency_ms_sum) AS latency, max(latency_ms_max) AS latency_max, sum(retry_after_count) AS waits FROM email_send_rollup_1m WHERE workspace = 'poison'`,
    );
    expect(rollup).toEqual([{ attempts: 2, latency: 100, latency_max: 60, waits: 1 }]);

    const letters = deadLetters(deadLetterFile);
    expect(letters).toHaveLength(poison.length);
    for (const [i, [overrides, reason]] of poison.entries()) {
      const letter = letters.find((l) => (JSON.parse(l.original) as SendEvent).message_id === overrides.message_id);
      expect(letter?.reason, String(overrides.message_id)).toMatch(reason);
      expect(letter?.line).toBe(i + 1);
    }
  });

  it('dead-letters delivery events whose code is not of their category or whose time is out of the window', async () => {
    const deadLetterFile = join(dataDir, 'delivery-dead-letters.jsonl');
    const handoff = new InProcessHandoff<DeliveryEvent>({ client, database: 'default', deadLetterFile, decode: decodeDeliveryEvents });
    const at = Date.now() - 5 * 60_000;
    const delivery = (providerEventId: string, overrides: Partial<DeliveryEvent> = {}): DeliveryEvent => ({
      event_id: deliveryEventId(at, ['ses', 'm-1', 'Bounce', 'f'.repeat(64), String(at), providerEventId]),
      schema_version: 1,
      occurred_at: new Date(at).toISOString(),
      received_at: new Date(at + 1_000).toISOString(),
      provider: 'ses',
      provider_type: 'Bounce',
      workspace: 'poison-feedback',
      sender_domain: 'mail.acme.com',
      recipient_domain: 'example.com',
      recipient_hash: 'f'.repeat(64),
      message_id: '',
      provider_message_id: 'm-1',
      provider_event_id: providerEventId,
      outcome: 'bounced',
      bounce_type: 'hard',
      provider_bounce_type: 'Permanent',
      bounce_subtype: 'General',
      provider_reason: '',
      smtp_status: '5.1.1',
      smtp_code: 550,
      diagnostic: 'smtp; 550 5.1.1 user unknown',
      code: 'recipient.invalid_address',
      category: 'recipient',
      ...overrides,
    });
    await handoff.handOff([
      delivery('good'),
      delivery('wrong-category', { category: 'content' }),
      delivery('future-receipt', { received_at: '9999-01-01T00:00:00.000Z' }),
      delivery('epoch', { occurred_at: '1970-01-01T00:00:00.000Z' }),
    ]);

    expect(await rows<{ provider_event_id: string }>(`SELECT provider_event_id FROM email_delivery_events WHERE workspace = 'poison-feedback'`)).toEqual([{ provider_event_id: 'good' }]);
    const reasons = Object.fromEntries(deadLetters(deadLetterFile).map((l) => [(JSON.parse(l.original) as DeliveryEvent).provider_event_id, l.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['epoch', 'future-receipt', 'wrong-category']);
    expect(reasons['wrong-category']).toMatch(/^schema: \/code recipient\.invalid_address is not a code of category content \(a code belongs to its category/);
    expect(reasons['future-receipt']).toMatch(/^schema: \/received_at 9999-01-01T00:00:00\.000Z is more than 24 h after its receipt/);
    expect(reasons.epoch).toMatch(/^schema: \/occurred_at 1970-01-01T00:00:00\.000Z is older than the 90-day retention/);
  });

  it('counts an event id once in the rollup when a batch holds it twice, however far apart', async () => {
    const deadLetterFile = join(dataDir, 'duplicates-dead-letters.jsonl');
    const handoff = new InProcessHandoff<SendEvent>({ client, database: 'default', deadLetterFile, decode: decodeSendEvents });
    const distinct = Array.from({ length: 600 }, (_, i) => recent('duplicates', { message_id: `dup-${i}`, recipient_count: 2, latency_ms: 10, attempt: 2 }));
    // Each event twice in one message (one batch, under the 1 MiB message limit): in order, then in reverse, so copies are up to 1,200 lines apart.
    await handoff.handOff([...distinct, ...[...distinct].reverse()]);
    expect(existsSync(deadLetterFile)).toBe(false);

    expect(await scalar(`SELECT count() AS n FROM email_send_events FINAL WHERE workspace = 'duplicates'`)).toBe(600);
    expect(await scalar(`SELECT count() AS n FROM email_send_events WHERE workspace = 'duplicates'`)).toBe(600);
    const rollup = await rows<{ attempts: number; recipients: number; retried: number; latency: number }>(
      `SELECT sum(attempts) AS attempts, sum(recipient_count) AS recipients, sum(retried_attempts) AS retried, sum(latency_ms_sum) AS latency FROM email_send_rollup_1m WHERE workspace = 'duplicates'`,
    );
    expect(rollup).toEqual([{ attempts: 600, recipients: 1_200, retried: 600, latency: 6_000 }]);
  });

  it('stores the copy of an event id the rollup counted when a batch holds two that differ', async () => {
    const deadLetterFile = join(dataDir, 'differing-copies-dead-letters.jsonl');
    const handoff = new InProcessHandoff<SendEvent>({ client, database: 'default', deadLetterFile, decode: decodeSendEvents });
    const first = recent('differing', { message_id: 'first', latency_ms: 10 });
    await handoff.handOff([first, recent('differing', { message_id: 'other', latency_ms: 1 }), { ...first, latency_ms: 99 }]);
    expect(existsSync(deadLetterFile)).toBe(false);
    // Without FINAL: the batch kept one row per event id, the first, as the rollup's LIMIT 1 BY event_id did.
    expect(await rows(`SELECT message_id, latency_ms FROM email_send_events WHERE workspace = 'differing' ORDER BY message_id`)).toEqual([
      { message_id: 'first', latency_ms: 10 },
      { message_id: 'other', latency_ms: 1 },
    ]);
    expect(await scalar(`SELECT sum(latency_ms_sum) AS n FROM email_send_rollup_1m WHERE workspace = 'differing'`)).toBe(11);
  });

  it('still drops a replayed batch whole (the deduplication token), duplicates inside it included', async () => {
    const writer = new BatchWriter(client, { database: 'default', consumerGroup: 'hardening', initialRetryMs: 10 });
    const twice = recent('replay', { message_id: 'twice' });
    const lines = [twice, recent('replay', { message_id: 'once' }), twice].map((event) => JSON.stringify(event)).join('\n');
    const batchOf = () => {
      const batch = new PartitionBatch('email.send.events', 0);
      const message = { topic: 'email.send.events', partition: 0, offset: 41n, key: null, value: Buffer.from(lines) };
      batch.add(message, decodeSendEvents(message), 0);
      return batch;
    };
    expect(await writer.write(batchOf())).toEqual([]);
    // The crash case: the same offset range written again after a restart, with the same token.
    expect(await writer.write(batchOf())).toEqual([]);

    expect(await scalar(`SELECT count() AS n FROM email_send_events WHERE workspace = 'replay'`)).toBe(2);
    expect(await scalar(`SELECT sum(attempts) AS n FROM email_send_rollup_1m WHERE workspace = 'replay'`)).toBe(2);
  });
});

describe('a replay in a new process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-replay-process-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('is dropped by the rollup as by the table, after the view was migrated in the first process', () => {
    // 0007 first changed the view with ALTER ... MODIFY QUERY: the replay in the second process then counted 800 attempts.
    const at = Date.now() - 5 * 60_000;
    const lines = Array.from({ length: 400 }, (_, i) => JSON.stringify(sampleEvent({ event_id: uuidv7(at), occurred_at: new Date(at).toISOString(), workspace: 'replay-process', message_id: `r-${i}`, sender_domain: `s${i % 7}.example.com` })));
    const linesFile = join(dataDir, 'batch.jsonl');
    writeFileSync(linesFile, lines.join('\n'));
    const script = fileURLToPath(new URL('./write-batch-process.mjs', import.meta.url));
    for (const life of ['first write', 'replay after a restart', 'another replay']) {
      const run = spawnSync(process.execPath, [script, join(dataDir, 'store'), linesFile], { encoding: 'utf8', timeout: 120_000 });
      expect(run.stderr, life).toBe('');
      expect({ life, ...(JSON.parse(run.stdout) as object) }).toEqual({ life, refused: 0, raw: 400, rollup: 400 });
    }
  }, 300_000);
});
