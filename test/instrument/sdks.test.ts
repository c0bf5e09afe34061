import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { Resend } from 'resend';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RecipientHasher, validateSendEvent } from '../../src/events/index.js';
import { SendInstrumentation, retryDelayMs, sendWithRetry } from '../../src/instrument/index.js';
import { instrumentResend, judgeResend } from '../../src/providers/resend/index.js';
import { instrumentSesClient, operationForCommand } from '../../src/providers/ses/index.js';
import { normalizeResponse } from '../../src/normalize/index.js';
import { MemorySink, memoryTracing, until } from '../helpers/otel.js';
import { StubProvider } from '../helpers/stub-provider.js';

const KEY = 'test-recipient-key-0123456789';

describe('the AWS SDK v3 SESv2 client, instrumented by middleware', () => {
  const stub = new StubProvider();
  let sink: MemorySink;
  let tracing: ReturnType<typeof memoryTracing>;
  let client: SESv2Client;

  beforeAll(() => stub.start());
  afterAll(() => stub.stop());
  beforeEach(() => {
    sink = new MemorySink();
    tracing = memoryTracing();
    const instrumentation = new SendInstrumentation({ service: 'billing', sink, recipientHashKey: KEY, tracer: tracing.tracer });
    client = instrumentSesClient(
      instrumentation,
      new SESv2Client({ region: 'eu-west-1', endpoint: stub.url, credentials: { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'secret' }, maxAttempts: 3 }),
      { workspace: 'acme' },
    );
  });

  const command = () =>
    new SendEmailCommand({
      FromEmailAddress: 'no-reply@mail.acme.com',
      Destination: { ToAddresses: ['jane.doe@example.com'] },
      Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'Hello' } } } },
    });

  it('records every try the SDK makes, and users still just call client.send', async () => {
    stub.reply(
      { status: 429, headers: { 'x-amzn-ErrorType': 'TooManyRequestsException:http://internal.amazon.com/coral/com.amazonaws.sesv2/' }, body: { message: 'Too Many Requests' } },
      { status: 200, body: { MessageId: '0102018f-ses-message-id' } },
    );
    const output = await client.send(command());
    expect(output.MessageId).toBe('0102018f-ses-message-id');
    expect(stub.requests).toHaveLength(2);

    await until(() => sink.events.length === 2);
    for (const event of sink.events) expect(validateSendEvent(event).ok).toBe(true);
    expect(sink.events.map((e) => [e.attempt, e.outcome, e.code, e.status])).toEqual([
      [1, 'failed', 'throttling.rate_limited', 429],
      [2, 'sent', null, 200],
    ]);
    expect(sink.events[1]).toMatchObject({
      provider: 'ses',
      operation: 'send',
      workspace: 'acme',
      sender_domain: 'mail.acme.com',
      recipient_domain: 'example.com',
      recipient_hash: new RecipientHasher(KEY).hash('jane.doe@example.com'),
      provider_message_id: '0102018f-ses-message-id',
    });
    const spans = tracing.spans();
    expect(spans.map((s) => s.attributes['email.attempt'])).toEqual([1, 2]);
    expect(spans[0]?.attributes).toMatchObject({ 'error.type': 'throttling.rate_limited', 'server.address': '127.0.0.1', 'http.request.method': 'POST' });
  });

  it('lets the SDK exception reach the caller unchanged, normalized on the side', async () => {
    stub.reply({
      status: 400,
      headers: { 'x-amzn-ErrorType': 'MessageRejected:http://internal.amazon.com/coral/com.amazonaws.sesv2/' },
      body: { message: 'Email address is not verified. The following identities failed the check in region EU-WEST-1: jane.doe@example.com' },
    });
    const error = await client.send(command()).catch((e: unknown) => e);
    expect((error as Error).name).toBe('MessageRejected');
    expect(stub.requests).toHaveLength(1); // the SDK does not retry a 400
    await until(() => sink.events.length === 1);
    expect(sink.events[0]).toMatchObject({ outcome: 'failed', status: 400, code: 'account.sandbox_restricted', provider_code: 'MessageRejected', error_message: expect.stringContaining('[email]') as unknown as string });
  });

  it('names SESv2 commands as operations', () => {
    expect(operationForCommand('SendEmailCommand')).toBe('send');
    expect(operationForCommand('SendBulkEmailCommand')).toBe('send_batch');
    expect(operationForCommand('GetEmailIdentityCommand')).toBe('domain_verify');
    expect(operationForCommand('CreateEmailIdentityCommand')).toBe('domain_manage');
    expect(operationForCommand('CreateConfigurationSetEventDestinationCommand')).toBe('webhook_manage');
    expect(operationForCommand('PutSuppressedDestinationCommand')).toBe('suppression_manage');
    expect(operationForCommand('GetAccountCommand')).toBe('other');
  });
});

