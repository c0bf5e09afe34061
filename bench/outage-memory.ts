/**
 * Run as its own process (`tsx bench/outage-memory.ts <bufferedItems|none>`)
 * so its memory is its own: a sustained burst of events while the broker is
 * down (nothing listens on the port), sampling memory every 20 ms. Prints one
 * JSON line.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { KafkaEventSink, SharedProducer } from '../src/transport/index.js';
import { syntheticEvents } from './producer.js';

const BURST_EVENTS = 600_000;
const BURST_SECONDS = 6;

async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const mode = process.argv[2] ?? 'none';
const bufferedItems = mode === 'none' ? 0 : Number(mode);
const template = syntheticEvents(1_000);
globalThis.gc?.();
const baseline = process.memoryUsage();
let peakHeap = baseline.heapUsed;
let peakRss = baseline.rss;
const sampler = setInterval(() => {
  const now = process.memoryUsage();
  peakHeap = Math.max(peakHeap, now.heapUsed);
  peakRss = Math.max(peakRss, now.rss);
}, 20);

const sink =
  bufferedItems > 0
    ? new KafkaEventSink({
        producer: new SharedProducer({ brokers: [`127.0.0.1:${await deadPort()}`], clientId: 'bench-outage', ssl: false, eventsTopic: 'x', spansTopic: 'y', deliveryTopic: 'z' }),
        topic: 'email.send.events',
        limits: { maxBufferedItems: bufferedItems },
      })
    : { emit: () => undefined, stats: () => ({ dropped: 0, buffered: 0, bufferedBytes: 0 }) };

// A burst spread over BURST_SECONDS, each event a fresh object as a send path would make.
const perTick = Math.ceil(BURST_EVENTS / (BURST_SECONDS * 100));
for (let sent = 0; sent < BURST_EVENTS; ) {
  for (let i = 0; i < perTick && sent < BURST_EVENTS; i += 1, sent += 1) {
    const event = template[sent % template.length];
    sink.emit({ ...event!, event_id: `${event!.event_id.slice(0, 30)}${String(sent).padStart(6, '0')}`, message_id: `m-${sent}` });
  }
  await new Promise((resolve) => setTimeout(resolve, 10));
}
clearInterval(sampler);
const stats = sink.stats();
// What the sink really holds: the heap after a full collection, against the baseline.
globalThis.gc?.();
const retained = process.memoryUsage().heapUsed - baseline.heapUsed;
console.log(JSON.stringify({ bufferedItems, events: BURST_EVENTS, peakHeapDeltaMB: (peakHeap - baseline.heapUsed) / 1e6, peakRssDeltaMB: (peakRss - baseline.rss) / 1e6, retainedHeapMB: retained / 1e6, dropped: stats.dropped, buffered: stats.buffered, bufferedBytes: 'bufferedBytes' in stats ? stats.bufferedBytes : 0 }));
process.exit(0);
