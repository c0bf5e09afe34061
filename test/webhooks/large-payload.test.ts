import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryEvent } from '../../src/events/index.js';
import { decodeDeliveryEvents, InProcessHandoff } from '../../src/ingest/index.js';
import { createStoreClient, migrate } from '../../src/store/index.js';
import { createWebhookServer, feedbackEndpoints, WEBHOOK_PATHS } from '../../src/webhooks/index.js';
import { hasher } from '../feedback/helpers.js';
import { largeBounceBatch, postJson } from './large-payload.js';

/**
 * Single-process mode: the largest payload a provider may send (10,000
 * recipients, far under the body limit but several MiB of events) is stored
 * whole before the receiver says 200.
 */
describe('the receiver in single-process mode, with a 10,000-recipient payload', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-webhooks-large-'));
  const secret = randomBytes(32).toString('base64');
  let client: ClickHouseClient;
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    client = await createStoreClient({ dataDir });
    await migrate(client, { database: 'default', retentionDays: 3650, rollupRetentionDays: 3650 });
    const handoff = new InProcessHandoff<DeliveryEvent>({ client, database: 'default', decode: decodeDeliveryEvents, deadLetterFile: join(dataDir, 'dead-letters.jsonl') });
    server = createWebhookServer({ endpoints: feedbackEndpoints({ hasher, generic: { secret } }), handoff });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await client.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 200 only with every event in ClickHouse', async () => {
    const payload = largeBounceBatch(10_000, secret);
    expect(payload.expected).toHaveLength(10_000);
    const answer = await postJson(port, WEBHOOK_PATHS.generic, payload.body, payload.headers);
    expect(answer).toEqual({ status: 200, body: { accepted: 10_000 } });
    const stored = (await (await client.query({ query: 'SELECT toString(event_id) AS id, recipient_hash FROM email_delivery_events ORDER BY id', format: 'JSONEachRow' })).json()) as { id: string; recipient_hash: string }[];
    expect(stored.length).toBe(10_000);
    expect(stored).toEqual(payload.expected.map((e) => ({ id: e.event_id, recipient_hash: e.recipient_hash })).sort((a, b) => a.id.localeCompare(b.id)));
  }, 120_000);
});
