// A CommonJS service: require('sendlens') (Node ≥ 22.12 loads ES modules through require).
const sendlens = require('sendlens');
const events = [];
const instrumentation = new sendlens.SendInstrumentation({ service: 'cjs', sink: { emit: (event) => events.push(event) }, recipientHashKey: 'cjs-test-key-0123456789' });
const error = sendlens.normalizeResponse('resend', { status: 429, body: { statusCode: 429, name: 'rate_limit_exceeded', message: 'Too many requests.' } });
console.log(JSON.stringify({ instrumentFetch: typeof sendlens.instrumentFetch, startSendlens: typeof sendlens.startSendlens, code: error.code, instrumentation: instrumentation.constructor.name }));
