import { commaList, stringField } from '../request-fields.js';
import type { ProviderHttpApi } from '../types.js';

/** Postmark's send request: {"From", "To": "a@example.com, b@example.com"} */
export const postmarkHttpApi: ProviderHttpApi = {
  addresses: (body) => ({ from: stringField(body.From), to: commaList(body.To) }),
  // The templated send, before the adapter's template rule would call it template management.
  operations: [[/\/email\/withTemplate\/?$/i, 'send']],
};
