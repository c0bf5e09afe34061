import { commaList, stringField } from '../request-fields.js';
import type { ProviderHttpApi } from '../types.js';

/** Mailgun's API takes form fields (URLSearchParams or FormData); `to` may repeat or list several. */
export const mailgunHttpApi: ProviderHttpApi = {
  addresses: (body) => ({ from: stringField(body.from), to: commaList(body.to) }),
  // The send path, form fields or MIME, before the adapter's domain rules would call it domain management.
  operations: [[/^\/v3\/[^/]+\/messages(\.mime)?\/?$/i, 'send']],
};
