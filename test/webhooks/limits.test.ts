import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createWebhookServer, HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS, OVERSIZED_DISCARD_BYTES, REQUEST_TIMEOUT_MS } from '../../src/webhooks/server.js';
import type { WebhookServerOptions } from '../../src/webhooks/server.js';

/**
 * The receiver's time and size limits, seen from raw sockets: what a slow,
 * idle or oversized client gets and when. Bounds on time are generous (a
 * loaded machine passes) but tell Node's own sweep interval (30 s) apart.
 */

const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function start(options: Partial<WebhookServerOptions<number>> = {}): Promise<{ server: Server; port: number }> {
  const server = createWebhookServer<number>({
    endpoints: [{ path: '/webhooks/test', verify: () => ({ ok: true }), normalize: () => [1] }],
    handoff: { handOff: async () => undefined },
    ...options,
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A raw connection that records what the server sent and when, and how it ended. */
interface Connection {
  socket: Socket;
  openedAt: number;
  received: () => string;
  /** Resolves once the server closed the connection (or `giveUpMs` passed: then `closedAfterMs` is null). */
  closed: Promise<{ closedAfterMs: number | null; reset: boolean }>;
}

async function open(port: number, giveUpMs: number): Promise<Connection> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const openedAt = Date.now();
  let text = '';
  let reset = false;
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', (error: NodeJS.ErrnoException) => (reset = reset || error.code === 'ECONNRESET'));
  const closed = new Promise<{ closedAfterMs: number | null; reset: boolean }>((resolve) => {
    const timer = setTimeout(() => {
      resolve({ closedAfterMs: null, reset });
      socket.destroy();
    }, giveUpMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ closedAfterMs: Date.now() - openedAt, reset });
    });
  });
  return { socket, openedAt, received: () => text, closed };
}

const write = (socket: Socket, data: string | Buffer) => new Promise<void>((resolve) => socket.write(data, () => resolve()));
const until = async (condition: () => boolean, deadlineMs: number) => {
  const deadline = Date.now() + deadlineMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
};