describe('the resend SDK, instrumented in place', () => {
  const stub = new StubProvider();
  let sink: MemorySink;
  let resend: Resend;

  beforeAll(() => stub.start());
  afterAll(() => stub.stop());
  beforeEach(() => {
    sink = new MemorySink();
    const instrumentation = new SendInstrumentation({ service: 'web', sink, recipientHashKey: KEY, tracer: memoryTracing().tracer });
    resend = instrumentResend(instrumentation, new Resend('re_test_0123456789abcdef', { baseUrl: stub.url }));
  });

  const email = { from: 'Acme <hello@mail.acme.com>', to: 'jane.doe@example.com', subject: 'Hi', text: 'Hello' };

  it('keeps the SDK result and records a sent attempt', async () => {
    stub.reply({ status: 200, body: { id: 'e-123' } });
    const result = await resend.emails.send(email);
    expect(result.error).toBeNull();
    expect(result.data).toEqual({ id: 'e-123' });
    await until(() => sink.events.length === 1);
    expect(sink.events[0]).toMatchObject({ provider: 'resend', operation: 'send', outcome: 'sent', provider_message_id: 'e-123', sender_domain: 'mail.acme.com' });
  });

  it('normalizes the error the SDK returns instead of throwing, including its headers', async () => {
    stub.reply({ status: 429, headers: { 'retry-after': '2' }, body: { statusCode: 429, name: 'rate_limit_exceeded', message: 'Too many requests.' } });
    const result = await resend.emails.send(email);
    expect(result.error?.name).toBe('rate_limit_exceeded');
    await until(() => sink.events.length === 1);
    expect(sink.events[0]).toMatchObject({ outcome: 'failed', code: 'throttling.rate_limited', status: 429, retry_after_ms: 2000 });
  });

  it('covers batch sends and retries through the same judge', async () => {
    stub.reply({ status: 500, body: { statusCode: 500, name: 'internal_server_error', message: 'An unexpected error occurred.' } }, { status: 200, body: { data: [{ id: 'b-1' }, { id: 'b-2' }] } });
    const waits: number[] = [];
    const result = await sendWithRetry(() => resend.batch.send([email, email]), judgeResend, { sleep: async (ms) => void waits.push(ms), random: () => 0 });
    expect(result.data).toEqual({ data: [{ id: 'b-1' }, { id: 'b-2' }] });
    expect(waits).toEqual([500]);
    await until(() => sink.events.length === 2);
    expect(sink.events.map((e) => [e.operation, e.outcome, e.code])).toEqual([
      ['send_batch', 'failed', 'provider.internal_error'],
      ['send_batch', 'sent', null],
    ]);
  });
});

describe('retryDelayMs', () => {
  const failure = (status: number, body: unknown, headers: Record<string, string> = {}) => normalizeResponse('sendfleet', { status, headers, body }, { now: 0 });
  const fixed = { random: () => 0 };

  it('follows the provider schedule (SendFleet 502: 1, 2, 4, 8 s, then stop)', () => {
    const queue = failure(502, { error: 'queue_error' });
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(queue, n, fixed))).toEqual([1000, 2000, 4000, 8000, null]);
  });

  it('retries a SendFleet 500 once, 2–5 s later', () => {
    const internal = failure(500, '');
    expect(retryDelayMs(internal, 1, { random: () => 0 })).toBe(2000);
    expect(retryDelayMs(internal, 1, { random: () => 0.999999 })).toBe(5000);
    expect(retryDelayMs(internal, 2, fixed)).toBeNull();
  });

  it('honours Retry-After, and gives up inline when the wait is too long', () => {
    const throttled = failure(429, { detail: 'Request was throttled.' }, { 'retry-after': '7' });
    expect(retryDelayMs(throttled, 1)).toBe(7000);
    expect(retryDelayMs(throttled, 1, { maxWaitMs: 5000 })).toBeNull();
  });

  it('never retries what must be fixed first, nor a spent monthly quota', () => {
    expect(retryDelayMs(failure(403, { error: 'unauthorized' }), 1)).toBeNull();
    expect(retryDelayMs(failure(429, { error: 'usage_limit_exceeded' }), 1)).toBeNull();
  });
});
