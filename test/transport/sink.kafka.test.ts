import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateSendEvent } from '../../src/events/index.js';
import type { SendEvent } from '../../src/events/index.js';
import { SendInstrumentation, instrumentFetch } from '../../src/instrument/index.js';
import { KafkaEventSink, KafkaSpanExporter, SharedProducer, partitionKey } from '../../src/transport/index.js';
import { precompressionStats } from '../../src/transport/gzip-codec.js';
import { startBroker, stopBroker } from '../../scripts/kafka/local-broker.js';
import type { BrokerHandle } from '../../scripts/kafka/local-broker.js';
import { sampleEvent } from '../helpers/events.js';
import { brokers, createTopic, eventLines, freePorts, readTopic, testSettings } from '../helpers/kafka.js';
import { StubProvider } from '../helpers/stub-provider.js';

const KEY = 'test-recipient-key-0123456789';
const otlp = protobuf.loadSync(fileURLToPath(new URL('../fixtures/otlp-trace.proto', import.meta.url)));
const ExportTraceServiceRequest = otlp.lookupType('otlp.ExportTraceServiceRequest');

describe('events and spans into the real broker', () => {
  it('lands every event on the topic as schema-valid JSON, one sender per partition, in order', async () => {
    const settings = testSettings();
    await createTopic(brokers(), settings.eventsTopic, 3);
    const producer = new SharedProducer(settings);
    const sink = new KafkaEventSink({ producer, topic: settings.eventsTopic, limits: { maxBatchItems: 50, lingerMs: 5 } });
    const senders = ['mail.acme.com', 'news.acme.com', 'billing.globex.io', 'alerts.initech.dev'];
    const sent: SendEvent[] = [];
    for (let i = 0; i < 400; i += 1) {
      const event = sampleEvent({ sender_domain: senders[i % senders.length] as string, message_id: `m-${i}`, attempt: 1 + (i % 3) });
      sent.push(event);
      sink.emit(event);
    }
    expect(await sink.flush(20_000)).toBe(true);
    expect(sink.stats()).toMatchObject({ delivered: 400, dropped: 0 });
    await producer.disconnect();

    const messages = await readTopic(brokers(), settings.eventsTopic, 400, 30_000, (m) => eventLines(m).length);
    // Fewer messages than events: each carries one sender's events as JSON Lines.
    expect(messages.length).toBeLessThan(400);
    const events = messages.flatMap((m) => eventLines(m).map((line) => JSON.parse(line) as SendEvent));
    for (const event of events) expect(validateSendEvent(event)).toMatchObject({ ok: true });
    expect(events.map((e) => e.event_id).sort()).toEqual(sent.map((e) => e.event_id).sort());

    const partitionOf = new Map<string, number>();
    for (const m of messages) {
      for (const line of eventLines(m)) expect(m.key).toBe(partitionKey(JSON.parse(line) as SendEvent));
      const known = partitionOf.get(m.key as string);
      if (known !== undefined) expect(m.partition).toBe(known);
      partitionOf.set(m.key as string, m.partition);
    }
    for (const sender of senders) {
      const order = messages.filter((m) => m.key === `acme/${sender}`).flatMap((m) => eventLines(m).map((line) => (JSON.parse(line) as SendEvent).message_id));
      expect(order).toEqual(sent.filter((e) => e.sender_domain === sender).map((e) => e.message_id));
    }
  });

  it('puts spans on the topic as OTLP protobuf that decodes to the attempt, with the event pointing at it', async () => {
    const settings = testSettings();
    const producer = new SharedProducer(settings);
    const exporter = new KafkaSpanExporter(producer, settings.spansTopic);
    const processor = new BatchSpanProcessor({ exporter, scheduledDelayMillis: 50 });
    const tracer = new TracerProvider({ spanProcessors: [processor] }).getTracer('sendlens');
    const events: SendEvent[] = [];
    const instrumentation = new SendInstrumentation({ service: 'checkout', sink: { emit: (e) => events.push(e) }, recipientHashKey: KEY, tracer });
    const stub = await new StubProvider().start();
    try {
      stub.reply({ status: 429, headers: { 'retry-after': '5' }, body: { statusCode: 429, name: 'rate_limit_exceeded', message: 'Too many requests.' } });
      const send = instrumentFetch(instrumentation, { provider: 'resend' });
      await send(`${stub.url}/emails`, { method: 'POST', body: JSON.stringify({ from: 'a@mail.acme.com', to: 'jane.doe@example.com' }) });
      await new Promise((resolve) => setTimeout(resolve, 50));
      instrumentation.drain();
      await processor.forceFlush();
    } finally {
      await stub.stop();
    }
    expect(exporter.exported).toBe(1);
    await producer.disconnect();

    const [message] = await readTopic(brokers(), settings.spansTopic, 1);
    const request = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(message?.value as Buffer), { longs: String, enums: String, bytes: String }) as {
      resourceSpans: { scopeSpans: { scope: { name: string }; spans: { traceId: string; spanId: string; name: string; kind: string; status: { code: string }; attributes: { key: string; value: Record<string, unknown> }[] }[] }[] }[];
    };
    const span = request.resourceSpans[0]?.scopeSpans[0]?.spans[0];
    expect(request.resourceSpans[0]?.scopeSpans[0]?.scope.name).toBe('sendlens');
    expect(span).toMatchObject({ name: 'send resend', kind: 'SPAN_KIND_CLIENT', status: { code: 'STATUS_CODE_ERROR' } });
    const attribute = (key: string) => span?.attributes.find((a) => a.key === key)?.value;
    expect(attribute('error.type')).toEqual({ stringValue: 'throttling.rate_limited' });
    expect(attribute('http.response.status_code')).toEqual({ intValue: '429' });
    expect(attribute('email.provider')).toEqual({ stringValue: 'resend' });
    // The event carries the span's ids (hex), so a row joins its trace.
    expect(Buffer.from(span?.traceId ?? '', 'base64').toString('hex')).toBe(events[0]?.trace_id);
    expect(Buffer.from(span?.spanId ?? '', 'base64').toString('hex')).toBe(events[0]?.span_id);
  });
});

