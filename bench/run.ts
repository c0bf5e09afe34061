/**
 * `npm run bench`: every benchmark, printed as tables and written to
 * bench/results/latest.json. Uses KAFKA_BROKERS when set, otherwise starts
 * the local broker (scripts/kafka) for the broker benchmarks and stops it.
 *
 * `npm run bench -- ingest producer` runs only the named groups
 * (instrumentation, producer, ingest, format, outage); the JSON then holds only those,
 * and the closing targets table says "not run" for the targets of the others.
 * `panels` (bench/panels.ts: fills a store of 10 M events, then times every
 * dashboard panel and alert query) takes many minutes, so it runs only when
 * named: `npm run bench -- panels --events 50M`; options after the group names
 * go to it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker, stopBroker } from '../scripts/kafka/local-broker.js';
import { benchIngest } from './ingest.js';
import { benchInsertFormat } from './insert-format.js';
import { benchInstrumentationOverhead } from './instrumentation.js';
import { benchProducerThroughput } from './producer.js';
import { printTable, round } from './stats.js';
import { printTargets } from './targets.js';
import type { KafkaSettings } from '../src/transport/index.js';

const results: Record<string, unknown> = {
  startedAt: new Date().toISOString(),
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version },
};

const GROUPS = ['instrumentation', 'producer', 'ingest', 'format', 'outage', 'panels'] as const;
/** Groups left out of a run that names none. */
const OPT_IN: readonly string[] = ['panels'];
const args = process.argv.slice(2);
const firstOption = args.findIndex((arg) => arg.startsWith('--'));
const asked = firstOption === -1 ? args : args.slice(0, firstOption);
const options = firstOption === -1 ? [] : args.slice(firstOption);
const unknown = asked.filter((name) => !(GROUPS as readonly string[]).includes(name));
if (unknown.length > 0) {
  console.error(`unknown benchmark group(s): ${unknown.join(', ')}; known: ${GROUPS.join(', ')}`);
  process.exit(2);
}
const wanted = (group: (typeof GROUPS)[number]): boolean => (asked.length === 0 ? !OPT_IN.includes(group) : asked.includes(group));
if (options.length > 0 && !wanted('panels')) {
  console.error(`options (${options.join(' ')}) are for the panels group only`);
  process.exit(2);
}

if (wanted('instrumentation')) results.instrumentation = await benchInstrumentationOverhead();

let brokerDir: string | undefined;
let bootstrap = process.env.KAFKA_BROKERS;
if ((wanted('producer') || wanted('ingest')) && !bootstrap) {
  brokerDir = mkdtempSync(join(tmpdir(), 'sendlens-bench-kafka-'));
  bootstrap = (await startBroker({ dir: brokerDir, stopWithProcess: process.pid, log: (line) => console.error(`[kafka] ${line}`) })).bootstrap;
}
try {
  if (bootstrap && wanted('producer')) {
    const settings: KafkaSettings = { brokers: bootstrap.split(','), clientId: 'sendlens-bench', ssl: false, eventsTopic: 'email.send.events', spansTopic: 'otlp_spans', deliveryTopic: 'email.delivery.events' };
    results.producer = await benchProducerThroughput(settings);
  }
  if (bootstrap && wanted('ingest')) results.ingest = await benchIngest(bootstrap);
} finally {
  if (brokerDir) {
    await stopBroker(brokerDir);
    rmSync(brokerDir, { recursive: true, force: true });
  }
}

if (wanted('format')) results.insertFormat = await benchInsertFormat();

// Memory during an outage: each case in a fresh process, so earlier benchmarks do not colour it.
if (wanted('outage')) benchOutageMemory();

function benchOutageMemory(): void {
const script = fileURLToPath(new URL('./outage-memory.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
const outage = ['none', '10000', '100000'].map((mode) => JSON.parse(execFileSync(tsx, ['--expose-gc', script, mode], { encoding: 'utf8' }).trim().split('\n').pop() as string) as Record<string, number>);
printTable(
  'Peak memory during a 600,000-event burst over 6 s with the broker down (fresh process each)',
  ['buffer limit (events; 64 MiB)', 'peak heap Δ MB', 'peak RSS Δ MB', 'retained heap after GC MB', 'held', 'held MB (JSON)', 'dropped'],
  outage.map((o) => [
    o.bufferedItems === 0 ? 'no sink (baseline)' : o.bufferedItems ?? 0,
    round(o.peakHeapDeltaMB ?? 0, 1),
    round(o.peakRssDeltaMB ?? 0, 1),
    round(o.retainedHeapMB ?? 0, 1),
    o.buffered ?? 0,
    round((o.bufferedBytes ?? 0) / 1e6, 1),
    o.dropped ?? 0,
  ]),
);
results.outageMemory = outage;
}

// In its own process: the embedded engine binds one data directory per process, and the format group has its own.
if (wanted('panels')) {
  const out = join(mkdtempSync(join(tmpdir(), 'sendlens-bench-panels-out-')), 'panels.json');
  const script = fileURLToPath(new URL('./panels.ts', import.meta.url));
  const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
  try {
    execFileSync(tsx, [script, ...options, '--out', out], { stdio: 'inherit' });
  } catch {
    console.error('the panels benchmark failed or had failing queries (above)');
    process.exitCode = 1;
  }
  try {
    results.panels = JSON.parse(readFileSync(out, 'utf8'));
  } catch {
    // No results file: the child stopped before writing it, and said why above.
  }
  rmSync(dirname(out), { recursive: true, force: true });
}

// Last, so the verdicts are the final lines of the run.
results.targets = printTargets(results);

const dir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwrote bench/results/latest.json`);
