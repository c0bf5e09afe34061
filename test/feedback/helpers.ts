import { createSign, generateKeyPairSync } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RecipientHasher } from '../../src/events/index.js';
import type { DeliveryEvent } from '../../src/events/index.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

export function fixture(path: string): unknown {
  return JSON.parse(readFileSync(join(FIXTURES, path), 'utf8')) as unknown;
}

export function fixtureText(path: string): string {
  return readFileSync(join(FIXTURES, path), 'utf8');
}

export function fixtureNames(folder: string): string[] {
  return readdirSync(join(FIXTURES, folder))
    .filter((name) => name.endsWith('.json'))
    .sort();
}

/** The tests' clock: after the test certificate's notBefore, and fixed so runs are repeatable. */
export const NOW = Date.parse('2026-12-01T12:00:00.000Z');
export const NOW_SEC = Math.floor(NOW / 1000);
export const RECEIVED_AT = NOW;

export const hasher = new RecipientHasher('feedback-test-key-0123456789');
export const ctx = { hasher, receivedAt: RECEIVED_AT };

// --- SNS -------------------------------------------------------------------

/** TEST ONLY: a throwaway key and self-signed certificate (see fixtures/sns/README.md). */
export const SNS_TEST_KEY = fixtureText('sns/TEST-ONLY-sns-signing.key.pem');
export const SNS_TEST_CERT = fixtureText('sns/TEST-ONLY-sns-signing.cert.pem');
export const SNS_CERT_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem';
export const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:ses-feedback';

export interface SnsOptions {
  type?: 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
  version?: '1' | '2';
  key?: string;
  timestamp?: string;
  certUrl?: string;
  subject?: string;
  topicArn?: string;
  messageId?: string;
}

/**
 * An SNS HTTP(S) message signed as SNS signs it. The string to sign is
 * written out here from AWS's documentation ("Verifying the signatures of
 * Amazon SNS messages"), independently of src/feedback/verify.ts:
 * Notification: Message, MessageId, Subject (if any), Timestamp, TopicArn, Type;
 * (Un)SubscriptionConfirmation: Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type;
 * each as "Name\nvalue\n".
 */
export interface SignedSnsMessage {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  SigningCertURL: string;
  Signature: string;
  Subject?: string;
  SubscribeURL?: string;
  Token?: string;
  UnsubscribeURL?: string;
}

export function snsMessage(message: string, options: SnsOptions = {}): SignedSnsMessage {
  const type = options.type ?? 'Notification';
  const fields: SignedSnsMessage = {
    Signature: '',
    Type: type,
    MessageId: options.messageId ?? '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
    TopicArn: options.topicArn ?? TOPIC_ARN,
    Message: message,
    Timestamp: options.timestamp ?? new Date(NOW - 2000).toISOString(),
    SignatureVersion: options.version ?? '1',
    SigningCertURL: options.certUrl ?? SNS_CERT_URL,
  };
  if (options.subject !== undefined) fields.Subject = options.subject;
  let toSign: string;
  if (type === 'Notification') {
    fields.UnsubscribeURL = `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${fields.TopicArn}:c9135db0-26c4-47ec-8998-413945fb5a96`;
    toSign = `Message\n${fields.Message}\nMessageId\n${fields.MessageId}\n`;
    if (fields.Subject !== undefined) toSign += `Subject\n${fields.Subject}\n`;
    toSign += `Timestamp\n${fields.Timestamp}\nTopicArn\n${fields.TopicArn}\nType\n${fields.Type}\n`;
  } else {
    fields.Token = '2336412f37fb687f5d51e6e2425dacbba9e4d5e8ae0a4a3a3cf0f6d6c8d5b7e4a0c4f2e0e2d0e1f7c3d5b2a3b3c4d5e6f';
    fields.SubscribeURL = `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${fields.TopicArn}&Token=${fields.Token}`;
    toSign =
      `Message\n${fields.Message}\nMessageId\n${fields.MessageId}\nSubscribeURL\n${fields.SubscribeURL}\n` +
      `Timestamp\n${fields.Timestamp}\nToken\n${fields.Token}\nTopicArn\n${fields.TopicArn}\nType\n${fields.Type}\n`;
  }
  const algorithm = fields.SignatureVersion === '2' ? 'RSA-SHA256' : 'RSA-SHA1';
  fields.Signature = createSign(algorithm).update(toSign, 'utf8').sign(options.key ?? SNS_TEST_KEY, 'base64');
  return fields;
}

/** A fetcher that serves the test certificate and records what was asked. */
export function certificateFetcher(pem: string = SNS_TEST_CERT): { fetch: (url: string) => Promise<string>; urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    fetch: (url: string) => {
      urls.push(url);
      return Promise.resolve(pem);
    },
  };
}

// --- SendGrid ---------------------------------------------------------------

export function ecdsaKeys(): { publicKeyPem: string; publicKeyBase64: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    publicKeyBase64: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** As SendGrid signs: ECDSA P-256 / SHA-256 over timestamp + body, base64 of the DER signature. */
export function sendgridHeaders(body: string, privateKeyPem: string, timestampSec: number = NOW_SEC): Record<string, string> {
  const signature = createSign('sha256').update(`${timestampSec}`).update(body).sign(privateKeyPem, 'base64');
  return {
    'x-twilio-email-event-webhook-signature': signature,
    'x-twilio-email-event-webhook-timestamp': String(timestampSec),
  };
}

// --- checks ------------------------------------------------------------------

/** Anything shaped like an address: an `@host.tld` with whatever precedes it (wider than RFC 5322 on purpose). */
export const ADDRESS = /[^\s"\\]*@[^\s@"\\<>]+\.[a-z]{2,}/i;

export function leakedAddresses(events: readonly DeliveryEvent[]): string[] {
  const found: string[] = [];
  for (const event of events) {
    const match = ADDRESS.exec(JSON.stringify(event));
    if (match) found.push(match[0]);
  }
  return found;
}
