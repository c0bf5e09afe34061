import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ANSWERS, PROVIDER_APIS } from './scenario.js';
import type { AnswerName, CannedAnswer, DemoProviderId } from './scenario.js';

/** Tells the simulated provider how to answer: an answer's name, or `ok:<provider message id>`. */
export const ANSWER_HEADER = 'x-sendlens-demo-answer';

/** Which provider an API path belongs to, e.g. /resend/emails → resend. */
export function apiUrl(base: string, provider: DemoProviderId): string {
  return `${base}/${provider}${PROVIDER_APIS[provider].path}`;
}

/**
 * One local HTTP server that answers as all five providers, each in its own
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
      request.resume();
      request.on('end', () => {
        const provider = (request.url ?? '').split('/')[1] as DemoProviderId;
        const named = String(request.headers[ANSWER_HEADER] ?? '');
        const api = PROVIDER_APIS[provider];
        let answer: CannedAnswer | undefined;
        if (api && named.startsWith('ok:')) answer = api.success(named.slice(3));
        else if (api && named in ANSWERS) answer = ANSWERS[named as AnswerName];
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
