/**
 * How rows reach the embedded engine, side by side in one store: the same
 * 48,000 send events inserted as the producer's JSONEachRow lines (what
 * ClickHouse's Kafka engine parses), as JSONCompactEachRow arrays (the
 * loader's format before) and as TabSeparated rows (the loader's format now,
 * src/ingest/row-format.ts), in the statement's text as chDB's connection
 * sends a body, and the first and last again through a file (as the store
 * client now sends a large body: src/store/insert-bodies.ts), in interleaved rounds: median wall ms, MB/s and
 * CPU ms of the insert (the engine's threads; JavaScript waits meanwhile).
 * Beside it, the loader's decode step phase by phase in CPU µs per event.
 * The numbers behind the README's "Why the loader is where it is".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { onReceipt, uuidv7, validateSendEvent } from '../src/events/index.js';
import type { SendEvent } from '../src/events/index.js';
import { decodeSendEvents } from '../src/ingest/index.js';
import { INSERT_COLUMNS, encodeRow, insertStatement } from '../src/ingest/row-format.js';
import { createStoreClient, migrate } from '../src/store/index.js';
import { syntheticEvents } from './producer.js';
import { printTable, round, summarize } from './stats.js';

const EVENTS = 48_000;
const ROUNDS = 5;
const SETTINGS = { date_time_input_format: 'best_effort', input_format_null_as_default: 1, input_format_parallel_parsing: 0 };
const TABLE = 'email_send_events';

const FORMATS = ['jsonEachRow', 'jsonCompactEachRow', 'tabSeparated', 'jsonEachRowFromFile', 'tabSeparatedFromFile'] as const;
type Format = (typeof FORMATS)[number];
const FORMAT_LABELS: Record<Format, string> = {
  jsonEachRow: 'JSONEachRow in the statement (the producer lines; the Kafka engine parses these)',
  jsonCompactEachRow: 'JSONCompactEachRow in the statement (the loader before)',
  tabSeparated: 'TabSeparated in the statement (the loader before the file)',
  jsonEachRowFromFile: 'JSONEachRow through a file',
  tabSeparatedFromFile: 'TabSeparated through a file (the loader now)',
};
/**
 * chDB's connection puts an insert's body into the statement's text; the store
 * client sends a large body through a file instead (src/store/insert-bodies.ts).
 * These formats go through a client that does, the others through one that does not.
 */
const THROUGH_FILE: Partial<Record<Format, Format>> = { jsonEachRowFromFile: 'jsonEachRow', tabSeparatedFromFile: 'tabSeparated' };

export interface FormatResult {
  medianMs: number;
  mbPerSecond: number;
  megabytes: number;
  /** Process CPU (all threads) per event during the insert. */
  cpuMicrosPerEvent: number;
}

/** The decode step's phases, CPU µs per event (median over rounds). */
export interface DecodePhases {
  bufferToString: number;
  jsonParse: number;
  validate: number;
  encodeTabSeparated: number;
  encodeCompactJson: number;
  /** The loader's whole decode (decodeSendEvents over messages of ~23 events). */
  wholeDecode: number;
}

export interface InsertFormatResults {
  events: number;
  rounds: number;
  jsonEachRow: FormatResult;
  jsonCompactEachRow: FormatResult;
  tabSeparated: FormatResult;
  jsonEachRowFromFile: FormatResult;
  tabSeparatedFromFile: FormatResult;
  /** JSONCompactEachRow insert time ÷ JSONEachRow's (kept from earlier runs' results). */
  compactSpeedup: number;
  /** TabSeparated insert CPU ÷ JSONCompactEachRow's. */
  tabSeparatedCpuRatio: number;
  decodeMicrosPerEvent: number;
  decodePhases: DecodePhases;
}

const cpuMicros = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return used.user + used.system;
};

