import type { SeedCase } from './types.js';

const mg = (seed: string, status: number, body: unknown, expect: SeedCase['expect']): SeedCase => ({
  seed,
  provider: 'mailgun',
  response: { status, body },
  expect: { providerCode: null, ...expect },
});
const message = (text: string) => ({ message: text });

/**
 * Mailgun's Messages API, one case per row of src/providers/mailgun/catalog.ts,
 * in its order. Sources: [send] documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/messages,
 * [responses] documentation.mailgun.com/docs/mailgun/quickstart-guide/responses,
 * [api-intro] documentation.mailgun.com/en/latest/api-intro.html#errors,
 * [sandbox] the 403 text as reported in theoomoregbee/US-visa-appointment-notifier#5.
 */
export const mailgunCases: SeedCase[] = [
  mg('[send] 400 to parameter is not a valid address', 400, message('to parameter is not a valid address. please check documentation'), { code: 'recipient.invalid_address' }),
  mg('[send] 400 from parameter is not a valid address', 400, message('from parameter is not a valid address. please check documentation'), { code: 'sender.invalid_from_address' }),
  mg("[send] 400 Need at least one of 'text', 'html' or 'template'", 400, message("Need at least one of 'text', 'html' or 'template' parameters specified"), { code: 'validation.body_required' }),
  mg("[send] 400 'from' parameter is missing", 400, message("'from' parameter is missing"), { code: 'validation.missing_field' }),
  mg('[responses] 400 with a JSON message', 400, message("'o:deliverytime' parameter is not a valid date"), { code: 'validation.invalid_fields' }),
  mg('[api-intro] 401 Forbidden (a bad API key)', 401, 'Forbidden', { code: 'auth.invalid_credentials', message: 'Forbidden' }),
  mg('[api-intro] 402 Request Failed', 402, message('Request failed'), { code: 'account.suspended' }),
  mg('[sandbox] 403 sandbox domain', 403, message('Domain sandboxe1164ceef2a340a89c348279b0dde46b.mailgun.org is not allowed to send: Sandbox subdomains are for test purposes only. Please add your own domain or add the address to authorized recipients in Account Settings.'), { code: 'account.sandbox_restricted' }),
  mg('[send] 403 unverified domain', 403, message('Domain mg.acme.example is not allowed to send: The domain is unverified and requires DNS configuration. Log in to your control panel to view required DNS records.'), { code: 'sender.domain_not_verified' }),
  mg('[send] 403 disabled domain', 403, message('Domain mg.acme.example is not allowed to send: Domain is disabled'), { code: 'account.sending_suspended' }),
  mg('[responses] 403 access denied', 403, message('Forbidden'), { code: 'auth.insufficient_scope' }),
  mg('[send] 404 Domain not found', 404, message('Domain not found: mg.acme.example'), { code: 'sender.domain_not_registered' }),
  mg('[responses] 404 without JSON (a wrong endpoint)', 404, '404 page not found', { code: 'not_found.resource' }),
  mg('[api-intro] 413 Request Entity Too Large', 413, '<html><head><title>413 Request Entity Too Large</title></head></html>', { code: 'validation.payload_too_large' }),
  mg('[responses] 429 Too many requests', 429, message('Too many requests'), { code: 'throttling.rate_limited' }),
  mg('[responses] 500 Internal Error', 500, message('Internal Server Error'), { code: 'provider.internal_error', retry: 'backoff' }),
  mg('[api-intro] 502 Server Error', 502, '', { code: 'provider.unavailable' }),
  mg('[api-intro] 503 Server Error', 503, '', { code: 'provider.unavailable' }),
  mg('[api-intro] 504 Server Error', 504, '', { code: 'provider.unavailable' }),
];
