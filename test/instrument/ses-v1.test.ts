import { SESClient, SendBulkTemplatedEmailCommand, SendEmailCommand, SendRawEmailCommand, SendTemplatedEmailCommand } from '@aws-sdk/client-ses';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RecipientHasher, validateSendEvent } from '../../src/events/index.js';
import { SendInstrumentation } from '../../src/instrument/index.js';
import { instrumentSesClient, operationForCommand } from '../../src/providers/ses/index.js';
import { MemorySink, memoryTracing, until } from '../helpers/otel.js';
import { StubProvider } from '../helpers/stub-provider.js';

const KEY = 'test-recipient-key-0123456789';

/** The SES Query API's error body (https://docs.aws.amazon.com/ses/latest/APIReference/CommonErrors.html). */
const queryError = (code: string, message: string) => ({
  status: 400,
  headers: { 'content-type': 'text/xml' },
  body: `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>7b3c1e2a-0000-4000-8000-000000000001</RequestId></ErrorResponse>`,
});
const sendEmailResponse = (action: string, messageId: string) => ({
  status: 200,
  headers: { 'content-type': 'text/xml' },
  body: `<${action}Response xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><${action}Result><MessageId>${messageId}</MessageId></${action}Result><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></${action}Response>`,
});

describe('the AWS SDK v3 SES v1 client (@aws-sdk/client-ses), instrumented by the same middleware', () => {
  const stub = new StubProvider();
  let sink: MemorySink;
  let tracing: ReturnType<typeof memoryTracing>;
  let client: SESClient;

  beforeAll(() => stub.start());
  afterAll(() => stub.stop());
  beforeEach(() => {
    sink = new MemorySink();
    tracing = memoryTracing();
    const instrumentation = new SendInstrumentation({ service: 'billing', sink, recipientHashKey: KEY, tracer: tracing.tracer });
    client = instrumentSesClient(
      instrumentation,
      new SESClient({ region: 'eu-west-1', endpoint: stub.url, credentials: { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'secret' }, maxAttempts: 2 }),
      { workspace: 'acme' },
    );
  });

  const sendEmail = () =>
    new SendEmailCommand({
      Source: 'Acme Billing <billing@mail.acme.com>',
      Destination: { ToAddresses: ['jane.doe@example.com', 'john@example.org'] },
      Message: { Subject: { Data: 'Invoice' }, Body: { Text: { Data: 'Attached.' } } },
    });

  it('records the SDK retrying a Throttling "Maximum sending rate exceeded." and the success after it', async () => {
    stub.reply(queryError('Throttling', 'Maximum sending rate exceeded.'), sendEmailResponse('SendEmail', '0102018f-v1-message-id'));
    const output = await client.send(sendEmail());
    expect(output.MessageId).toBe('0102018f-v1-message-id');
    expect(stub.requests).toHaveLength(2);
    expect(stub.requests[0]?.body).toContain('Action=SendEmail');

    await until(() => sink.events.length === 2);
    for (const event of sink.events) expect(validateSendEvent(event).ok).toBe(true);
    expect(sink.events.map((e) => [e.attempt, e.outcome, e.code, e.status, e.provider_code])).toEqual([
      [1, 'failed', 'throttling.rate_limited', 400, 'Throttling'],
      [2, 'sent', null, 200, null],
    ]);
    expect(sink.events[1]).toMatchObject({
      provider: 'ses',
      operation: 'send',
      workspace: 'acme',
      sender_domain: 'mail.acme.com',
      recipient_domain: 'example.com',
      recipient_hash: new RecipientHasher(KEY).hash('jane.doe@example.com'),
      recipient_count: 2,
      provider_message_id: '0102018f-v1-message-id',
    });
    const spans = tracing.spans();
    expect(spans).toHaveLength(2);
    expect(spans[0]?.name).toBe('send ses');
    expect(spans[0]?.attributes).toMatchObject({ 'error.type': 'throttling.rate_limited', 'email.error.retry': 'backoff', 'server.address': '127.0.0.1' });
  });

  it('lets MessageRejected reach the caller unchanged (no retry), normalized on the side', async () => {
    stub.reply(queryError('MessageRejected', 'Email address is not verified. The following identities failed the check in region EU-WEST-1: jane.doe@example.com'));
    const error = await client.send(sendEmail()).catch((e: unknown) => e);
    expect((error as Error).name).toBe('MessageRejected');
    expect(stub.requests).toHaveLength(1);
    await until(() => sink.events.length === 1);
    expect(sink.events[0]).toMatchObject({ outcome: 'failed', status: 400, code: 'account.sandbox_restricted', provider_code: 'MessageRejected', error_message: expect.stringContaining('[email]') as unknown as string });
    expect(sink.events[0]?.error_message).not.toContain('jane.doe@example.com');
  });

  it('normalizes a v1-only exception: TemplateDoesNotExist on SendTemplatedEmail', async () => {
    stub.reply(queryError('TemplateDoesNotExist', 'Template Welcome does not exist.'));
    const error = await client.send(new SendTemplatedEmailCommand({ Source: 'hello@mail.acme.com', Destination: { ToAddresses: ['jane.doe@example.com'] }, Template: 'Welcome', TemplateData: '{}' })).catch((e: unknown) => e);
    expect((error as Error).name).toBe('TemplateDoesNotExistException');
    await until(() => sink.events.length === 1);
    expect(sink.events[0]).toMatchObject({ operation: 'send', outcome: 'failed', code: 'not_found.resource', provider_code: 'TemplateDoesNotExistException', sender_domain: 'mail.acme.com' });
  });

  it('reads From and To from SendRawEmail (envelope Destinations) and SendBulkTemplatedEmail', async () => {
    stub.reply(sendEmailResponse('SendRawEmail', 'raw-1'));
    await client.send(new SendRawEmailCommand({ Source: 'ops@mail.acme.com', Destinations: ['ann@example.net'], RawMessage: { Data: new TextEncoder().encode('Subject: hi\r\n\r\nhello') } }));
    stub.reply({
      status: 200,
      headers: { 'content-type': 'text/xml' },
      body: '<SendBulkTemplatedEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><SendBulkTemplatedEmailResult><Status><member><Status>Success</Status><MessageId>bulk-1</MessageId></member></Status></SendBulkTemplatedEmailResult><ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata></SendBulkTemplatedEmailResponse>',
    });
    await client.send(new SendBulkTemplatedEmailCommand({ Source: 'news@mail.acme.com', Template: 'Digest', DefaultTemplateData: '{}', Destinations: [{ Destination: { ToAddresses: ['bob@example.io'] } }] }));
    await until(() => sink.events.length === 2);
    expect(sink.events.map((e) => [e.operation, e.outcome, e.sender_domain, e.recipient_domain, e.provider_message_id])).toEqual([
      ['send', 'sent', 'mail.acme.com', 'example.net', 'raw-1'],
      ['send_batch', 'sent', 'mail.acme.com', 'example.io', 'bulk-1'],
    ]);
  });

  it('names SES v1 commands as operations', () => {
    expect(operationForCommand('SendRawEmailCommand')).toBe('send');
    expect(operationForCommand('SendTemplatedEmailCommand')).toBe('send');
    expect(operationForCommand('SendBulkTemplatedEmailCommand')).toBe('send_batch');
    expect(operationForCommand('VerifyDomainIdentityCommand')).toBe('domain_verify');
    expect(operationForCommand('GetIdentityVerificationAttributesCommand')).toBe('domain_verify');
    expect(operationForCommand('SendCustomVerificationEmailCommand')).toBe('domain_verify');
    expect(operationForCommand('SetIdentityNotificationTopicCommand')).toBe('webhook_manage');
    expect(operationForCommand('SetIdentityMailFromDomainCommand')).toBe('domain_manage');
    expect(operationForCommand('CreateTemplateCommand')).toBe('template_manage');
    expect(operationForCommand('GetSendQuotaCommand')).toBe('other');
  });
});
