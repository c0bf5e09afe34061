import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSmtpPackages, SMTP_DEMO_DEPENDENCY, startSmtp } from '../../src/demo/simulated-smtp.js';
import type { SmtpSender } from '../../src/demo/simulated-smtp.js';
import { SMTP_ANSWERS } from '../../src/demo/scenario.js';
import type { SmtpAnswerName } from '../../src/demo/scenario.js';
import { SendInstrumentation } from '../../src/instrument/index.js';
import { MissingDependencyError } from '../../src/optional-dependency.js';
import { MemorySink, until } from '../helpers/otel.js';

const KEY = 'simulated-smtp-test-key-0123456789';
/** A bound for a loaded machine, not a speed claim. */
const EVENT_DEADLINE_MS = 60_000;

describe("the demo's SMTP server, through nodemailer and instrumentNodemailer", () => {
  const sink = new MemorySink();
  const instrumentation = new SendInstrumentation({ service: 'demo-test', sink, recipientHashKey: KEY });
  let smtp: { sender: SmtpSender; stop: () => Promise<void> };

  beforeAll(async () => {
    const started = await startSmtp(instrumentation);
    if ('missing' in started) throw new Error(started.missing);
    smtp = started;
  });
  afterAll(() => smtp?.stop());

  const mail = (answer: SmtpAnswerName | null) => ({ from: 'noreply@notify.hooli.example', to: 'user1@gmail.example', subject: 'Your weekly summary', text: 'Hello', answer });

  it('every SMTP reply of the scenario fails the send with the code it is labelled with, read from what nodemailer throws', async () => {
    let attempt = 0;
    for (const [name, answer] of Object.entries(SMTP_ANSWERS) as [SmtpAnswerName, (typeof SMTP_ANSWERS)[SmtpAnswerName]][]) {
      attempt += 1;
      const error = await smtp.sender.send(mail(name), { workspace: 'hooli', messageId: `hooli-${attempt}`, attempt }).then(
        () => null,
        (thrown: unknown) => thrown as { responseCode?: number; response?: string },
      );
      expect({ name, responseCode: error?.responseCode }).toEqual({ name, responseCode: answer.responseCode });
      expect(error?.response).toBe(`${answer.responseCode} ${answer.message}`);
      await until(() => sink.events.length === attempt, EVENT_DEADLINE_MS);
      const event = sink.events[attempt - 1];
      expect({ name, provider: event?.provider, outcome: event?.outcome, code: event?.code, attempt: event?.attempt, workspace: event?.workspace, sender: event?.sender_domain }).toEqual({
        name,
        provider: 'smtp',
        outcome: 'failed',
        code: answer.code,
        attempt,
        workspace: 'hooli',
        sender: 'notify.hooli.example',
      });
    }
  });

  it('a message without an answer is accepted and recorded as sent', async () => {
    const before = sink.events.length;
    const info = (await smtp.sender.send(mail(null), { workspace: 'hooli', messageId: 'hooli-ok', attempt: 1 })) as { accepted: string[]; response: string };
    expect(info.accepted).toEqual(['user1@gmail.example']);
    expect(info.response).toMatch(/^250 2\.0\.0 OK/);
    await until(() => sink.events.length === before + 1, EVENT_DEADLINE_MS);
    expect(sink.events[before]).toMatchObject({ provider: 'smtp', outcome: 'sent', code: null, message_id: 'hooli-ok' });
  });
});

describe('without smtp-server or nodemailer installed', () => {
  it('loading says in one line what to install', async () => {
    const failure = await loadSmtpPackages({ server: 'sendlens-not-installed-smtp-server', client: 'nodemailer' }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(MissingDependencyError);
    expect((failure as Error).message).toBe("the demo's SMTP server and client (smtp-server, nodemailer) is not installed: run `npm install smtp-server nodemailer`, or the demo leaves SMTP out");
    expect(SMTP_DEMO_DEPENDENCY.packages).toEqual(['smtp-server', 'nodemailer']);
  });

  it('the demo goes on without SMTP, with that line to say why', async () => {
    const instrumentation = new SendInstrumentation({ service: 'demo-test', sink: new MemorySink(), recipientHashKey: KEY });
    const started = await startSmtp(instrumentation, loadSmtpPackages({ server: 'smtp-server', client: 'sendlens-not-installed-nodemailer' }));
    expect(started).toEqual({ missing: expect.stringMatching(/^the demo's SMTP server and client \(smtp-server, nodemailer\) is not installed: run `npm install smtp-server nodemailer`/) });
  });
});
