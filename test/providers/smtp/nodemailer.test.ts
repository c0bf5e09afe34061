import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createTransport } from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RecipientHasher, validateSendEvent } from '../../../src/events/index.js';
import { SendInstrumentation } from '../../../src/instrument/index.js';
import type { ErrorCode, RetryClass } from '../../../src/normalize/index.js';
import { instrumentNodemailer, REJECTED_RECIPIENTS_ATTRIBUTE } from '../../../src/providers/smtp/index.js';
import { MemorySink, memoryTracing, until } from '../../helpers/otel.js';

const KEY = 'test-recipient-key-0123456789';
const FROM = 'Acme <no-reply@mail.acme.com>';

/** An error smtp-server answers with: `${responseCode} ${message}`, verbatim (enhanced codes are ours). */
const smtpError = (responseCode: number, message: string): Error => Object.assign(new Error(message), { responseCode });

type Step = 'connect' | 'auth' | 'mail' | 'rcpt' | 'data';

/** What the server answers at each step; a test sets it, the server reads it per command. */
interface Behaviour {
  refuse: Partial<Record<Step, Error>>;
  /** Recipients refused at RCPT TO, by address. */
  refuseRecipients: Record<string, Error>;
}

const behaviour: Behaviour = { refuse: {}, refuseRecipients: {} };

/** A real SMTP server on a free local port, answering as `behaviour` says. */
const server = new SMTPServer({
  authOptional: true,
  allowInsecureAuth: true,
  disabledCommands: ['STARTTLS'],
  hideENHANCEDSTATUSCODES: true,
  logger: false,
  onConnect: (_session, callback) => callback(behaviour.refuse.connect),
  onAuth: (_auth, _session, callback) => (behaviour.refuse.auth ? callback(behaviour.refuse.auth) : callback(null, { user: 'app' })),
  onMailFrom: (_address, _session, callback) => callback(behaviour.refuse.mail),
  onRcptTo: (address, _session, callback) => callback(behaviour.refuseRecipients[address.address] ?? behaviour.refuse.rcpt),
  onData: (stream, _session, callback) => {
    stream.resume();
    stream.on('end', () => callback(behaviour.refuse.data ?? null, 'Ok: queued as 4BmTqS1XyZ'));
  },
});
let port = 0;

/** A TCP server that accepts and never greets: nodemailer's greeting timeout fires. */
const silent: Server = createServer((socket: Socket) => socket.on('error', () => undefined));
let silentPort = 0;
let closedPort = 0;

async function listen(target: { listen: (port: number, host: string, cb: () => void) => unknown }, address: () => AddressInfo | string | null): Promise<number> {
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  return (address() as AddressInfo).port;
}

const contextManager = new AsyncLocalStorageContextManager();

beforeAll(async () => {
  // The attempt's span is found through the active context, as startSendlens's NodeSDK sets it up.
  context.setGlobalContextManager(contextManager.enable());
  port = await listen(server.server, () => server.server.address());
  silentPort = await listen(silent, () => silent.address());
  const spare = createServer();
  closedPort = await listen(spare, () => spare.address());
  await new Promise((resolve) => spare.close(resolve));
});

afterAll(async () => {
  context.disable();
  await new Promise((resolve) => server.close(() => resolve(undefined)));
  await new Promise((resolve) => silent.close(resolve));
});

afterEach(() => {
  behaviour.refuse = {};
  behaviour.refuseRecipients = {};
});

