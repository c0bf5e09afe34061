import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import type { SMTPServer, SMTPServerOptions } from 'smtp-server';
import type { SendMailOptions, SentMessageInfo, Transporter } from 'nodemailer';
import type { AttemptContext, SendInstrumentation } from '../instrument/index.js';
import { importOptional, MissingDependencyError } from '../optional-dependency.js';
import type { OptionalDependency } from '../optional-dependency.js';
import { instrumentNodemailer } from '../providers/smtp/index.js';
import { SMTP_ANSWERS } from './scenario.js';
import type { SmtpAnswerName } from './scenario.js';

/**
 * The demo's SMTP side: a local SMTP server (smtp-server) answering as a
 * recipient's mail server does, and nodemailer sending to it through a
 * pool, instrumented by `instrumentNodemailer`. Both are development
 * dependencies: a service's install (the compose image prunes them) runs the
 * demo without SMTP's share of the traffic, and says so in one line.
 */
export const SMTP_DEMO_DEPENDENCY: OptionalDependency = {
  purpose: "the demo's SMTP server and client (smtp-server, nodemailer)",
  packages: ['smtp-server', 'nodemailer'],
  otherwise: 'or the demo leaves SMTP out',
};

/** The header that names the answer, as ANSWER_HEADER does for the HTTP providers. */
export const SMTP_ANSWER_HEADER = 'X-Sendlens-Demo-Answer';
/** The headers are looked for in this much of the message at most; the rest is read and dropped. */
const MAX_HEADER_BYTES = 16 * 1024;
/** Messages larger than this are refused by the server (the demo's are a few hundred bytes). */
const MAX_MESSAGE_BYTES = 1024 * 1024;
/** Connections the pool keeps open to the server: the demo's own concurrency. */
const POOL_CONNECTIONS = 24;

interface SmtpPackages {
  SMTPServer: typeof SMTPServer;
  createTransport: (options: Record<string, unknown>) => Transporter<SentMessageInfo>;
}

/** Loads smtp-server and nodemailer, or throws a MissingDependencyError naming what to install. */
export async function loadSmtpPackages(specifiers: { server: string; client: string } = { server: 'smtp-server', client: 'nodemailer' }): Promise<SmtpPackages> {
  const server = await importOptional<{ SMTPServer: typeof SMTPServer }>(specifiers.server, SMTP_DEMO_DEPENDENCY);
  const client = await importOptional<{ createTransport: SmtpPackages['createTransport'] }>(specifiers.client, SMTP_DEMO_DEPENDENCY);
  return { SMTPServer: server.SMTPServer, createTransport: client.createTransport };
}

/** Reads the message's header block, up to a bound, and drains the rest. */
function answerNamed(stream: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    stream.on('data', (chunk: Buffer) => {
      if (kept >= MAX_HEADER_BYTES) return;
      chunks.push(chunk);
      kept += chunk.length;
    });
    stream.on('error', reject);
    stream.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const blank = text.search(/\r?\n\r?\n/);
      const headers = blank === -1 ? text : text.slice(0, blank);
      const line = new RegExp(`^${SMTP_ANSWER_HEADER}:[ \\t]*(\\S+)`, 'im').exec(headers);
      resolve(line?.[1] ?? '');
    });
  });
}

/** An error smtp-server writes as the reply line `<responseCode> <message>`. */
function smtpReply(name: SmtpAnswerName): Error {
  const answer = SMTP_ANSWERS[name];
  return Object.assign(new Error(answer.message), { responseCode: answer.responseCode });
}

/**
 * A recipient's mail server: it takes every envelope and answers the end of
 * DATA with the reply the message's header names, or accepts it. Real servers
 * refuse at RCPT TO as often as after DATA; the demo answers after DATA, where
 * it can read which answer the scenario chose.
 */
export class SimulatedSmtpServer {
  readonly #server: SMTPServer;
  accepted = 0;

  constructor(packages: SmtpPackages) {
    const options: SMTPServerOptions = {
      name: 'mx.demo.example',
      banner: 'ESMTP sendlens demo',
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      // The scenario's replies carry their enhanced status codes themselves, as Gmail's do.
      hideENHANCEDSTATUSCODES: true,
      size: MAX_MESSAGE_BYTES,
      logger: false,
      onData: (stream, _session, callback) => {
        answerNamed(stream).then(
          (name) => {
            if (Object.hasOwn(SMTP_ANSWERS, name)) return callback(smtpReply(name as SmtpAnswerName));
            this.accepted += 1;
            callback(null, `2.0.0 OK ${this.accepted} - demo`);
          },
          (error: Error) => callback(error),
        );
      },
    };
    this.#server = new packages.SMTPServer(options);
  }

  async start(): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return { host: '127.0.0.1', port: (this.#server.server.address() as AddressInfo).port };
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** What one SMTP attempt sends. */
export interface SmtpMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  /** The answer the scenario chose for this attempt, or null for an accepted message. */
  answer: SmtpAnswerName | null;
}

/**
 * nodemailer over a pool of connections to the demo's SMTP server. Each
 * attempt goes through `instrumentNodemailer` with its own context (workspace,
 * message id, attempt number): the adapter takes the context when it wraps a
 * transporter, so each attempt wraps a view of the one pooled transporter.
 */
export class SmtpSender {
  readonly #transporter: Transporter<SentMessageInfo>;

  constructor(
    packages: SmtpPackages,
    server: { host: string; port: number },
    private readonly instrumentation: SendInstrumentation,
  ) {
    this.#transporter = packages.createTransport({
      host: server.host,
      port: server.port,
      secure: false,
      ignoreTLS: true,
      pool: true,
      maxConnections: POOL_CONNECTIONS,
      maxMessages: Infinity,
      name: 'demo-mailer.example',
      connectionTimeout: 30_000,
      greetingTimeout: 30_000,
      socketTimeout: 60_000,
    });
  }

  send(mail: SmtpMail, context: Partial<AttemptContext>): Promise<SentMessageInfo> {
    const pooled = this.#transporter;
    const view = { sendMail: (options: SendMailOptions) => pooled.sendMail(options), transporter: pooled.transporter as { name?: string; options?: { host?: unknown; port?: unknown; secure?: unknown } } };
    const headers = mail.answer ? { [SMTP_ANSWER_HEADER]: mail.answer } : {};
    return instrumentNodemailer(this.instrumentation, view, context).sendMail({ from: mail.from, to: mail.to, subject: mail.subject, text: mail.text, headers });
  }

  close(): void {
    this.#transporter.close();
  }
}

/** The SMTP side started, or why it is left out (the packages are missing). */
export async function startSmtp(instrumentation: SendInstrumentation, packages: Promise<SmtpPackages> = loadSmtpPackages()): Promise<{ sender: SmtpSender; stop: () => Promise<void> } | { missing: string }> {
  let loaded: SmtpPackages;
  try {
    loaded = await packages;
  } catch (error) {
    if (error instanceof MissingDependencyError) return { missing: error.message };
    throw error;
  }
  const server = new SimulatedSmtpServer(loaded);
  const address = await server.start();
  const sender = new SmtpSender(loaded, address, instrumentation);
  return {
    sender,
    stop: async () => {
      sender.close();
      await server.stop();
    },
  };
}
