import { request as httpRequest } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_EVENT_LINE_BYTES, MAX_MESSAGE_BYTES } from '../../src/ingest/index.js';
import { DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_HANDOFF_BYTES, RequestError, createWebhookServer } from '../../src/webhooks/server.js';
import type { WebhookEndpoint } from '../../src/webhooks/server.js';

/** A stand-in provider: signed when `x-sig: good`; a body `{"n": k}` gives k events; `{"bad": true}` is the wrong shape. */
const endpoint: WebhookEndpoint<number> = {
  path: '/webhooks/test',
  verify: (r) => (r.headers['x-sig'] === 'good' ? { ok: true } : { ok: false, reason: 'no valid x-sig' }),
  normalize: (body) => {
    const value = body as { n?: number; bad?: boolean; boom?: boolean };
    if (value.bad) throw new RequestError(400, 'not a test payload');
    if (value.boom) throw new Error('a bug');
    return Array.from({ length: value.n ?? 0 }, (_, i) => i);
  },
};

describe('the webhook server', () => {
  const stored: number[][] = [];
  let failHandoff = false;
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    server = createWebhookServer({
      endpoints: [endpoint],
      maxBodyBytes: 1024,
      handoff: {
        handOff: async (events) => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          if (failHandoff) throw new Error('kafka down');
          stored.push(events);
        },
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  async function post(path: string, body: string | Buffer, headers: Record<string, string> = { 'x-sig': 'good' }, method = 'POST'): Promise<{ status: number; body: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown> }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('accepts a signed, well-formed delivery only after its events were stored', async () => {
    const before = stored.length;
    expect(await post('/webhooks/test', '{"n": 3}')).toEqual({ status: 200, body: { accepted: 3 } });
    expect(stored.length).toBe(before + 1);
    expect(stored.at(-1)).toEqual([0, 1, 2]);
  });

  it.each([
    ['an unknown path', '/webhooks/nope', '{"n":1}', { 'x-sig': 'good' }, 'POST', 404],
    ['another method', '/webhooks/test', '', { 'x-sig': 'good' }, 'GET', 405],
    ['an unsigned request', '/webhooks/test', '{"n":1}', {}, 'POST', 401],
    ['a forged signature', '/webhooks/test', '{"n":1}', { 'x-sig': 'forged' }, 'POST', 401],
    ['malformed JSON', '/webhooks/test', '{"n":', { 'x-sig': 'good' }, 'POST', 400],
    ['a body of the wrong shape', '/webhooks/test', '{"bad":true}', { 'x-sig': 'good' }, 'POST', 400],
    ['an oversized body', '/webhooks/test', 'x'.repeat(5000), { 'x-sig': 'good' }, 'POST', 413],
  ] as const)('refuses %s, writing nothing', async (_what, path, body, headers, method, status) => {
    const before = stored.length;
    const result = await post(path, body, { ...headers }, method);
    expect(result.status).toBe(status);
    expect(typeof result.body.error).toBe('string');
    expect(stored.length).toBe(before);
  });

  it('refuses an oversized body that does not declare its length, as it streams', async () => {
    const result = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/webhooks/test', method: 'POST', headers: { 'x-sig': 'good', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      // The answer is read: the server discards the rest of the body instead of resetting the connection.
      req.on('error', reject);
      for (let i = 0; i < 10; i += 1) req.write('y'.repeat(512));
      req.end();
    });
    expect(result).toBe(413);
  });

  it('answers 503 when the events cannot be stored, so the provider retries', async () => {
    failHandoff = true;
    try {
      expect((await post('/webhooks/test', '{"n": 1}')).status).toBe(503);
    } finally {
      failHandoff = false;
    }
  });

  it('survives a bug in an endpoint (500) and keeps serving', async () => {
    expect((await post('/webhooks/test', '{"boom": true}')).status).toBe(500);
    expect((await post('/webhooks/test', '{"n": 1}')).status).toBe(200);
  });
});

describe('the webhook server with a payload larger than one hand-off', () => {
  /** `{"n": k, "size": s}` gives k events, each a string that serializes to s bytes (with its quotes). */
  const padded: WebhookEndpoint<string> = {
    path: '/webhooks/padded',
    verify: () => ({ ok: true }),
    normalize: (body) => {
      const { n, size } = body as { n: number; size: number };
      return Array.from({ length: n }, (_, i) => String(i).padEnd(size - 2, '.'));
    },
  };
  const handedOff: string[][] = [];
  let failAt = -1;
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    server = createWebhookServer({
      endpoints: [padded],
      maxHandoffBytes: 1000,
      maxEventBytes: 500,
      handoff: {
        handOff: async (events) => {
          if (handedOff.length === failAt) throw new Error('store down');
          handedOff.push(events);
        },
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const post = async (body: unknown) => {
    const response = await fetch(`http://127.0.0.1:${port}/webhooks/padded`, { method: 'POST', body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('hands the events off in order, in slices of at most maxHandoffBytes of JSON Lines, and answers 200 after the last', async () => {
    handedOff.length = 0;
    // 25 events of 99 bytes + newline: 10 per slice.
    expect(await post({ n: 25, size: 99 })).toEqual({ status: 200, body: { accepted: 25 } });
    expect(handedOff.map((slice) => slice.length)).toEqual([10, 10, 5]);
    for (const slice of handedOff) expect(slice.reduce((bytes, event) => bytes + Buffer.byteLength(JSON.stringify(event)) + 1, 0)).toBeLessThanOrEqual(1000);
    expect(handedOff.flat().map((event) => Number.parseInt(event, 10))).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it('answers 503 when a later slice cannot be stored, so the provider delivers the whole payload again', async () => {
    handedOff.length = 0;
    failAt = 1;
    try {
      expect((await post({ n: 25, size: 99 })).status).toBe(503);
      expect(handedOff.map((slice) => slice.length)).toEqual([10]);
    } finally {
      failAt = -1;
    }
  });

  it('answers 500 and hands nothing off when one event alone is over the bound the loader stores', async () => {
    handedOff.length = 0;
    expect((await post({ n: 3, size: 500 })).status).toBe(200);
    handedOff.length = 0;
    expect((await post({ n: 3, size: 501 })).status).toBe(500);
    expect(handedOff).toEqual([]);
  });

  it('keeps the default bounds under what the loader stores: a slice is one loader message, an event one line', () => {
    expect(DEFAULT_MAX_HANDOFF_BYTES).toBeLessThanOrEqual(MAX_MESSAGE_BYTES / 2);
    expect(DEFAULT_MAX_EVENT_BYTES).toBe(MAX_EVENT_LINE_BYTES);
  });
});