describe('a broker outage', () => {
  let dir: string;
  let broker: BrokerHandle;
  let ports: { port: number; controllerPort: number };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sendlens-outage-'));
    // Both at once: taken one after the other, the OS once gave the same port twice (CI: "The broker and controller ports are both 35799").
    const [port, controllerPort] = await freePorts(2);
    ports = { port: port as number, controllerPort: controllerPort as number };
    broker = await startBroker({ dir, ...ports, stopWithProcess: process.pid });
  }, 180_000);
  afterAll(async () => {
    await stopBroker(dir);
    await rm(dir, { recursive: true, force: true });
  });

  it('leaves the send path alone, counts what it drops, and resumes when the broker is back', async () => {
    const settings = testSettings({ brokers: [broker.bootstrap] });
    await createTopic(broker.bootstrap, settings.eventsTopic, 1);
    const producer = new SharedProducer(settings);
    const sink = new KafkaEventSink({ producer, topic: settings.eventsTopic, limits: { maxBufferedItems: 100, maxBatchItems: 20, lingerMs: 5, maxBackoffMs: 500 } });
    const instrumentation = new SendInstrumentation({ service: 'checkout', sink, recipientHashKey: KEY, tracer: new TracerProvider().getTracer('t') });
    const stub = await new StubProvider().start();
    stub.reply({ status: 200, headers: { 'x-message-id': 'ok' }, body: { id: 'ok' } });
    const send = instrumentFetch(instrumentation, { provider: 'relay' });
    const sendMany = async (count: number, tag: string) => {
      for (let i = 0; i < count; i += 1) {
        const response = await send(`${stub.url}/emails`, { method: 'POST', body: '{}', sendlens: { messageId: `${tag}-${i}` } });
        // The provider's own answer, untouched, broker or no broker.
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ id: 'ok' });
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
      instrumentation.drain();
    };

    try {
      await sendMany(10, 'before');
      expect(await sink.flush(20_000)).toBe(true);

      await stopBroker(broker);
      await sendMany(500, 'during');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const during = sink.stats();
      expect(during.buffered + during.inFlight).toBeLessThanOrEqual(100);
      expect(during.dropped).toBeGreaterThanOrEqual(400);
      expect(during.failedDeliveries).toBeGreaterThan(0);

      broker = await startBroker({ dir, ...ports, stopWithProcess: process.pid });
      expect(await sink.flush(60_000)).toBe(true);
      await sendMany(10, 'after');
      expect(await sink.flush(20_000)).toBe(true);
      const after = sink.stats();
      // Nothing vanished: every event was delivered or counted as dropped.
      expect(after.delivered + after.dropped).toBe(520);

      const messages = await readTopic(broker.bootstrap, settings.eventsTopic, after.delivered, 60_000, (m) => eventLines(m).length);
      const ids = messages.flatMap((m) => eventLines(m).map((line) => (JSON.parse(line) as SendEvent).message_id));
      expect(ids.filter((id) => id.startsWith('before'))).toHaveLength(10);
      expect(ids.filter((id) => id.startsWith('after'))).toHaveLength(10);
      // The newest of the outage survived it; the oldest were dropped.
      expect(ids).toContain('during-499');
      expect(ids).not.toContain('during-0');
    } finally {
      await sink.close(1000);
      await producer.disconnect();
      await stub.stop();
    }
  }, 240_000);
});