describe('the webhook receiver’s timeouts', () => {
  it('runs with the README’s timeouts (headers 10 s, whole request 30 s, idle keep-alive 5 s), swept every second', async () => {
    const { server } = await start();
    expect({ headers: server.headersTimeout, request: server.requestTimeout, keepAlive: server.keepAliveTimeout }).toEqual({ headers: 10_000, request: 30_000, keepAlive: 5_000 });
    expect([HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS]).toEqual([10_000, 30_000, 5_000]);
    // Node enforces the headers and request timeouts only on this sweep; its default (30 s) stretched them to ~30 s and ~54 s.
    expect((server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval).toBeLessThanOrEqual(1_000);
  });

  it.concurrent('cuts a client that sends its headers too slowly near 10 s, with 408', async () => {
    const { port } = await start();
    const connection = await open(port, 25_000);
    await write(connection.socket, 'POST /webhooks/test HTTP/1.1\r\nHost: receiver\r\nX-Slow: ');
    let writing = true;
    void connection.closed.then(() => (writing = false));
    // A byte every half second: the connection is never idle, the headers never complete.
    while (writing) {
      await write(connection.socket, 'a');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const { closedAfterMs } = await connection.closed;
    expect(closedAfterMs).not.toBeNull();
    expect(closedAfterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 1_000);
    expect(closedAfterMs).toBeLessThan(20_000);
    expect(connection.received()).toMatch(/^HTTP\/1\.1 408 /);
  }, 40_000);

  it.concurrent('closes a connection that never sends a request near the headers timeout', async () => {
    const { port } = await start();
    const connection = await open(port, 25_000);
    const { closedAfterMs } = await connection.closed;
    expect(closedAfterMs).not.toBeNull();
    expect(closedAfterMs).toBeLessThan(20_000);
  }, 40_000);

  it.concurrent('closes an idle kept-alive connection after the keep-alive timeout, having served requests on it', async () => {
    const { port } = await start();
    const connection = await open(port, 25_000);
    await write(connection.socket, 'GET /healthz HTTP/1.1\r\nHost: receiver\r\n\r\n');
    await until(() => connection.received().includes('{"ok":true}'), 10_000);
    // Answered without closing: the provider may deliver its next webhook on the same connection.
    expect(connection.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(connection.received().toLowerCase()).not.toContain('connection: close');
    await write(connection.socket, 'POST /webhooks/test HTTP/1.1\r\nHost: receiver\r\nContent-Length: 2\r\n\r\n{}');
    await until(() => connection.received().includes('{"accepted":1}'), 10_000);
    expect(connection.received()).toContain('{"accepted":1}');
    const idleFrom = Date.now();
    const { closedAfterMs } = await connection.closed;
    expect(closedAfterMs).not.toBeNull();
    // Node adds a second of grace (keepAliveTimeoutBuffer) to the advertised 5 s.
    expect(Date.now() - idleFrom).toBeGreaterThanOrEqual(KEEP_ALIVE_TIMEOUT_MS - 1_000);
    expect(Date.now() - idleFrom).toBeLessThan(15_000);
  }, 40_000);

  it.concurrent('cuts a request whose body arrives too slowly at the request timeout (short timeouts here)', async () => {
    const { server, port } = await start({ timeouts: { headersMs: 1_000, requestMs: 2_000 } });
    expect((server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval).toBeLessThanOrEqual(200);
    const connection = await open(port, 20_000);
    await write(connection.socket, 'POST /webhooks/test HTTP/1.1\r\nHost: receiver\r\nContent-Length: 1000\r\n\r\n');
    let writing = true;
    void connection.closed.then(() => (writing = false));
    while (writing) {
      await write(connection.socket, ' ');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const { closedAfterMs } = await connection.closed;
    expect(closedAfterMs).not.toBeNull();
    expect(closedAfterMs).toBeGreaterThanOrEqual(1_500);
    expect(closedAfterMs).toBeLessThan(10_000);
    expect(connection.received()).toMatch(/^HTTP\/1\.1 408 /);
  }, 40_000);
});

describe('the webhook receiver’s body limit', () => {
  const LIMIT = 1024;
  const chunk = (data: string) => `${Buffer.byteLength(data).toString(16)}\r\n${data}\r\n`;

  it('answers 413 to an oversized chunked body, and the client reads the answer (no reset)', async () => {
    const { port } = await start({ maxBodyBytes: LIMIT });
    const connection = await open(port, 20_000);
    await write(connection.socket, 'POST /webhooks/test HTTP/1.1\r\nHost: receiver\r\nTransfer-Encoding: chunked\r\n\r\n');
    // 64 KiB in 4 KiB chunks, well past the limit: the client is still writing when the server knows the answer.
    for (let i = 0; i < 16; i += 1) await write(connection.socket, chunk('y'.repeat(4096)));
    await write(connection.socket, '0\r\n\r\n');
    const { closedAfterMs, reset } = await connection.closed;
    expect(closedAfterMs).not.toBeNull();
    expect(reset).toBe(false);
    expect(connection.received()).toMatch(/^HTTP\/1\.1 413 /);
    expect(connection.received()).toContain(`over the limit of ${LIMIT} bytes`);
  }, 30_000);

  it('answers 413 to a declared oversized body within the discard bound, after reading it', async () => {
    const { port } = await start({ maxBodyBytes: LIMIT });
    const connection = await open(port, 20_000);
    const body = 'z'.repeat(64 * 1024);
    await write(connection.socket, `POST /webhooks/test HTTP/1.1\r\nHost: receiver\r\nContent-Length: ${body.length}\r\n\r\n`);
    for (let i = 0; i < body.length; i += 4096) await write(connection.socket, body.slice(i, i + 4096));
    const { reset } = await connection.closed;
    expect(reset).toBe(false);
    expect(connection.received()).toMatch(/^HTTP\/1\.1 413 /);
  }, 30_000);

  it('stops reading an endless chunked body past the discard bound and closes the connection', async () => {
    const { port } = await start({ maxBodyBytes: LIMIT });
    const connection = await open(port, 20_000);
    await write(connection.socket, 'POST /webhooks/test HTTP/1.1\r\nHost: receiver\r\nTransfer-Encoding: chunked\r\n\r\n');
    // Counts what the kernel took; once the server has closed, writes fail and the loop ends.
    let written = 0;
    const piece = chunk('e'.repeat(64 * 1024));
    while (written < 64 * 1024 * 1024) {
      const accepted = await new Promise<boolean>((resolve) => connection.socket.write(piece, (error) => resolve(!error)));
      if (!accepted) break;
      written += piece.length;
    }
    const { closedAfterMs } = await connection.closed;
    expect(closedAfterMs).not.toBeNull();
    expect(written).toBeGreaterThan(LIMIT + OVERSIZED_DISCARD_BYTES);
    // Far less than the 64 MiB on offer: what the server read and discarded, plus kernel buffers.
    expect(written).toBeLessThan(32 * 1024 * 1024);
  }, 30_000);
});
