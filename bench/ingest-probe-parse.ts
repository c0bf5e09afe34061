/**
 * What the embedded engine's TabSeparated parse costs per event (issue 14): the loader's rows into Null tables
 * with every column String, with the real types, and with the LowCardinality columns too. npx tsx bench/ingest-probe-parse.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { uuidv7 } from '../src/events/index.js';
import { decodeSendEvents } from '../src/ingest/index.js';
import { insertStatement } from '../src/ingest/row-format.js';
import { syntheticEvents } from './producer.js';
const require = createRequire('/work/wt/ingest/package.json');
const { Session } = require('chdb');
const EVENTS = 48000; let n = 0; const template = syntheticEvents(10000);
function batchBody(): string { const rows: string[] = []; const lines = Array.from({ length: EVENTS }, () => { n += 1; const at = Date.now() - n; return JSON.stringify({ ...(template[n % template.length] as object), event_id: uuidv7(at), occurred_at: new Date(at).toISOString(), message_id: `m-${n}` }); });
  for (let i = 0; i < lines.length; i += 23) { const d = decodeSendEvents({ topic: 'p', partition: 0, offset: BigInt(i), key: null, value: Buffer.from(lines.slice(i, i + 23).join('\n')) }); for (const row of d.rows.get('email_send_events') ?? []) rows.push(row.text); } return rows.join('\n'); }
const dir = mkdtempSync(join(tmpdir(), 'parse-'));
const s = new Session(dir);
const stmt = insertStatement('default', 'email_send_events'); const cols = stmt.slice(stmt.indexOf('(') + 1, stmt.indexOf(')')).split(', ');
const real: Record<string, string> = { event_id: 'UUID', schema_version: 'UInt8', occurred_at: "DateTime64(3, 'UTC')", recipient_count: 'UInt32', attempt: 'UInt16', status: 'Nullable(UInt16)', retry_after_ms: 'Nullable(UInt32)', latency_ms: 'Float32' };
const lc = ['service','environment','provider','operation','workspace','sender_domain','recipient_domain','outcome','provider_code','code','category','retry'];
const def = (f: (c: string) => string) => cols.map((c) => `${c} ${f(c)}`).join(', ');
await s.queryAsync(`CREATE TABLE allstr (${def(() => 'String')}) ENGINE = Null`);
await s.queryAsync(`CREATE TABLE reals (${def((c) => real[c] ?? 'String')}) ENGINE = Null`);
await s.queryAsync(`CREATE TABLE reals_lc (${def((c) => real[c] ?? (lc.includes(c) ? 'LowCardinality(String)' : 'String'))}) ENGINE = Null`);
await s.queryAsync(`CREATE TABLE notime (${def((c) => c === 'occurred_at' ? 'String' : real[c] ?? (lc.includes(c) ? 'LowCardinality(String)' : 'String'))}) ENGINE = Null`);
const set = `SET date_time_input_format='best_effort'; SET input_format_null_as_default=1; SET input_format_parallel_parsing=0; `;
const res: Record<string, number[]> = {};
for (let r = 0; r < 6; r += 1) { const body = batchBody();
  for (const t of ['allstr', 'reals', 'reals_lc', 'notime']) { const c = process.cpuUsage(); await s.queryAsync(`${set}INSERT INTO ${t} (${cols.join(', ')}) FORMAT TabSeparated\n${body}`, { format: 'CSV' }); const u = process.cpuUsage(c); if (r > 0) (res[t] ??= []).push((u.user + u.system) / EVENTS); } }
for (const [t, v] of Object.entries(res)) console.log(t.padEnd(10), 'CPU µs/event median', (v.sort((a, b) => a - b)[v.length >> 1] ?? 0).toFixed(2));
s.close(); rmSync(dir, { recursive: true, force: true });
