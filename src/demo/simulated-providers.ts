import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ANSWERS, PROVIDER_APIS } from './scenario.js';
import type { CannedAnswer, HttpAnswerName, HttpProviderId } from './scenario.js';

/** Tells the simulated provider how to answer: an answer's name, or `ok:<provider message id>`. */
export const ANSWER_HEADER = 'x-sendlens-demo-answer';
/** Request bodies are kept up to this many bytes (Postmark's answer echoes its To); the rest is read and dropped. */
const MAX_KEPT_REQUEST_BYTES = 64 * 1024;

/** A provider's send URL on the simulated server, e.g. /mailgun/v3/mg.umbrella.example/messages. */
export function apiUrl(base: string, provider: HttpProviderId, senderDomain: string): string {
  return `${base}/${provider}${PROVIDER_APIS[provider].path(senderDomain)}`;
}

/**
 * One local HTTP server that answers as all eight HTTP providers, each in its own
 * format. The demo decides every answer (the scenario's incidents and
 * background failures, seeded) and names it in a header, so the requests and
 * responses on the wire are what the instrumentation and the normalizer see
 * from the real APIs.
 */
export class SimulatedProviders {
  #server: Server | undefined;
  requests = 0;

  async start(): Promise<string> {
    const server = createServer((request, response) => {
      this.requests += 1;
      const chunks: Buffer[] = [];
      let kept = 0;
      request.on('data', (chunk: Buffer) => {
        if (kept >= MAX_KEPT_REQUEST_BYTES) return;
        chunks.push(chunk);
        kept += chunk.length;
      });
      request.on('end', () => {
        const provider = (request.url ?? '').split('/')[1] as HttpProviderId;
        const named = String(request.headers[ANSWER_HEADER] ?? '');
        const api = Object.hasOwn(PROVIDER_APIS, provider) ? PROVIDER_APIS[provider] : undefined;
        let answer: CannedAnswer | undefined;
        if (api && named.startsWith('ok:')) answer = api.success(named.slice(3), Buffer.concat(chunks).subarray(0, MAX_KEPT_REQUEST_BYTES).toString('utf8'));
        else if (api && Object.hasOwn(ANSWERS, named)) answer = ANSWERS[named as HttpAnswerName];
        if (!answer) {
          response.writeHead(400, { 'content-type': 'text/plain' }).end('unknown simulated answer');
          return;
        }
        const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
        const type = typeof answer.body === 'string' ? 'text/plain' : 'application/json';
        response.writeHead(answer.status, { 'content-type': type, ...answer.headers }).end(body);
      });
    });
    // Many short requests on few sockets: keep-alive as the real APIs do.
    server.keepAliveTimeout = 30_000;
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
