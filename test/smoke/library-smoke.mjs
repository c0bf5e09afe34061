/**
 * The library as a service installs it: run from a fresh project that installed the packed
 * tarball (never the source tree), on the oldest Node.js the README supports. `.ci/run` drives
 * it through scripts/ci/library-smoke.sh. One instrumented send against a local HTTP server that
 * answers like a provider, and the send event it must produce; exits non-zero on any difference.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { instrumentFetch, SendInstrumentation, startSendlens } from 'sendlens';

const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(429, { 'content-type': 'application/json', 'retry-after': '2' });
    response.end(JSON.stringify({ statusCode: 429, name: 'rate_limit_exceeded', message: 'Too many requests. You can only make 2 requests per second.' }));
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();

try {
  const events = [];
  const instrumentation = new SendInstrumentation({ service: 'smoke', sink: { emit: (event) => events.push(event) }, recipientHashKey: 'smoke-test-key-0123456789' });
  const send = instrumentFetch(instrumentation, { provider: 'resend' });
  const response = await send(`http://127.0.0.1:${port}/emails`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from: 'Shop <orders@shop.example>', to: ['someone@example.org'], subject: 'hi', text: 'hi' }),
  });
  assert.equal(response.status, 429, 'the provider answer reaches the caller unchanged');
  await instrumentation.settle();
  assert.equal(events.length, 1, 'one send event per attempt');
  const [event] = events;
  assert.equal(event.provider, 'resend');
  assert.equal(event.outcome, 'failed');
  assert.equal(event.code, 'throttling.rate_limited');
  assert.equal(event.retry_after_ms, 2000);
  assert.equal(event.sender_domain, 'shop.example');
  assert.ok(!JSON.stringify(event).includes('someone@example.org'), 'no raw recipient address in the event');
  assert.equal(typeof startSendlens, 'function');
  console.log(`library smoke on Node ${process.version}: one instrumented send → ${event.code} (retry after ${event.retry_after_ms} ms): ok`);
} finally {
  server.close();
}
