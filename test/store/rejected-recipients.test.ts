import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../src/events/index.js';
import type { SendEvent } from '../../src/events/index.js';
import { InProcessHandoff, decodeSendEvents } from '../../src/ingest/index.js';
import { createStoreClient, migrate } from '../../src/store/index.js';
import { sampleEvent } from '../helpers/events.js';

/** Send-event contract 1 grew `rejected_recipient_count` (optional): both kinds of event load. */
describe('rejected_recipient_count through the loader', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-rejected-'));
  let client: ClickHouseClient;

  beforeAll(async () => {
    client = await createStoreClient({ dataDir });
    await migrate(client, { database: 'default', retentionDays: 90, rollupRetentionDays: 400 });
  });
  afterAll(async () => {
    await client.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores the count of an SMTP partial success, and 0 for an event of an earlier producer without the field', async () => {
    const at = Date.now() - 60_000;
    const partial = sampleEvent({ event_id: uuidv7(at), occurred_at: new Date(at).toISOString(), workspace: 'rejected', message_id: 'partial', outcome: 'sent', recipient_count: 5, rejected_recipient_count: 3, status: null, provider_code: null, code: null, category: null, retry: null, retry_after_ms: null, error_message: null });
    const earlier: Partial<SendEvent> = sampleEvent({ event_id: uuidv7(at + 1), occurred_at: new Date(at + 1).toISOString(), workspace: 'rejected', message_id: 'earlier' });
    delete earlier.rejected_recipient_count;
    const deadLetterFile = join(dataDir, 'dead-letters.jsonl');
    await new InProcessHandoff<SendEvent>({ client, database: 'default', deadLetterFile, decode: decodeSendEvents }).handOff([partial, earlier as SendEvent]);
    expect(existsSync(deadLetterFile)).toBe(false);
    const rows = await (await client.query({ query: "SELECT message_id, rejected_recipient_count AS rejected FROM email_send_events FINAL WHERE workspace = 'rejected' ORDER BY message_id", format: 'JSONEachRow' })).json();
    expect(rows).toEqual([
      { message_id: 'earlier', rejected: 0 },
      { message_id: 'partial', rejected: 3 },
    ]);
  });
});
