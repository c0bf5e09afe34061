import { request as httpRequest } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeliveryEvent } from '../../src/events/index.js';
import { RecipientHasher } from '../../src/events/index.js';
import { createWebhookServer } from '../../src/webhooks/index.js';
import type { WebhookEndpoint } from '../../src/webhooks/index.js';

export const hasher = new RecipientHasher('provider-feedback-test-key-0123');
/** The tests' clock for normalizers; the receiver itself runs on real time. */
export const RECEIVED_AT = Date.parse('2026-12-01T12:00:00.000Z');
export const ctx = { hasher, receivedAt: RECEIVED_AT };

/** A webhook receiver with one endpoint, on loopback, recording what it hands off. */
export class Receiver {
  readonly stored: DeliveryEvent[][] = [];
  /** Hand-offs still to fail (a store that is down), one per request, before the store works again. */
  failingHandoffs = 0;
  #server: Server;
  #port = 0;

  constructor(endpoint: WebhookEndpoint<DeliveryEvent>) {
    const handOff = (events: DeliveryEvent[]): Promise<void> => {
      if (this.failingHandoffs > 0) {
        this.failingHandoffs -= 1;
        return Promise.reject(new Error('the store is down'));
      }
      this.stored.push(events);
      return Promise.resolve();
    };
    this.#server = createWebhookServer({ endpoints: [endpoint], handoff: { handOff } });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.#port = (this.#server.address() as AddressInfo).port;
    return this;
  }

  stop(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  post(path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: this.#port, path, method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}
