import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSWER_HEADER, apiUrl, SimulatedProviders } from '../../src/demo/simulated-providers.js';
import { ANSWERS, PROVIDER_APIS, ROUTES } from '../../src/demo/scenario.js';
import type { HttpAnswerName, HttpProviderId, SendRequest } from '../../src/demo/scenario.js';
import { RecipientHasher } from '../../src/events/index.js';
import { instrumentFetch, SendInstrumentation } from '../../src/instrument/index.js';
import { MemorySink, until } from '../helpers/otel.js';

const KEY = 'simulated-providers-test-key-0123456789';
/** Events are emitted once a failed answer's body is read; a bound for a loaded machine, not a speed claim. */
const EVENT_DEADLINE_MS = 60_000;

/**
 * The simulated providers over the wire, as the demo calls them: each
 * provider's request in its own format through `instrumentFetch`, each
 * answer read back by the instrumentation as it would read the real API's.
 */
describe('the simulated HTTP providers', () => {
  const providers = new SimulatedProviders();
  let base = '';
  beforeAll(async () => {
    base = await providers.start();
  });
  afterAll(() => providers.stop());

  const requestFor = (provider: HttpProviderId, number: number): SendRequest => {
    const route = ROUTES.find((r) => r.provider === provider);
    if (!route) throw new Error(`no route for ${provider}`);
    return { from: `noreply@${route.senderDomain}`, to: `user${number}@gmail.example`, messageId: `${route.workspace}-${number}`, workspace: route.workspace, senderDomain: route.senderDomain };
  };

  const call = async (provider: HttpProviderId, answer: string, number: number) => {
    const sink = new MemorySink();
    const instrumentation = new SendInstrumentation({ service: 'demo-test', sink, recipientHashKey: KEY });
    const request = requestFor(provider, number);
    const payload = PROVIDER_APIS[provider].body(request);
    const body = payload instanceof URLSearchParams ? payload : JSON.stringify(payload);
    const response = await instrumentFetch(instrumentation, { provider })(apiUrl(base, provider, request.senderDomain), {
      method: 'POST',
      headers: { ...(typeof body === 'string' && { 'content-type': 'application/json' }), [ANSWER_HEADER]: answer },
      body,
      sendlens: { workspace: request.workspace, messageId: request.messageId, operation: 'send' },
    });
    const text = await response.text();
    await until(() => sink.events.length === 1, EVENT_DEADLINE_MS);
    return { request, response, text, event: sink.events[0] };
  };

  it('every canned failure, on the wire, becomes a send event with the code the scenario labels it with', async () => {
    let number = 0;
    for (const [name, answer] of Object.entries(ANSWERS) as [HttpAnswerName, (typeof ANSWERS)[HttpAnswerName]][]) {
      const provider = (Object.keys(PROVIDER_APIS) as HttpProviderId[]).find((p) => name.startsWith(p)) as HttpProviderId;
      number += 1;
      const { response, event } = await call(provider, name, number);
      expect({ name, status: response.status, outcome: event?.outcome, code: event?.code }).toEqual({ name, status: answer.status, outcome: 'failed', code: answer.code });
    }
  });

  it('each provider accepts a send in its own format, and the instrumentation reads sender and recipient from that format', async () => {
    const hasher = new RecipientHasher(KEY);
    for (const provider of Object.keys(PROVIDER_APIS) as HttpProviderId[]) {
      const api = PROVIDER_APIS[provider];
      const request = requestFor(provider, 7);
      const providerMessageId = api.providerMessageId?.('0123456789abcdef0123456789abcdef', request.senderDomain) ?? '0123456789abcdef01234567';
      const { response, event, text } = await call(provider, `ok:${providerMessageId}`, 7);
      expect({ provider, ok: response.ok, outcome: event?.outcome, code: event?.code }).toEqual({ provider, ok: true, outcome: 'sent', code: null });
      expect({ provider, sender: event?.sender_domain, recipient: event?.recipient_hash, workspace: event?.workspace }).toEqual({
        provider,
        sender: request.senderDomain,
        recipient: hasher.hash(request.to),
        workspace: request.workspace,
      });
      // The provider's message id travels where that provider puts it: the body, or SendGrid's X-Message-Id.
      expect({ provider, carried: text.includes(providerMessageId) || response.headers.get('x-message-id') === providerMessageId }).toEqual({ provider, carried: true });
    }
  });

  it('SendGrid, Mailgun and Postmark answer a send as their APIs do', async () => {
    const sendgrid = await call('sendgrid', 'ok:W-yVUoNCTrKkJy_2MFOHaQ', 1);
    expect(sendgrid.response.status).toBe(202);
    expect(sendgrid.text).toBe('');
    const mailgun = await call('mailgun', 'ok:20260101000000.0123456789ABCDEF@mg.umbrella.example', 2);
    expect(JSON.parse(mailgun.text)).toEqual({ id: '<20260101000000.0123456789ABCDEF@mg.umbrella.example>', message: 'Queued. Thank you.' });
    const postmark = await call('postmark', 'ok:01234567-89ab-4def-a123-456789abcdef', 3);
    expect(JSON.parse(postmark.text)).toMatchObject({ To: postmark.request.to, MessageID: '01234567-89ab-4def-a123-456789abcdef', ErrorCode: 0, Message: 'OK' });
  });

  it('an answer the scenario does not have is refused', async () => {
    const response = await fetch(apiUrl(base, 'postmark', 'x.example'), { method: 'POST', headers: { [ANSWER_HEADER]: 'sesThrottledTypo' }, body: '{}' });
    expect(response.status).toBe(400);
    expect(await response.text()).toBe('unknown simulated answer');
  });
});
