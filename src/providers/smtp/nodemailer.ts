import { normalizeThrown } from '../../normalize/index.js';
import type { ProviderId } from '../../normalize/index.js';
import type { AttemptContext, AttemptResult, OutcomeReader, SendInstrumentation } from '../../instrument/index.js';

/** What nodemailer resolves `sendMail` with (SMTP, pool and SES transports alike). */
export interface NodemailerInfo {
  messageId?: string;
  /** Microsoft 365 and SES over SMTP: the Message-ID the server gave the message (nodemailer ≥ 8). */
  serverMessageId?: string;
  accepted?: readonly unknown[];
  rejected?: readonly unknown[];
  response?: string;
}

type Callback = (error: Error | null, info?: NodemailerInfo) => void;

/** The parts of a nodemailer transporter this wraps; structural, so nodemailer stays the user's dependency. */
export interface NodemailerTransporterLike {
  sendMail(mail: never, callback?: never): unknown;
  /** The transport inside: `name` ("SMTP", "SMTP (pool)", "SESTransport") and its connection options. */
  transporter?: { name?: string; options?: { host?: unknown; port?: unknown; secure?: unknown } };
}

/** Which provider a transport talks to, by nodemailer's transport name; any other transport speaks SMTP. */
const PROVIDER_BY_TRANSPORT: Readonly<Record<string, ProviderId>> = {
  // The SES transport calls the SES API through the AWS SDK: its failures are SES exceptions.
  SESTransport: 'ses',
};


/** Addresses read per field; a message may name thousands, and only the first and the count are kept. */
const MAX_ADDRESSES = 100_000;
const ADDRESS = /[^\s<>()[\]{},;:"']+@[^\s<>()[\]{},;:"']+/g;

/** nodemailer takes "a@x, Name <b@y>", { name, address }, or arrays of both; only the addresses matter here. */
function addressesOf(value: unknown, into: string[] = []): string[] {
  if (into.length >= MAX_ADDRESSES) return into;
  if (typeof value === 'string') {
    for (const found of value.slice(0, 1_000_000).matchAll(ADDRESS)) {
      if (into.length >= MAX_ADDRESSES) break;
      into.push(found[0]);
    }
  } else if (Array.isArray(value)) {
    for (const item of value) addressesOf(item, into);
  } else if (typeof value === 'object' && value !== null && typeof (value as { address?: unknown }).address === 'string') {
    addressesOf((value as { address: string }).address, into);
  }
  return into;
}

interface MailOptions {
  from?: unknown;
  to?: unknown;
  cc?: unknown;
  bcc?: unknown;
  /** When set, the SMTP envelope nodemailer uses instead of the headers. */
  envelope?: { from?: unknown; to?: unknown; cc?: unknown; bcc?: unknown };
  messageId?: unknown;
  /** What this one call adds to the attempt (attempt number, workspace…); taken off before nodemailer sees the message. */
  sendlens?: Partial<AttemptContext>;
}

function serverOf(transporter: NodemailerTransporterLike): { url?: string } {
  const options = transporter.transporter?.options;
  if (typeof options?.host !== 'string' || options.host === '') return {};
  // nodemailer's own defaults (smtp-connection): 465 when `secure`, else 587.
  const port = Number(options.port) || (options.secure === true ? 465 : 587);
  const host = options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host;
  return { url: `smtp://${host}:${port}` };
}

function contextOf(mail: MailOptions | undefined, provider: ProviderId, server: { url?: string }, extra: Partial<AttemptContext>): AttemptContext {
  const source = mail?.envelope ?? mail;
  const from = addressesOf(source?.from)[0];
  const to = addressesOf([source?.to, source?.cc, source?.bcc]);
  return {
    provider,
    operation: 'send',
    ...server,
    ...(from !== undefined && { from }),
    to,
    ...(typeof mail?.messageId === 'string' && { messageId: mail.messageId }),
    ...extra,
  };
}

export function nodemailerOutcomeReader(provider: ProviderId): OutcomeReader<NodemailerInfo> {
  return {
    fromResult(info): AttemptResult {
      const id = typeof info?.serverMessageId === 'string' ? info.serverMessageId : typeof info?.messageId === 'string' ? info.messageId : undefined;
      const rejected = Array.isArray(info?.rejected) ? info.rejected.length : 0;
      return { outcome: 'sent', status: null, ...(id !== undefined && { providerMessageId: id }), ...(rejected > 0 && { rejectedRecipients: rejected }) };
    },
    fromError: (error) => ({ outcome: 'failed', error: normalizeThrown(provider, error) }),
  };
}

/**
 * Instruments a nodemailer transporter in place: `sendMail` keeps both its
 * forms (promise, and callback) and its results, and each call becomes one
 * span and one send event. nodemailer makes one attempt per call (it does not
 * retry a message), so a call is an attempt.
 *
 * The provider is the dialect failures arrive in, so their provider codes are
 * found in that provider's catalog: the SES transport (`SESTransport`, the SES
 * API) is `ses`; every SMTP transport is `smtp`, whichever host it talks to
 * (SES's or SendGrid's SMTP endpoints too), and the host is on the span as
 * `server.address`/`server.port`.
 *
 * A message the server accepted for some recipients only is sent; the
 * refused ones are counted in the event (`rejected_recipient_count`) and on
 * the span as `email.recipients.rejected`.
 */
export function instrumentNodemailer<T extends NodemailerTransporterLike>(instrumentation: SendInstrumentation, transporter: T, context: Partial<AttemptContext> = {}): T {
  const sendMail = transporter.sendMail.bind(transporter) as (mail: MailOptions) => Promise<NodemailerInfo>;
  const provider = PROVIDER_BY_TRANSPORT[transporter.transporter?.name ?? ''] ?? 'smtp';
  const server = provider === 'smtp' ? serverOf(transporter) : {};
  const reader = nodemailerOutcomeReader(provider);

  const run = (mail: MailOptions) => (): Promise<NodemailerInfo> => sendMail(mail);

  (transporter as { sendMail: unknown }).sendMail = (options: MailOptions, callback?: Callback) => {
    const { sendlens: perCall, ...mail } = options ?? {};
    const attempt = instrumentation.attempt(contextOf(mail, provider, server, { ...context, ...perCall }), run(mail), reader);
    if (typeof callback !== 'function') return attempt;
    // Outside the promise chain, as nodemailer calls it: a callback that throws must not become an unhandled rejection.
    attempt.then(
      (info) => process.nextTick(callback, null, info),
      (error: Error) => process.nextTick(callback, error),
    );
    return undefined;
  };
  return transporter;
}
