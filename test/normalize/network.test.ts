import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NETWORK_FAILURES, normalizeThrown } from '../../src/normalize/index.js';

/** Real failures from Node's own fetch against servers on loopback, not hand-made error objects. */
async function thrownBy(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the request to fail');
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)));
}

describe('network failures thrown by fetch', () => {
  let silent: Server;
  let resetting: Server;
  let silentUrl: string;
  let resettingUrl: string;

  beforeAll(async () => {
    silent = createServer(() => undefined); // accepts, never answers
    resetting = createServer((req) => req.socket.destroy());
    silentUrl = await listen(silent);
    resettingUrl = await listen(resetting);
  });
  afterAll(() => {
    silent.closeAllConnections();
    silent.close();
    resetting.close();
  });

  it('a refused connection is network.connection_failed', async () => {
    const closed = createServer();
    const url = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    const error = await thrownBy(() => fetch(url));
    const normalized = normalizeThrown('relay', error);
    expect(normalized).toMatchObject({ code: 'network.connection_failed', category: 'network', retry: 'backoff', status: null, providerCode: 'ECONNREFUSED' });
  });

  it('a reset connection is network.connection_failed', async () => {
    const error = await thrownBy(() => fetch(resettingUrl));
    expect(normalizeThrown('resend', error)).toMatchObject({ code: 'network.connection_failed', status: null });
  });

  it('a deadline (AbortSignal.timeout) is network.timeout', async () => {
    const error = await thrownBy(() => fetch(silentUrl, { signal: AbortSignal.timeout(50) }));
    expect(normalizeThrown('scaisend', error)).toMatchObject({ code: 'network.timeout', providerCode: 'TimeoutError', retry: 'backoff' });
  });

  it('an unknown host (DNS) is network.connection_failed', async () => {
    // `.invalid` is reserved (RFC 2606): it never resolves, on any network.
    const error = await thrownBy(() => fetch('http://sendlens-test.invalid/', { signal: AbortSignal.timeout(10_000) }));
    const normalized = normalizeThrown('sendfleet', error);
    expect(normalized.code).toBe('network.connection_failed');
    expect(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL']).toContain(normalized.providerCode);
  });
});

describe('network failures as SDKs and sockets report them', () => {
  it.each([
    ['a socket timeout (err.code)', Object.assign(new Error('connect ETIMEDOUT 10.0.0.1:443'), { code: 'ETIMEDOUT', syscall: 'connect' }), 'network.timeout'],
    ['the AWS SDK TimeoutError', Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError', $metadata: {} }), 'network.timeout'],
    ['an undici headers timeout in the cause', Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' }) }), 'network.timeout'],
    ['an AggregateError of refusals (IPv4 and IPv6)', Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' }), Object.assign(new Error('b'), { code: 'ECONNREFUSED' })]), { code: 'ECONNREFUSED' }) }), 'network.connection_failed'],
    ['an expired TLS certificate', Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }) }), 'network.connection_failed'],
  ] as const)('%s', (_what, error, code) => {
    expect(normalizeThrown('ses', error).code).toBe(code);
  });

  it('every network table entry is reachable through a cause chain', () => {
    for (const [label, code] of Object.entries(NETWORK_FAILURES)) {
      const error = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(label), { code: label }) });
      expect(normalizeThrown('relay', error), label).toMatchObject({ code, providerCode: label, status: null });
    }
  });

  it('an HTTP answer is never a network failure, whatever its cause chain says', () => {
    const error = Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailableException', code: 'ETIMEDOUT', $metadata: { httpStatusCode: 503 } });
    expect(normalizeThrown('ses', error)).toMatchObject({ code: 'provider.unavailable', status: 503 });
  });
});
