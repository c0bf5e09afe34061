import { X509Certificate, createHmac, createPublicKey, createVerify, timingSafeEqual, verify as verifySignature } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { parseIsoTime } from './time.js';

/**
 * Signature verifiers for the providers' webhooks. Each returns a verdict and
 * never throws, whatever it is given: a reason is for the log and the 401
 * answer, so it names what was wrong and never echoes a secret or a
 * signature. Secrets and signatures are compared in constant time; public-key
 * signatures (SNS's RSA, SendGrid's ECDSA) are checked by OpenSSL.
 *
 * Replay: a signed timestamp outside the tolerance window is refused. The
 * window is 5 minutes either way for Svix, SendGrid and the generic scheme
 * (they sign each delivery attempt when it is sent), and for SNS one hour and
 * five minutes back, because SNS retries the same signed message, with its
 * original Timestamp, for up to 3,600 s. Inside the window a replayed
 * request verifies, and the deterministic event_id makes storing it again a
 * no-op.
 */

/**
 * A verifier's answer. A verdict that spent something on the request (a one-time token) may carry
 * `release`: the receiver calls it when it could not store the request's events and asks the
 * provider to deliver again, so the redelivery of the same signed request is not taken for a replay.
 */
export type Verdict = { ok: true; release?: () => void } | { ok: false; reason: string };

/** Node's request headers, a fetch `Headers`, or a plain record (any letter case). */
export type HeaderBag = Headers | IncomingHttpHeaders | Readonly<Record<string, string | readonly string[] | undefined>>;

export interface TimestampOptions {
  /** The current time in Unix milliseconds; Date.now() when omitted. */
  now?: number;
  /** How far (seconds) a signed timestamp may be from now, either way. */
  toleranceSec?: number;
}

/** Svix, SendGrid and the generic scheme: 5 minutes either way. */
export const DEFAULT_TOLERANCE_SEC = 300;
/** SNS: its HTTP/S retry policy may span 3,600 s with the original Timestamp, plus 5 minutes of clock skew. */
export const SNS_TOLERANCE_SEC = 3600 + 300;
/** How far in the future an SNS Timestamp may be (clock skew). */
export const SNS_FUTURE_SKEW_SEC = 300;

const refuse = (reason: string): Verdict => ({ ok: false, reason });
const OK: Verdict = { ok: true };

/** A header sent more than once: refused rather than guessed at. */
const DUPLICATE = Symbol('duplicate header');

function header(headers: HeaderBag, name: string): string | undefined | typeof DUPLICATE {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const getter = (headers as { get?: unknown }).get;
  if (typeof getter === 'function') {
    const value: unknown = (getter as (key: string) => unknown).call(headers, name);
    return typeof value === 'string' ? value : undefined;
  }
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (key.toLowerCase() !== wanted) continue;
    if (typeof value === 'string') return value;
    if (Array.isArray(value)) return value.length === 1 && typeof value[0] === 'string' ? value[0] : DUPLICATE;
    return undefined;
  }
  return undefined;
}

function bodyBytes(rawBody: unknown): Buffer | null {
  if (Buffer.isBuffer(rawBody)) return rawBody;
  if (rawBody instanceof Uint8Array) return Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength);
  if (typeof rawBody === 'string') return Buffer.from(rawBody, 'utf8');
  return null;
}

/** Reads a whole-seconds Unix timestamp and checks it against the window; a reason when it fails. */
function checkTimestamp(value: string, options: TimestampOptions | undefined): string | null {
  if (!/^\d{1,12}$/.test(value)) return 'the timestamp is not a Unix time in seconds';
  const now = options?.now ?? Date.now();
  const tolerance = options?.toleranceSec ?? DEFAULT_TOLERANCE_SEC;
  const skew = Number(value) - now / 1000;
  if (skew < -tolerance) return `the timestamp is ${Math.round(-skew)} s old, over the tolerance of ${tolerance} s (a replay, or a clock off)`;
  if (skew > tolerance) return `the timestamp is ${Math.round(skew)} s in the future, over the tolerance of ${tolerance} s`;
  return null;
}

function equalBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// ---------------------------------------------------------------------------
// Svix (Resend): svix-id, svix-timestamp, svix-signature: "v1,<base64> v1,<base64>"
// ---------------------------------------------------------------------------

/** The Svix key: the bytes of the base64 after `whsec_`; null when the secret is not of that form. */
export function svixKey(secret: string): Buffer | null {
  if (typeof secret !== 'string') return null;
  const encoded = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  if (encoded.length === 0 || !BASE64.test(encoded)) return null;
  const key = Buffer.from(encoded, 'base64');
  return key.length >= 16 ? key : null;
}

/** The `v1,<base64>` signature Svix sends for a body; for tests and tools. */
export function signSvix(id: string, timestampSec: number, rawBody: Buffer | string, secret: string): string {
  const key = svixKey(secret);
  if (key === null) throw new Error('not a whsec_<base64> secret');
  const mac = createHmac('sha256', key).update(`${id}.${timestampSec}.`).update(bodyBytes(rawBody) ?? Buffer.alloc(0));
  return `v1,${mac.digest('base64')}`;
}

/**
 * Verifies a Svix-signed webhook (Resend's): HMAC-SHA256 under the secret's
 * key over `${svix-id}.${svix-timestamp}.${body}`, base64; the signature
 * header may list several space-separated `v1,<sig>` (during a secret
 * rotation), and one match is enough.
 */
export function verifySvix(headers: HeaderBag, rawBody: Buffer | Uint8Array | string, secret: string, options?: TimestampOptions): Verdict {
  try {
    const key = svixKey(secret);
    if (key === null) return refuse('the configured secret is not a whsec_<base64> secret');
    const body = bodyBytes(rawBody);
    if (body === null) return refuse('the body is not bytes');
    const id = header(headers, 'svix-id');
    const timestamp = header(headers, 'svix-timestamp');
    const signature = header(headers, 'svix-signature');
    if (id === DUPLICATE || timestamp === DUPLICATE || signature === DUPLICATE) return refuse('a signature header is repeated');
    if (!id || !timestamp || !signature) return refuse('unsigned: svix-id, svix-timestamp and svix-signature are required');
    if (id.length > 256) return refuse('svix-id is too long');
    const stale = checkTimestamp(timestamp, options);
    if (stale) return refuse(stale);
    const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
    let sawV1 = false;
    for (const entry of signature.split(' ').slice(0, 16)) {
      const comma = entry.indexOf(',');
      if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
      sawV1 = true;
      const encoded = entry.slice(comma + 1);
      if (!BASE64.test(encoded)) continue;
      if (equalBytes(Buffer.from(encoded, 'base64'), expected)) return OK;
    }
    return refuse(sawV1 ? 'no v1 signature matches the body' : 'svix-signature has no v1 signature');
  } catch (error) {
    return refuse(`could not verify: ${(error as Error).message}`);
  }
}

// ---------------------------------------------------------------------------
// SendGrid-style event webhook (ScaiSend): ECDSA P-256 / SHA-256 over timestamp + body
// ---------------------------------------------------------------------------

export const SENDGRID_SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
export const SENDGRID_TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';

const keyCache = new Map<string, KeyObject>();

