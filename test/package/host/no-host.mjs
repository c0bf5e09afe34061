// A service without an SDK of its own: startSendlens starts one (today's behaviour), or, when the
// trace SDK packages are not installed, says what to install.
import { trace } from '@opentelemetry/api';
import { startSendlens } from 'sendlens';
import { sendOnce } from './send.mjs';

let sendlens;
try {
  sendlens = startSendlens({ service: 'lone-service' });
} catch (error) {
  console.log(JSON.stringify({ error: error.message, name: error.name }));
  process.exit(0);
}
const parent = await sendOnce(sendlens.instrumentation);
const registered = trace.getTracerProvider().getDelegate().constructor.name;
await sendlens.shutdown();
console.log(JSON.stringify({ tracing: sendlens.tracing, parent, registered }));