describe('the event sink against broker limits', () => {
  it('splits large volumes into batches the broker accepts (message.max.bytes 1 MB)', async () => {
    const settings = testSettings();
    const producer = new SharedProducer(settings);
    // Uncompressed, 5,000 events are ~4 MB: one batch would be refused for good.
    const sink = new KafkaEventSink({ producer, topic: settings.eventsTopic, compression: 'none', limits: { maxBatchItems: 5_000, lingerMs: 5 } });
    for (let i = 0; i < 5_000; i += 1) sink.emit(sampleEvent({ message_id: `m-${i}`, error_message: 'x'.repeat(500) }));
    expect(await sink.flush(60_000)).toBe(true);
    expect(sink.stats()).toMatchObject({ delivered: 5_000, rejected: 0, dropped: 0 });
    await producer.disconnect();
  });

  it('halves its compressed batches on a topic whose max.message.bytes is below them, and still delivers every event once, in order', async () => {
    const settings = testSettings();
    // One partition of 64 KB: the default compressed delivery (4 MiB of JSON) cannot fit in one batch.
    await createTopic(brokers(), settings.eventsTopic, 1, { 'max.message.bytes': String(64 * 1024) });
    const producer = new SharedProducer(settings);
    const sink = new KafkaEventSink({ producer, topic: settings.eventsTopic, limits: { lingerMs: 5 } });
    // Random text so that gzip cannot shrink a 4 MiB batch under the topic's limit.
    const sent = Array.from({ length: 3_000 }, (_, i) => sampleEvent({ message_id: `m-${i}`, error_message: randomBytes(600).toString('base64') }));
    for (const event of sent) sink.emit(event);
    expect(await sink.flush(60_000)).toBe(true);
    expect(sink.stats()).toMatchObject({ delivered: 3_000, rejected: 0, dropped: 0 });
    expect(sink.stats().failedDeliveries).toBeGreaterThan(0);
    await producer.disconnect();
    const messages = await readTopic(brokers(), settings.eventsTopic, 3_000, 30_000, (m) => eventLines(m).length);
    const ids = messages.flatMap((m) => eventLines(m).map((line) => (JSON.parse(line) as SendEvent).message_id));
    expect(ids).toEqual(sent.map((e) => e.message_id));
  });
});

describe('deliveries prepared while the one before them is out', () => {
  it('sends every event once, each sender in order in one partition, with the records compressed ahead of their send', async () => {
    const settings = testSettings();
    await createTopic(brokers(), settings.eventsTopic, 3);
    const producer = new SharedProducer(settings);
    // Small deliveries, all waiting at once: each one after the first is prepared during the one before it.
    const sink = new KafkaEventSink({ producer, topic: settings.eventsTopic, limits: { maxBatchItems: 500, maxBufferedItems: 10_000, lingerMs: 5 } });
    const senders = Array.from({ length: 12 }, (_, i) => `mail${i}.example.com`);
    const sent = Array.from({ length: 6_000 }, (_, i) => sampleEvent({ sender_domain: senders[i % senders.length] as string, message_id: `m-${i}` }));
    const before = precompressionStats();
    // A first send lets the producer see the topic's partitions, as any earlier delivery would.
    await producer.send(settings.eventsTopic, [{ key: 'warm-up', value: 'warm-up' }], 'gzip');
    for (const event of sent) sink.emit(event);
    expect(await sink.flush(60_000)).toBe(true);
    expect(sink.stats()).toMatchObject({ delivered: 6_000, dropped: 0, rejected: 0, failedDeliveries: 0 });
    const after = precompressionStats();
    // kafkajs took the records compressed ahead (of each of the 12 deliveries, at least one partition's), and none are left held.
    expect(after.hits - before.hits).toBeGreaterThanOrEqual(12);
    expect(after.held).toBe(before.held);
    await producer.disconnect();

    const messages = (await readTopic(brokers(), settings.eventsTopic, 6_001, 30_000, (m) => (m.key === 'warm-up' ? 1 : eventLines(m).length))).filter((m) => m.key !== 'warm-up');
    const partitionOf = new Map<string, number>();
    for (const m of messages) {
      for (const line of eventLines(m)) expect(m.key).toBe(partitionKey(JSON.parse(line) as SendEvent));
      expect(partitionOf.get(m.key as string) ?? m.partition).toBe(m.partition);
      partitionOf.set(m.key as string, m.partition);
    }
    for (const sender of senders) {
      const order = messages.filter((m) => m.key === `acme/${sender}`).flatMap((m) => eventLines(m).map((line) => (JSON.parse(line) as SendEvent).message_id));
      expect(order).toEqual(sent.filter((e) => e.sender_domain === sender).map((e) => e.message_id));
    }
  });
});