/** The verification key: PEM, or the bare base64 DER (SPKI) that SendGrid's settings page shows. */
function sendgridKey(publicKey: string | KeyObject): KeyObject {
  if (typeof publicKey !== 'string') return publicKey;
  const cached = keyCache.get(publicKey);
  if (cached) return cached;
  const trimmed = publicKey.trim();
  const key = trimmed.startsWith('-----BEGIN')
    ? createPublicKey(trimmed)
    : createPublicKey({ key: Buffer.from(trimmed.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
  if (keyCache.size >= 16) keyCache.clear();
  keyCache.set(publicKey, key);
  return key;
}

/**
 * Verifies a SendGrid-signed event webhook: an ECDSA signature (P-256,
 * SHA-256, base64 of its DER encoding) over the timestamp header followed by
 * the raw body, checked with the public key from the webhook settings.
 */
export function verifySendgrid(headers: HeaderBag, rawBody: Buffer | Uint8Array | string, publicKey: string | KeyObject, options?: TimestampOptions): Verdict {
  try {
    let key: KeyObject;
    try {
      key = sendgridKey(publicKey);
    } catch {
      return refuse('the configured public key is not a PEM or base64 DER public key');
    }
    if (key.type !== 'public' || key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      return refuse('the configured public key is not an ECDSA P-256 public key');
    }
    const body = bodyBytes(rawBody);
    if (body === null) return refuse('the body is not bytes');
    const signature = header(headers, SENDGRID_SIGNATURE_HEADER);
    const timestamp = header(headers, SENDGRID_TIMESTAMP_HEADER);
    if (signature === DUPLICATE || timestamp === DUPLICATE) return refuse('a signature header is repeated');
    if (!signature || !timestamp) return refuse('unsigned: X-Twilio-Email-Event-Webhook-Signature and -Timestamp are required');
    const stale = checkTimestamp(timestamp, options);
    if (stale) return refuse(stale);
    const trimmed = signature.trim();
    if (!BASE64.test(trimmed) || trimmed.length > 200) return refuse('the signature is not base64');
    const signed = Buffer.concat([Buffer.from(timestamp, 'utf8'), body]);
    const valid = verifySignature('sha256', signed, { key, dsaEncoding: 'der' }, Buffer.from(trimmed, 'base64'));
    return valid ? OK : refuse('the signature does not match the body and timestamp');
  } catch (error) {
    return refuse(`could not verify: ${(error as Error).message}`);
  }
}

// ---------------------------------------------------------------------------
// Generic (ours): X-Sendlens-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">
// ---------------------------------------------------------------------------

export const GENERIC_SIGNATURE_HEADER = 'x-sendlens-signature';
/** Generic secrets are generated, so they can be long: 32 bytes at least. */
export const MIN_GENERIC_SECRET_BYTES = 32;

function genericKey(secret: string | Buffer): Buffer | null {
  const key = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.isBuffer(secret) ? secret : null;
  return key !== null && key.length >= MIN_GENERIC_SECRET_BYTES ? key : null;
}

/**
 * The X-Sendlens-Signature value for a body: `t=<unix seconds>,v1=<hex>`,
 * where hex is HMAC-SHA256 under the shared secret of `${t}.${body}`. For
 * bridges that post relay/sendfleet feedback, and for tests.
 */
export function signGeneric(rawBody: Buffer | string, secret: string | Buffer, nowMs: number = Date.now()): string {
  const key = genericKey(secret);
  if (key === null) throw new Error(`the secret must be at least ${MIN_GENERIC_SECRET_BYTES} bytes`);
  const t = Math.floor(nowMs / 1000);
  const mac = createHmac('sha256', key).update(`${t}.`).update(bodyBytes(rawBody) ?? Buffer.alloc(0)).digest('hex');
  return `t=${t},v1=${mac}`;
}

/**
 * Verifies the generic scheme. The header is comma-separated `key=value`
 * pairs: exactly one `t`, one or more `v1` (several during a secret
 * rotation: one match is enough); other keys are ignored, for later versions.
 */
export function verifyGeneric(headers: HeaderBag, rawBody: Buffer | Uint8Array | string, secret: string | Buffer, options?: TimestampOptions): Verdict {
  try {
    const key = genericKey(secret);
    if (key === null) return refuse(`the configured secret is shorter than ${MIN_GENERIC_SECRET_BYTES} bytes`);
    const body = bodyBytes(rawBody);
    if (body === null) return refuse('the body is not bytes');
    const value = header(headers, GENERIC_SIGNATURE_HEADER);
    if (value === DUPLICATE) return refuse('X-Sendlens-Signature is repeated');
    if (!value) return refuse('unsigned: X-Sendlens-Signature is required');
    const times: string[] = [];
    const signatures: string[] = [];
    for (const part of value.split(',').slice(0, 16)) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      const name = part.slice(0, eq).trim();
      const item = part.slice(eq + 1).trim();
      if (name === 't') times.push(item);
      else if (name === 'v1') signatures.push(item);
    }
    const t = times[0];
    if (times.length !== 1 || t === undefined) return refuse('X-Sendlens-Signature needs exactly one t=<unix seconds>');
    if (signatures.length === 0) return refuse('X-Sendlens-Signature has no v1 signature');
    const stale = checkTimestamp(t, options);
    if (stale) return refuse(stale);
    const expected = createHmac('sha256', key).update(`${t}.`).update(body).digest();
    for (const candidate of signatures) {
      if (!/^[0-9a-fA-F]{64}$/.test(candidate)) continue;
      if (equalBytes(Buffer.from(candidate, 'hex'), expected)) return OK;
    }
    return refuse('no v1 signature matches the body');
  } catch (error) {
    return refuse(`could not verify: ${(error as Error).message}`);
  }
}

// ---------------------------------------------------------------------------
// Amazon SNS: RSA signature by the certificate at SigningCertURL
// ---------------------------------------------------------------------------

/** The hosts SNS serves signing certificates from (the pattern AWS's own validator uses). */
export const SNS_HOST = /^sns\.[a-z0-9-]{3,}\.amazonaws\.com(\.cn)?$/;

export type SnsMessageType = 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';

/** The signed fields of an SNS HTTP(S) message. */
export interface SnsMessage {
  Type: SnsMessageType;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
  Subject?: string;
  SubscribeURL?: string;
  Token?: string;
  UnsubscribeURL?: string;
}

const SNS_TYPES: readonly string[] = ['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'];
/** The fields signed, in order (AWS: "Verifying the signatures of Amazon SNS messages"); absent ones are skipped. */
const NOTIFICATION_FIELDS = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] as const;
const CONFIRMATION_FIELDS = ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'] as const;
const SIGNATURE_ALGORITHMS: Readonly<Record<string, string>> = { '1': 'RSA-SHA1', '2': 'RSA-SHA256' };

function stringField(record: Record<string, unknown>, name: string, alias?: string): string | undefined {
  const value = record[name] ?? (alias === undefined ? undefined : record[alias]);
  return typeof value === 'string' ? value : undefined;
}

/** Reads an SNS message (an object, or its JSON text); a reason when it is not one. */
export function readSnsMessage(input: unknown): { ok: true; message: SnsMessage } | { ok: false; reason: string } {
  let value = input;
  if (typeof input === 'string' || Buffer.isBuffer(input)) {
    try {
      value = JSON.parse(input.toString());
    } catch {
      return { ok: false, reason: 'the body is not JSON' };
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'an SNS message is a JSON object' };
  const record = value as Record<string, unknown>;
  const type = stringField(record, 'Type');
  if (type === undefined || !SNS_TYPES.includes(type)) return { ok: false, reason: 'Type is not Notification, SubscriptionConfirmation or UnsubscribeConfirmation' };
  const message: Partial<SnsMessage> = { Type: type as SnsMessageType };
  for (const name of ['MessageId', 'TopicArn', 'Message', 'Timestamp', 'SignatureVersion', 'Signature'] as const) {
    const field = stringField(record, name);
    if (field === undefined) return { ok: false, reason: `${name} is missing` };
    message[name] = field;
  }
  const certUrl = stringField(record, 'SigningCertURL', 'SigningCertUrl');
  if (certUrl === undefined) return { ok: false, reason: 'SigningCertURL is missing' };
  message.SigningCertURL = certUrl;
  const subject = stringField(record, 'Subject');
  if (subject !== undefined) message.Subject = subject;
  const subscribe = stringField(record, 'SubscribeURL', 'SubscribeUrl');
  if (subscribe !== undefined) message.SubscribeURL = subscribe;
  const token = stringField(record, 'Token');
  if (token !== undefined) message.Token = token;
  const unsubscribe = stringField(record, 'UnsubscribeURL', 'UnsubscribeUrl');
  if (unsubscribe !== undefined) message.UnsubscribeURL = unsubscribe;
  if (type !== 'Notification' && (message.SubscribeURL === undefined || message.Token === undefined)) {
    return { ok: false, reason: `${type} needs SubscribeURL and Token` };
  }
  return { ok: true, message: message as SnsMessage };
}

/** The string SNS signs: each signed field's name and value on lines of their own, in order. */
export function snsStringToSign(message: SnsMessage): string {
  const fields = message.Type === 'Notification' ? NOTIFICATION_FIELDS : CONFIRMATION_FIELDS;
  let text = '';
  for (const name of fields) {
    const value = message[name];
    if (value !== undefined) text += `${name}\n${value}\n`;
  }
  return text;
}

/** Why a URL is not an SNS URL (https, an SNS host, no credentials or port), or null when it is. */
export function snsUrlProblem(url: string, allowedHost: RegExp = SNS_HOST, requirePem = false): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (parsed.protocol !== 'https:') return 'is not https';
  if (parsed.username || parsed.password) return 'carries credentials';
  if (parsed.port !== '' && parsed.port !== '443') return 'names a port';
  if (!allowedHost.test(parsed.hostname)) return `host ${parsed.hostname} is not an SNS host`;
  if (requirePem && !parsed.pathname.endsWith('.pem')) return 'is not a .pem file';
  return null;
}

/** Where certificates are kept between messages (a Map fits); keyed by URL. */
export interface CertificateCache {
  get(url: string): string | undefined;
  set(url: string, pem: string): unknown;
}

/** The default cache keeps a few certificates; SNS uses one per region, rotated rarely. */
class SmallCache implements CertificateCache {
  readonly #entries = new Map<string, string>();
  constructor(readonly limit: number) {}
  get(url: string): string | undefined {
    return this.#entries.get(url);
  }
  set(url: string, pem: string): void {
    if (this.#entries.size >= this.limit && !this.#entries.has(url)) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(url, pem);
  }
}
const defaultCache = new SmallCache(32);

export const CERTIFICATE_FETCH_TIMEOUT_MS = 5000;
export const CERTIFICATE_MAX_BYTES = 64 * 1024;

async function readLimited(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) throw new Error(`certificate of ${declared} bytes is over ${limit} bytes`);
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new Error(`certificate is over ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Fetches a certificate over HTTPS with global fetch: 5 s timeout, 64 KiB limit, no redirects. */
export async function fetchCertificateOverHttps(url: string): Promise<string> {
  const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(CERTIFICATE_FETCH_TIMEOUT_MS) });
  if (response.status !== 200) throw new Error(`certificate fetch answered ${response.status}`);
  return readLimited(response, CERTIFICATE_MAX_BYTES);
}

export interface SnsVerifyOptions {
  /** Fetches the PEM at a (checked) SigningCertURL; tests inject their own. Default: fetchCertificateOverHttps. */
  fetchCertificate?: (url: string) => Promise<string>;
  /** Default: a process-wide cache of 32 certificates. */
  certificateCache?: CertificateCache;
  /** The hosts certificates may come from. Default: SNS_HOST. */
  allowedHost?: RegExp;
  /**
   * The topics this endpoint accepts. Strongly advised: a valid signature
   * proves only that SNS sent the message, and anyone can create a topic and
   * subscribe this endpoint to it.
   */
  allowedTopicArns?: readonly string[];
  /** Unix milliseconds; Date.now() when omitted. */
  now?: number;
  /** How old (seconds) the signed Timestamp may be. Default SNS_TOLERANCE_SEC. */
  toleranceSec?: number;
}

/**
 * Verifies an SNS HTTP(S) message (the parsed body, or its raw JSON): the
 * SigningCertURL must be https on an SNS host and end in .pem; the
 * certificate must be current; SignatureVersion 1 is SHA1withRSA and 2 is
 * SHA256withRSA over snsStringToSign; the Timestamp must be inside the window
 * and the topic, when allowedTopicArns is set, one of them.
 */
export async function verifySnsMessage(message: unknown, options: SnsVerifyOptions = {}): Promise<Verdict> {
  try {
    const read = readSnsMessage(message);
    if (!read.ok) return refuse(read.reason);
    const sns = read.message;
    if (options.allowedTopicArns && !options.allowedTopicArns.includes(sns.TopicArn)) return refuse('the topic is not one this endpoint accepts');
    const algorithm = SIGNATURE_ALGORITHMS[sns.SignatureVersion];
    if (algorithm === undefined) return refuse(`SignatureVersion ${sns.SignatureVersion.slice(0, 8)} is not 1 or 2`);
    const urlProblem = snsUrlProblem(sns.SigningCertURL, options.allowedHost ?? SNS_HOST, true);
    if (urlProblem) return refuse(`SigningCertURL ${urlProblem}`);
    // A Timestamp without a zone is UTC, as in the normalizers, so the replay window is the same on every server.
    const sent = parseIsoTime(sns.Timestamp);
    if (sent === null) return refuse('Timestamp is not an ISO 8601 time');
    const now = options.now ?? Date.now();
    const tolerance = options.toleranceSec ?? SNS_TOLERANCE_SEC;
    if (now - sent > tolerance * 1000) return refuse(`the message is ${Math.round((now - sent) / 1000)} s old, over the tolerance of ${tolerance} s`);
    if (sent - now > SNS_FUTURE_SKEW_SEC * 1000) return refuse(`the message Timestamp is ${Math.round((sent - now) / 1000)} s in the future`);
    if (!BASE64.test(sns.Signature) || sns.Signature.length === 0) return refuse('Signature is not base64');

    const cache = options.certificateCache ?? defaultCache;
    let pem = cache.get(sns.SigningCertURL);
    let fetched = false;
    if (pem === undefined) {
      try {
        pem = await (options.fetchCertificate ?? fetchCertificateOverHttps)(sns.SigningCertURL);
      } catch (error) {
        return refuse(`could not fetch the signing certificate: ${(error as Error).message}`);
      }
      fetched = true;
    }
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(pem);
    } catch {
      return refuse('the signing certificate is not an X.509 certificate');
    }
    if (now < Date.parse(certificate.validFrom) || now > Date.parse(certificate.validTo)) return refuse('the signing certificate is not currently valid');
    if (fetched) cache.set(sns.SigningCertURL, pem);
    const valid = createVerify(algorithm).update(snsStringToSign(sns), 'utf8').verify(certificate.publicKey, sns.Signature, 'base64');
    return valid ? OK : refuse('the signature does not match the message');
  } catch (error) {
    return refuse(`could not verify: ${(error as Error).message}`);
  }
}

export interface SnsConfirmOptions {
  /** Performs the GET of SubscribeURL; default: global fetch with a 5 s timeout and no redirects. */
  fetch?: (url: string) => Promise<{ status: number }>;
  allowedHost?: RegExp;
}

/**
 * The SNS subscription handshake: GETs the SubscribeURL of a
 * SubscriptionConfirmation, after checking it is https on an SNS host. Call it
 * only for a message verifySnsMessage accepted (and, ideally, whose topic is
 * in your allowedTopicArns). Never throws.
 */
export async function confirmSnsSubscription(message: unknown, options: SnsConfirmOptions = {}): Promise<Verdict> {
  try {
    const read = readSnsMessage(message);
    if (!read.ok) return refuse(read.reason);
    if (read.message.Type !== 'SubscriptionConfirmation') return refuse(`a ${read.message.Type} is not confirmed`);
    const url = read.message.SubscribeURL ?? '';
    const problem = snsUrlProblem(url, options.allowedHost ?? SNS_HOST);
    if (problem) return refuse(`SubscribeURL ${problem}`);
    const get =
      options.fetch ??
      (async (target: string) => {
        const response = await fetch(target, { redirect: 'error', signal: AbortSignal.timeout(CERTIFICATE_FETCH_TIMEOUT_MS) });
        await response.body?.cancel();
        return response;
      });
    const response = await get(url);
    return response.status >= 200 && response.status < 300 ? OK : refuse(`SubscribeURL answered ${response.status}`);
  } catch (error) {
    return refuse(`could not confirm the subscription: ${(error as Error).message}`);
  }
}
