import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { DeliveryEvent, RecipientHasher } from '../../src/events/index.js';
import { fromGenericEvents, GENERIC_SIGNATURE_HEADER, signGeneric } from '../../src/feedback/index.js';
import { hasher as testHasher } from '../feedback/helpers.js';

/**
 * A signed generic batch of `recipients` bounces, one per recipient: a request body under the 1 MiB
 * limit whose delivery events come to about 8 MiB, so the hand-off must go in slices. (Resend sends
 * one webhook per recipient, so a large Resend payload no longer exists to test this with.)
 */
export function largeBounceBatch(recipients: number, secret: string, hasher: RecipientHasher = testHasher): { body: string; headers: Record<string, string>; expected: DeliveryEvent[] } {
  const batch = `b${randomBytes(2).toString('hex')}`;
  const timestamp = new Date(Date.now() - 60_000).toISOString().slice(0, 19) + 'Z';
  const events = Array.from({ length: recipients }, (_, i) => ({ provider: 'relay', type: 'bounced', timestamp, recipient: `${i}@${batch}.io` }));
  const body = JSON.stringify(events);
  const expected = fromGenericEvents(JSON.parse(body), { hasher, receivedAt: Date.now() });
  return { body, headers: { 'content-type': 'application/json', [GENERIC_SIGNATURE_HEADER]: signGeneric(body, secret) }, expected };
}

export function postJson(port: number, path: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
