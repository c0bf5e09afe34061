import type { ProviderId } from './ids.js';
import { mailgunHttpApi } from './mailgun/http.js';
import { postmarkHttpApi } from './postmark/http.js';
import { relayHttpApi } from './relay/http.js';
import { resendHttpApi } from './resend/http.js';
import { scaisendHttpApi } from './scaisend/http.js';
import { sendfleetHttpApi } from './sendfleet/http.js';
import { sendgridHttpApi } from './sendgrid/http.js';
import { sesHttpApi } from './ses/http.js';
import type { ProviderHttpApi } from './types.js';

/**
 * The registry of providers' HTTP APIs, read by `instrumentFetch` (src/instrument): one line per
 * provider with an HTTP API. SMTP has none (instrumentNodemailer reads its messages itself).
 */
export const PROVIDER_HTTP_APIS: Readonly<Partial<Record<ProviderId, ProviderHttpApi>>> = {
  relay: relayHttpApi,
  sendfleet: sendfleetHttpApi,
  ses: sesHttpApi,
  scaisend: scaisendHttpApi,
  resend: resendHttpApi,
  sendgrid: sendgridHttpApi,
  mailgun: mailgunHttpApi,
  postmark: postmarkHttpApi,
};
