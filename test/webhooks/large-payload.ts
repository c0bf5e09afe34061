import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { DeliveryEvent, RecipientHasher } from '../../src/events/index.js';
import { fromResendWebhook, signSvix } from '../../src/feedback/index.js';
import { fixture, hasher as testHasher } from '../feedback/helpers.js';

/** A Resend bounce addressed to `recipients` recipients: the biggest payload a provider may send in one request. */
export function largeResendBounce(recipients: number, secret: string, hasher: RecipientHasher = testHasher): { body: string; headers: Record<string, string>; expected: DeliveryEvent[] } {
  const payload = structuredClone(fixture('resend/email.bounced.json')) as { data: { to: string[]; email_id: string } };
  payload.data.email_id = `large-${randomBytes(6).toString('hex')}`;
  payload.data.to = Array.from({ length: recipients }, (_, i) => `user${i}@bulk.example`);
  const body = JSON.stringify(payload);
  const id = `msg_${payload.data.email_id}`;
  const t = Math.floor(Date.now() / 1000);
  const expected = fromResendWebhook(JSON.parse(body), { hasher, receivedAt: Date.now(), deliveryId: id });
  return { body, headers: { 'content-type': 'application/json', 'svix-id': id, 'svix-timestamp': String(t), 'svix-signature': signSvix(id, t, body, secret) }, expected };
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
