/**
 * A shorter ingest run for finding where the loader's time goes (issue 14):
 * N events produced once onto a fresh topic of a running broker
 * (KAFKA_BROKERS), then our loader and the tuned Kafka engine alternately,
 * each in a fresh worker process and store (bench/ingest-worker.ts). With
 * `--cpu-prof DIR`, our loader's worker writes a V8 CPU profile there.
 *
 *   KAFKA_BROKERS=host:port npx tsx bench/ingest-profile.ts [events] [rounds] [--cpu-prof DIR] [--ours-only]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINE_VARIANTS, TUNED_ENGINE, createTopic, produce, startWorker } from './ingest.js';
import type { ThroughputResult } from './ingest-worker.js';
import { round } from './stats.js';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const positional = argv.filter((a, i) => !a.startsWith('--') && !['--cpu-prof', '--xp'].includes(argv[i - 1] ?? ''));
const events = Number(positional[0] ?? 300_000);
const rounds = Number(positional[1] ?? 1);
const profileDir = flag('--cpu-prof');
const oursOnly = argv.includes('--ours-only');
const bootstrap = process.env.KAFKA_BROKERS;
if (!bootstrap) throw new Error('set KAFKA_BROKERS');
const tuned = ENGINE_VARIANTS.find((v) => v.name === TUNED_ENGINE);
const base = mkdtempSync(join(tmpdir(), 'sendlens-ingest-profile-'));
const topic = `bench.ingest.profile.${randomUUID().slice(0, 8)}`;
await createTopic(bootstrap, topic);
const produced = await produce(bootstrap, topic, events);
console.log(`produced ${events} events in ${produced.messages} messages`);
const steady = (r: ThroughputResult): number => (r.events - r.firstRows) / (r.seconds - r.firstRowsSeconds);
let run = 0;
// Experiments: --xp 'label=ENV=value;ENV=value' (repeatable) runs our loader once per variant per round, with those variables.
const variants = argv.flatMap((a, i) => (argv[i - 1] === '--xp' ? [a] : [])).map((spec) => {
  const [label, vars = ''] = spec.split('=', 2).length === 2 ? [spec.slice(0, spec.indexOf('=')), spec.slice(spec.indexOf('=') + 1)] : [spec, ''];
  return { label, env: Object.fromEntries(vars.split(';').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])) };
});
if (variants.length === 0) variants.push({ label: 'ours', env: {} });
for (let pass = 0; pass < rounds; pass += 1) {
  const modes = [...(oursOnly ? [] : ['engine' as const]), ...variants.map(() => 'ours' as const)];
  const order = modes.map((mode, i) => ({ mode, variant: mode === 'ours' ? variants[i - (oursOnly ? 0 : 1)] : undefined }));
  for (const { mode, variant } of pass % 2 === 0 ? order : order.reverse()) {
    run += 1;
    const env = { ...process.env, ...(variant?.env ?? {}), ...(mode === 'ours' && profileDir && { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` }) };
    const dataDir = join(base, `${mode}-${run}`);
    const result = (await startWorker(mode, { bootstrap, topic, group: `profile-${mode}-${randomUUID().slice(0, 8)}`, dataDir, events, timeoutMs: 240_000, ...(mode === 'engine' && { engineSettings: tuned?.settings ?? [] }) }, env).result) as unknown as ThroughputResult;
    rmSync(dataDir, { recursive: true, force: true });
    if (result.error || result.stored.rows !== events || result.stored.rollupAttempts !== events) throw new Error(`${mode}: ${result.error ?? `stored ${result.stored.rows} rows, rollups ${result.stored.rollupAttempts}`}`);
    const batches = result.batches ?? [];
    console.log(
      `${(variant?.label ?? mode).padEnd(14)} ${round(result.seconds, 2)} s, ${Math.round(events / result.seconds)} events/s from start, steady ${Math.round(steady(result))}, first rows ${round(result.firstRowsSeconds, 2)} s, ${round(result.cpuSeconds / result.seconds, 2)} cores, ${round((result.cpuSeconds * 1e6) / events, 1)} CPU µs/event` +
        `\n       threads (CPU s): ${Object.entries(result.threadCpu ?? {}).sort((a, b) => b[1] - a[1]).map(([name, seconds]) => `${name} ${seconds}`).join(', ')}` +
        (batches.length > 0 ? `, ${batches.length} batches (median ${batches.map((b) => b.rows).sort((a, b) => a - b)[batches.length >> 1]} rows, ${batches.map((b) => b.ms).sort((a, b) => a - b)[batches.length >> 1]} ms)` : ''),
    );
  }
}
rmSync(base, { recursive: true, force: true });