export async function benchInsertFormat(): Promise<InsertFormatResults> {
  const dir = mkdtempSync(join(tmpdir(), 'sendlens-bench-format-'));
  const client = await createStoreClient({ dataDir: dir, bodiesThroughFiles: false });
  const filesClient = await createStoreClient({ dataDir: dir });
  try {
    await migrate(client, { database: 'default', retentionDays: 3650, rollupRetentionDays: 3650 });
    const columns = INSERT_COLUMNS.get(TABLE) ?? [];
    const validate = onReceipt(validateSendEvent);
    const template = syntheticEvents(10_000);
    let n = 0;
    const batch = () =>
      Array.from({ length: EVENTS }, () => {
        n += 1;
        const at = Date.now() - n;
        return JSON.stringify({ ...(template[n % template.length] as SendEvent), event_id: uuidv7(at), occurred_at: new Date(at).toISOString(), message_id: `m-${n}` });
      });
    const statement = (format: Format) => (format === 'jsonEachRow' ? `INSERT INTO default.${TABLE} FORMAT JSONEachRow` : format === 'jsonCompactEachRow' ? `INSERT INTO default.${TABLE} (${columns.join(', ')}) FORMAT JSONCompactEachRow` : insertStatement('default', TABLE));
    const insert = async (format: Format, body: string) => {
      const started = performance.now();
      const cpu = process.cpuUsage();
      const asFormat = THROUGH_FILE[format];
      const result = await (asFormat ? filesClient : client).exec({ query: statement(asFormat ?? format), values: Readable.from([body]), clickhouse_settings: SETTINGS as never });
      result.stream.resume();
      return { ms: performance.now() - started, cpu: cpuMicros(cpu) / EVENTS };
    };
    const times = Object.fromEntries(FORMATS.map((f) => [f, { ms: [] as number[], cpu: [] as number[] }])) as Record<Format, { ms: number[]; cpu: number[] }>;
    const phases: Record<keyof DecodePhases, number[]> = { bufferToString: [], jsonParse: [], validate: [], encodeTabSeparated: [], encodeCompactJson: [], wholeDecode: [] };
    const bytes = Object.fromEntries(FORMATS.map((f) => [f, 0])) as Record<Format, number>;
    for (let round = 0; round < ROUNDS + 1; round += 1) {
      const lines = batch();
      const buffers = lines.map((line) => Buffer.from(line));
      // The decode step's phases one at a time over the whole batch, then the loader's decode as it runs (messages of ~23 events, JSON Lines).
      let cpu = process.cpuUsage();
      const texts = buffers.map((buffer) => buffer.toString('utf8'));
      const toStringMicros = cpuMicros(cpu);
      cpu = process.cpuUsage();
      const parsed = texts.map((text) => JSON.parse(text) as Record<string, unknown>);
      const parseMicros = cpuMicros(cpu);
      cpu = process.cpuUsage();
      if (parsed.some((event) => !validate(event).ok)) throw new Error('format bench: a synthetic event is invalid');
      const validateMicros = cpuMicros(cpu);
      cpu = process.cpuUsage();
      const tabSeparated = parsed.map((event, i) => encodeRow(TABLE, event, texts[i])).join('\n');
      const tabMicros = cpuMicros(cpu);
      cpu = process.cpuUsage();
      const compact = parsed.map((event) => JSON.stringify(columns.map((column) => event[column]))).join('\n');
      const compactMicros = cpuMicros(cpu);
      cpu = process.cpuUsage();
      const decodedRows: string[] = [];
      for (let i = 0; i < lines.length; i += 23) {
        const decoded = decodeSendEvents({ topic: 'bench', partition: 0, offset: BigInt(i), key: null, value: Buffer.from(lines.slice(i, i + 23).join('\n')) });
        for (const row of decoded.rows.get(TABLE) ?? []) decodedRows.push(row.text);
      }
      const wholeMicros = cpuMicros(cpu);
      if (decodedRows.join('\n') !== tabSeparated) throw new Error('format bench: the loader decoded other rows than the phases did');
      const jsonLines = lines.join('\n');
      const bodies: Record<Format, string> = { jsonEachRow: jsonLines, jsonCompactEachRow: compact, tabSeparated, jsonEachRowFromFile: jsonLines, tabSeparatedFromFile: tabSeparated };
      for (const format of FORMATS) bytes[format] = Buffer.byteLength(bodies[format]);
      const order = round % 2 === 0 ? FORMATS : [...FORMATS].reverse();
      const measured = {} as Record<Format, { ms: number; cpu: number }>;
      for (const format of order) measured[format] = await insert(format, bodies[format]);
      // The first round warms the engine up and is not counted.
      if (round === 0) continue;
      for (const format of FORMATS) {
        times[format].ms.push(measured[format].ms);
        times[format].cpu.push(measured[format].cpu);
      }
      const perEvent = (micros: number) => micros / EVENTS;
      phases.bufferToString.push(perEvent(toStringMicros));
      phases.jsonParse.push(perEvent(parseMicros));
      phases.validate.push(perEvent(validateMicros));
      phases.encodeTabSeparated.push(perEvent(tabMicros));
      phases.encodeCompactJson.push(perEvent(compactMicros));
      phases.wholeDecode.push(perEvent(wholeMicros));
    }
    const result = (format: Format): FormatResult => {
      const ms = summarize(times[format].ms).median;
      return { medianMs: round(ms, 0), mbPerSecond: round(bytes[format] / 1e6 / (ms / 1000), 1), megabytes: round(bytes[format] / 1e6, 1), cpuMicrosPerEvent: round(summarize(times[format].cpu).median, 2) };
    };
    const decodePhases = Object.fromEntries(Object.entries(phases).map(([phase, values]) => [phase, round(summarize(values).median, 2)])) as unknown as DecodePhases;
    const results: InsertFormatResults = {
      events: EVENTS,
      rounds: ROUNDS,
      jsonEachRow: result('jsonEachRow'),
      jsonCompactEachRow: result('jsonCompactEachRow'),
      tabSeparated: result('tabSeparated'),
      jsonEachRowFromFile: result('jsonEachRowFromFile'),
      tabSeparatedFromFile: result('tabSeparatedFromFile'),
      compactSpeedup: 0,
      tabSeparatedCpuRatio: 0,
      decodeMicrosPerEvent: decodePhases.wholeDecode,
      decodePhases,
    };
    results.compactSpeedup = round(results.jsonEachRow.medianMs / results.jsonCompactEachRow.medianMs, 2);
    results.tabSeparatedCpuRatio = round(results.tabSeparated.cpuMicrosPerEvent / results.jsonCompactEachRow.cpuMicrosPerEvent, 2);
    printTable(
      `Insert format: ${EVENTS} send events into embedded ClickHouse (chDB), table + rollup view, one insert each, ${ROUNDS} interleaved rounds after a warm-up; medians`,
      ['format', 'MB', 'ms', 'MB/s', 'events/s', 'CPU µs/event'],
      FORMATS.map((format) => [FORMAT_LABELS[format], results[format].megabytes, results[format].medianMs, results[format].mbPerSecond, Math.round(EVENTS / (results[format].medianMs / 1000)), results[format].cpuMicrosPerEvent]),
    );
    printTable(
      'Decode step, CPU µs per event (medians): each phase alone over the batch, then the loader\'s decode as it runs',
      ['bytes → text', 'JSON.parse', 'validate', 'encode TabSeparated', '(encode compact JSON)', 'whole decode'],
      [[decodePhases.bufferToString, decodePhases.jsonParse, decodePhases.validate, decodePhases.encodeTabSeparated, decodePhases.encodeCompactJson, decodePhases.wholeDecode]],
    );
    console.log(`insert CPU, TabSeparated ÷ JSONCompactEachRow: ×${results.tabSeparatedCpuRatio}; JSONCompactEachRow ÷ JSONEachRow insert time: ×${round(1 / results.compactSpeedup, 2)}`);
    return results;
  } finally {
    await Promise.all([client.close(), filesClient.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}
