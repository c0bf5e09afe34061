import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubReply {
  status: number;
  headers?: Record<string, string>;
  body?: string | object;
}

/**
 * A provider API on loopback that answers from a queue of replies (the last
 * one repeats), recording each request it got.
 */
export class StubProvider {
  readonly requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
  #replies: StubReply[] = [];
  #server: Server;
  url = '';

  constructor() {
    this.#server = createServer((req, res) => this.#answer(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  reply(...replies: StubReply[]): this {
    this.#replies = replies;
    this.requests.length = 0;
    return this;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  #answer(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const reply = this.#replies.length > 1 ? this.#replies.shift() : this.#replies[0];
      const { status, headers = {}, body = '' } = reply ?? { status: 500 };
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', ...headers });
      res.end(text);
    });
  }
}