describe('nodemailer against a real SMTP server, instrumented in place', () => {
  let sink: MemorySink;
  let tracing: ReturnType<typeof memoryTracing>;
  let instrumentation: SendInstrumentation;

  beforeEach(() => {
    sink = new MemorySink();
    tracing = memoryTracing();
    instrumentation = new SendInstrumentation({ service: 'billing', sink, recipientHashKey: KEY, tracer: tracing.tracer });
  });

  const transport = (options: Record<string, unknown> = {}) =>
    instrumentNodemailer(
      instrumentation,
      createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, connectionTimeout: 5_000, greetingTimeout: 5_000, socketTimeout: 10_000, ...options }),
      { workspace: 'acme' },
    );

  const mail = { from: FROM, to: 'Jane Doe <jane.doe@example.com>', subject: 'Your receipt', text: 'Thanks' };

  it('records a sent message: one span, one valid event, the server on the span', async () => {
    const info = await transport().sendMail(mail);
    expect(info.accepted).toEqual(['jane.doe@example.com']);

    await until(() => sink.events.length === 1);
    const [event] = sink.events;
    expect(validateSendEvent(event).ok).toBe(true);
    expect(event).toMatchObject({
      provider: 'smtp',
      operation: 'send',
      outcome: 'sent',
      workspace: 'acme',
      sender_domain: 'mail.acme.com',
      recipient_domain: 'example.com',
      recipient_hash: new RecipientHasher(KEY).hash('jane.doe@example.com'),
      recipient_count: 1,
      status: null,
      code: null,
      attempt: 1,
    });
    expect(event?.provider_message_id).toBe(info.messageId);
    const spans = tracing.spans();
    expect(spans).toHaveLength(1);
    expect(spans[0]?.name).toBe('send smtp');
    expect(spans[0]?.attributes).toMatchObject({ 'email.provider': 'smtp', 'server.address': '127.0.0.1', 'server.port': port, 'email.outcome': 'sent', 'email.attempt': 1 });
    expect(spans[0]?.attributes[REJECTED_RECIPIENTS_ATTRIBUTE]).toBeUndefined();
    // No HTTP here: the HTTP conventions stay off an SMTP span.
    expect(spans[0]?.attributes['http.request.method']).toBeUndefined();
  });

  it("takes what one call adds (attempt, workspace) from the message's sendlens option", async () => {
    const info = await transport().sendMail({ ...mail, sendlens: { attempt: 3, workspace: 'per-call' } } as typeof mail);
    expect(info.accepted).toEqual(['jane.doe@example.com']);
    await until(() => sink.events.length === 1);
    expect(sink.events[0]).toMatchObject({ attempt: 3, workspace: 'per-call', outcome: 'sent' });
  });

  // Each reply class as the big mailbox providers word it, at the step they give it.
  const REPLIES: readonly { name: string; step: Step; error: Error; code: ErrorCode; providerCode: string; retry: RetryClass }[] = [
    { name: '550 5.1.1 unknown user', step: 'rcpt', error: smtpError(550, "5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address. - gsmtp"), code: 'recipient.invalid_address', providerCode: '550 5.1.1', retry: 'never' },
    { name: '552 5.2.2 mailbox full', step: 'rcpt', error: smtpError(552, "5.2.2 The recipient's inbox is out of storage space. - gsmtp"), code: 'recipient.mailbox_full', providerCode: '552 5.2.2', retry: 'never' },
    { name: '452 4.2.2 mailbox over quota', step: 'rcpt', error: smtpError(452, '4.2.2 The email account that you tried to reach is over quota. - gsmtp'), code: 'recipient.mailbox_full', providerCode: '452 4.2.2', retry: 'backoff' },
    { name: '450 4.7.1 greylisting', step: 'rcpt', error: smtpError(450, '4.7.1 <jane.doe@example.com>: Recipient address rejected: Greylisted, please try again later'), code: 'throttling.greylisted', providerCode: '450 4.7.1', retry: 'later' },
    { name: '421 4.7.0 rate', step: 'rcpt', error: smtpError(421, '4.7.0 Try again later, closing connection. - gsmtp'), code: 'throttling.rate_limited', providerCode: '421 4.7.0', retry: 'backoff' },
    { name: '421 4.7.28 unusual rate', step: 'mail', error: smtpError(421, '4.7.28 Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited. - gsmtp'), code: 'throttling.rate_limited', providerCode: '421 4.7.28', retry: 'backoff' },
    { name: '550 5.7.26 DMARC', step: 'data', error: smtpError(550, "5.7.26 Unauthenticated email from mail.acme.com is not accepted due to domain's DMARC policy. Please contact the administrator of mail.acme.com domain if this was a legitimate mail. - gsmtp"), code: 'sender.authentication_failed', providerCode: '550 5.7.26', retry: 'never' },
    { name: '550 5.7.1 spam', step: 'data', error: smtpError(550, '5.7.1 Our system has detected that this message is likely unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been blocked. - gsmtp'), code: 'content.spam_rejected', providerCode: '550 5.7.1', retry: 'never' },
    { name: '554 5.7.1 blocklisted at connect', step: 'connect', error: smtpError(554, '5.7.1 Service unavailable, Client host [127.0.0.1] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/127.0.0.1'), code: 'content.spam_rejected', providerCode: '554 5.7.1', retry: 'never' },
    { name: '535 5.7.8 bad credentials', step: 'auth', error: smtpError(535, '5.7.8 Username and Password not accepted. - gsmtp'), code: 'auth.invalid_credentials', providerCode: '535 5.7.8', retry: 'never' },
    { name: '530 5.7.0 STARTTLS required', step: 'mail', error: smtpError(530, '5.7.0 Must issue a STARTTLS command first. - gsmtp'), code: 'network.tls_failed', providerCode: '530 5.7.0', retry: 'never' },
    { name: '552 5.3.4 too large', step: 'data', error: smtpError(552, "5.3.4 Your message exceeded Google's message size limits. - gsmtp"), code: 'validation.payload_too_large', providerCode: '552 5.3.4', retry: 'never' },
    { name: '554 5.7.1 relay denied', step: 'rcpt', error: smtpError(554, '5.7.1 <jane.doe@example.com>: Relay access denied'), code: 'auth.insufficient_scope', providerCode: '554 5.7.1', retry: 'never' },
  ];

  it.each(REPLIES.map((r) => [r.name, r] as const))('%s: the caller gets nodemailer\'s error, the event its normalized code', async (_name, reply) => {
    behaviour.refuse[reply.step] = reply.error;
    const options = reply.step === 'auth' ? { auth: { user: 'app', pass: 'wrong-password' } } : {};
    const error = (await transport(options).sendMail(mail).catch((e: unknown) => e)) as Error & { responseCode?: number; response?: string };
    expect(error).toBeInstanceOf(Error);
    expect(error.responseCode).toBe(Number(reply.providerCode.slice(0, 3)));

    await until(() => sink.events.length === 1);
    const [event] = sink.events;
    expect(validateSendEvent(event).ok).toBe(true);
    expect(event).toMatchObject({ provider: 'smtp', outcome: 'failed', code: reply.code, category: reply.code.split('.')[0], retry: reply.retry, provider_code: reply.providerCode, status: null });
    // The reply quotes the recipient: the stored message must not.
    expect(event?.error_message).not.toContain('jane.doe@example.com');
    expect(event?.error_message).not.toContain('wrong-password');
    const spans = tracing.spans();
    expect(spans).toHaveLength(1);
    expect(spans[0]?.attributes).toMatchObject({ 'error.type': reply.code, 'email.outcome': 'failed', 'email.error.provider_code': reply.providerCode, 'email.error.retry': reply.retry, 'server.address': '127.0.0.1' });
  });

  it('a refused connection is network.connection_failed, with nodemailer\'s code kept', async () => {
    const error = (await transport({ port: closedPort }).sendMail(mail).catch((e: unknown) => e)) as Error & { code?: string; originalCode?: string };
    // nodemailer 10 reports a refused connect as a socket error and keeps the system code beside it.
    expect([error.code, error.originalCode]).toEqual(['ESOCKET', 'ECONNREFUSED']);
    await until(() => sink.events.length === 1);
    expect(sink.events[0]).toMatchObject({ outcome: 'failed', code: 'network.connection_failed', provider_code: 'ESOCKET', retry: 'backoff', status: null });
    expect(sink.events[0]?.error_message).toContain('ECONNREFUSED');
    expect(tracing.spans()[0]?.attributes).toMatchObject({ 'server.port': closedPort, 'error.type': 'network.connection_failed' });
  });

  it('a server that never greets is network.timeout (ETIMEDOUT)', async () => {
    const error = (await transport({ port: silentPort, greetingTimeout: 200, connectionTimeout: 5_000 }).sendMail(mail).catch((e: unknown) => e)) as Error & { code?: string };
    expect(error.code).toBe('ETIMEDOUT');
    await until(() => sink.events.length === 1);
    expect(sink.events[0]).toMatchObject({ outcome: 'failed', code: 'network.timeout', provider_code: 'ETIMEDOUT', retry: 'backoff' });
  });

  it('a partial success is sent, with the refused recipients counted in the event and on the span', async () => {
    behaviour.refuseRecipients['gone@example.org'] = smtpError(550, '5.1.1 <gone@example.org>: Recipient address rejected: User unknown');
    const info = await transport().sendMail({ ...mail, to: ['jane.doe@example.com', 'gone@example.org'] });
    expect(info.accepted).toEqual(['jane.doe@example.com']);
    expect(info.rejected).toEqual(['gone@example.org']);

    await until(() => sink.events.length === 1);
    expect(sink.events[0]).toMatchObject({ outcome: 'sent', recipient_count: 2, rejected_recipient_count: 1, code: null });
    expect(tracing.spans()[0]?.attributes).toMatchObject({ [REJECTED_RECIPIENTS_ATTRIBUTE]: 1, 'email.outcome': 'sent', 'email.recipient.count': 2 });
  });

  it('keeps the callback form: same result, same error, one event each', async () => {
    const transporter = transport();
    const info = await new Promise<{ messageId?: string }>((resolve, reject) => {
      const returned = transporter.sendMail(mail, (error, result) => (error ? reject(error) : resolve(result as { messageId?: string })));
      expect(returned).toBeUndefined();
    });
    expect(info.messageId).toMatch(/^<.+>$/);

    behaviour.refuse.rcpt = smtpError(550, '5.1.1 User unknown');
    const error = await new Promise<Error & { code?: string }>((resolve) => transporter.sendMail(mail, (e) => resolve(e as Error & { code?: string })));
    expect(error.code).toBe('EENVELOPE');

    await until(() => sink.events.length === 2);
    expect(sink.events.map((e) => [e.outcome, e.code])).toEqual([
      ['sent', null],
      ['failed', 'recipient.invalid_address'],
    ]);
  });

  it('counts every addressed recipient, from to, cc and bcc, and hashes the first', async () => {
    await transport().sendMail({ ...mail, to: '"Doe, Jane" <jane.doe@example.com>, bob@example.net', cc: [{ name: 'Carol', address: 'carol@example.org' }], bcc: 'audit@acme.com' });
    await until(() => sink.events.length === 1);
    expect(sink.events[0]).toMatchObject({ recipient_count: 4, recipient_domain: 'example.com', recipient_hash: new RecipientHasher(KEY).hash('jane.doe@example.com') });
  });
});

describe('which provider a transport talks to', () => {
  it('the SES transport is ses, its failures read by the SES catalog', async () => {
    const sink = new MemorySink();
    const instrumentation = new SendInstrumentation({ service: 'billing', sink, recipientHashKey: KEY, tracer: memoryTracing().tracer });
    const sesError = Object.assign(new Error('Email address is not verified. The following identities failed the check in region EU-WEST-1: no-reply@mail.acme.com'), { name: 'MessageRejected', code: 'MessageRejected' });
    // The shape of nodemailer's Mail object over its SESTransport; the AWS SDK call itself is not what is under test here.
    const sesTransporter = { transporter: { name: 'SESTransport' }, sendMail: async (_mail: unknown) => Promise.reject(sesError) };
    const instrumented = instrumentNodemailer(instrumentation, sesTransporter);
    await expect(instrumented.sendMail({ from: FROM, to: 'jane.doe@example.com' })).rejects.toBe(sesError);
    await until(() => sink.events.length === 1);
    expect(sink.events[0]).toMatchObject({ provider: 'ses', code: 'account.sandbox_restricted', provider_code: 'MessageRejected' });
  });
});
