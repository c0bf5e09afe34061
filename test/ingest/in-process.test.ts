import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessPipeline } from '../../src/ingest/index.js';
import { SendInstrumentation, instrumentFetch } from '../../src/instrument/index.js';
import { createStoreClient, migrate } from '../../src/store/index.js';
import { sampleEvent } from '../helpers/events.js';
import { memoryTracing } from '../helpers/otel.js';
import { StubProvider } from '../helpers/stub-provider.js';

describe('single-process mode: instrumentation straight into embedded ClickHouse, no Kafka', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-inprocess-'));
  let client: ClickHouseClient;
  const stub = new StubProvider();

  beforeAll(async () => {
    client = await createStoreClient({ dataDir });
    await migrate(client, { database: 'default', retentionDays: 3650, rollupRetentionDays: 3650 });
    await stub.start();
  });
  afterAll(async () => {
    await stub.stop();
    await client.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs the same steps: every attempt queryable, rollups agree, bad events dead-lettered to a file', async () => {
    const deadLetterFile = join(dataDir, 'dead-letters.jsonl');
    const pipeline = new InProcessPipeline({ client, database: 'default', deadLetterFile });
    const instrumentation = new SendInstrumentation({ service: 'laptop', sink: pipeline, recipientHashKey: 'test-recipient-key-0123456789', tracer: memoryTracing().tracer });
    const send = instrumentFetch(instrumentation, { provider: 'sendfleet' });
    stub.reply({ status: 422, body: { success: false, error: 'recipient_suppressed', detail: 'suppressed' } });
    for (let i = 0; i < 300; i += 1) {
      await send(`${stub.url}/api/send/`, { method: 'POST', body: JSON.stringify({ from_email: 'a@mail.acme.com', to: `user${i}@example.com` }), sendlens: { workspace: 'laptop' } });
    }
    // An event that breaks the contract (as a bug in a caller's own sink code would make) is not lost.
    pipeline.emit({ ...sampleEvent(), attempt: 0 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    instrumentation.drain();
    expect(await pipeline.flush(30_000)).toBe(true);

    const scalar = async (query: string) => Number(((await (await client.query({ query, format: 'JSONEachRow' })).json()) as { n: string }[])[0]?.n);
    expect(await scalar(`SELECT count() AS n FROM email_send_events WHERE workspace = 'laptop'`)).toBe(300);
    expect(await scalar(`SELECT sum(attempts) AS n FROM email_send_rollup_1m WHERE workspace = 'laptop' AND code = 'suppression.recipient_suppressed'`)).toBe(300);
    expect(await scalar(`SELECT uniqMerge(recipients) AS n FROM email_send_rollup_1m WHERE workspace = 'laptop'`)).toBeGreaterThan(280); // an HLL estimate of 300
    const letters = readFileSync(deadLetterFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string });
    expect(letters).toHaveLength(1);
    expect(letters[0]?.reason).toMatch(/^schema: \/attempt/);
    await pipeline.close();
  });
});
