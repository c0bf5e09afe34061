// One instrumented send against a local server answering like Resend (429), inside an active span
// of the caller's when there is a tracer provider. Shared by the host scripts.
import { createServer } from 'node:http';
import { trace } from '@opentelemetry/api';
import { instrumentFetch } from 'sendlens';

export async function sendOnce(instrumentation) {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(429, { 'content-type': 'application/json', 'retry-after': '2' });
      response.end(JSON.stringify({ statusCode: 429, name: 'rate_limit_exceeded', message: 'Too many requests.' }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const send = instrumentFetch(instrumentation, { provider: 'resend' });
  const url = `http://127.0.0.1:${server.address().port}/emails`;
  try {
    return await trace.getTracer('checkout').startActiveSpan('POST /checkout', async (parent) => {
      await send(url, { method: 'POST', body: JSON.stringify({ from: 'orders@shop.example', to: ['jane@example.org'] }) });
      parent.end();
      return { traceId: parent.spanContext().traceId, spanId: parent.spanContext().spanId };
    });
  } finally {
    server.close();
  }
}
