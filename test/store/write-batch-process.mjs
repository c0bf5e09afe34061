// One life of a loader process, for test/store/contract-hardening.test.ts: open the store, migrate it
// (as `sendlens ingest` does at start), write the batch of lines in argv[3] under fixed offsets (so
// the same deduplication token every time, as a replay after a crash), and print the counts. It runs
// the built code (dist/, as the CLI tests do) in a process of its own, because the embedded engine
// only reloads its tables' definitions from disk in a new process.
import { readFileSync } from 'node:fs';
import { BatchWriter, PartitionBatch, decodeSendEvents } from '../../dist/ingest/index.js';
import { createStoreClient, migrate } from '../../dist/store/index.js';

const [dataDir, linesFile] = process.argv.slice(2);
const client = await createStoreClient({ dataDir });
try {
  await migrate(client, { database: 'default', retentionDays: 90, rollupRetentionDays: 400 });
  const batch = new PartitionBatch('email.send.events', 0);
  const message = { topic: 'email.send.events', partition: 0, offset: 1000n, key: null, value: readFileSync(linesFile) };
  batch.add(message, decodeSendEvents(message), 0);
  const refused = await new BatchWriter(client, { database: 'default', consumerGroup: 'replay-process' }).write(batch);
  const count = async (query) => Number((await (await client.query({ query, format: 'JSONEachRow' })).json())[0].n);
  const raw = await count(`SELECT count() AS n FROM email_send_events WHERE workspace = 'replay-process'`);
  const rollup = await count(`SELECT sum(attempts) AS n FROM email_send_rollup_1m WHERE workspace = 'replay-process'`);
  process.stdout.write(`${JSON.stringify({ refused: refused.length, raw, rollup })}\n`);
} finally {
  await client.close();
}
