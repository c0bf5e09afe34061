import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { TracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaIngest } from '../../src/ingest/index.js';
import { SendInstrumentation, instrumentFetch } from '../../src/instrument/index.js';
import { createStoreClient, migrate } from '../../src/store/index.js';
import { KafkaEventSink, KafkaSpanExporter, SharedProducer } from '../../src/transport/index.js';
import { brokers, createTopic, fullyCommitted, readTopic, testSettings } from '../helpers/kafka.js';
import { StubProvider } from '../helpers/stub-provider.js';

const { Kafka, logLevel } = kafkajs;

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('spans from the send path into otel_traces, through the real broker', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-spans-'));
  let client: ClickHouseClient;
  const rows = async <T>(query: string) => (await (await client.query({ query, format: 'JSONEachRow' })).json()) as T[];

  beforeAll(async () => {
    client = await createStoreClient({ dataDir });
    await migrate(client, { database: 'default', retentionDays: 3650, rollupRetentionDays: 3650 });
  });
  afterAll(async () => {
    await client.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('one attempt becomes a send event and a span that join on trace and span id; a non-OTLP message is dead-lettered', async () => {
    const kafka = testSettings();
    const groupId = `g-${kafka.clientId}`;
    const deadLetterTopic = `${kafka.spansTopic}.dlq`;
    await createTopic(brokers(), kafka.eventsTopic, 1);
    await createTopic(brokers(), kafka.spansTopic, 1);

    // The send path, wired as startSendlens wires it: events to the events topic, spans (OTLP protobuf) to the spans topic.
    const producer = new SharedProducer(kafka);
    const sink = new KafkaEventSink({ producer, topic: kafka.eventsTopic, limits: { lingerMs: 5 } });
    const exporter = new KafkaSpanExporter(producer, kafka.spansTopic);
    const processor = new BatchSpanProcessor({ exporter, scheduledDelayMillis: 50 });
    const tracer = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'checkout' }), spanProcessors: [processor] }).getTracer('sendlens');
    const instrumentation = new SendInstrumentation({ service: 'checkout', environment: 'test', sink, recipientHashKey: 'test-recipient-key-0123456789', tracer });
    const stub = await new StubProvider().start();
    try {
      stub.reply({ status: 429, headers: { 'retry-after': '5' }, body: { statusCode: 429, name: 'rate_limit_exceeded', message: 'Too many requests.' } });
      const send = instrumentFetch(instrumentation, { provider: 'resend' });
      await send(`${stub.url}/emails`, { method: 'POST', body: JSON.stringify({ from: 'a@mail.acme.com', to: 'jane.doe@example.com' }) });
      await new Promise((resolve) => setTimeout(resolve, 50));
      instrumentation.drain();
      await processor.forceFlush();
      expect(await sink.flush(10_000)).toBe(true);
    } finally {
      await stub.stop();
    }
    expect(exporter.exported).toBe(1);
    await producer.disconnect();

    // Something on the spans topic that is not OTLP: it must not vanish, nor stop the spans behind it.
    const raw = new Kafka({ brokers: brokers().split(','), logLevel: logLevel.NOTHING }).producer();
    await raw.connect();
    await raw.send({ topic: kafka.spansTopic, messages: [{ value: Buffer.from('{"not": "protobuf"}') }] });
    await raw.disconnect();

    const ingest = new KafkaIngest({ kafka, client, database: 'default', groupId, deadLetterTopic, limits: { maxWaitMs: 100 } });
    await ingest.start();
    try {
      await waitFor(async () => (await fullyCommitted(groupId, kafka.eventsTopic)) && fullyCommitted(groupId, kafka.spansTopic), 60_000, 'both topics committed');
    } finally {
      await ingest.stop();
    }

    const joined = await rows<Record<string, string>>(
      `SELECT e.code AS code, e.outcome AS outcome, t.SpanName AS span_name, t.SpanKind AS kind, t.StatusCode AS status, t.ServiceName AS service,
              t.SpanAttributes['error.type'] AS error_type, t.SpanAttributes['http.response.status_code'] AS http_status, t.SpanAttributes['server.address'] AS server
       FROM email_send_events AS e INNER JOIN otel_traces AS t ON t.TraceId = e.trace_id AND t.SpanId = e.span_id
       WHERE e.environment = 'test' AND e.service = 'checkout'`,
    );
    expect(joined).toEqual([
      { code: 'throttling.rate_limited', outcome: 'failed', span_name: 'send resend', kind: 'Client', status: 'Error', service: 'checkout', error_type: 'throttling.rate_limited', http_status: '429', server: '127.0.0.1' },
    ]);

    const [letter] = await readTopic(brokers(), deadLetterTopic, 1);
    expect(letter?.headers['sendlens.reason']).toMatch(/^not an OTLP ExportTraceServiceRequest/);
    expect(letter?.headers['sendlens.source.topic']).toBe(kafka.spansTopic);
    expect(letter?.value.toString()).toBe('{"not": "protobuf"}');
  }, 120_000);
});
