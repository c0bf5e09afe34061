import { stringField, stringList } from '../request-fields.js';
import type { ProviderHttpApi } from '../types.js';

/** Resend's send request: {"from", "to": string | string[]} */
export const resendHttpApi: ProviderHttpApi = { addresses: (body) => ({ from: stringField(body.from), to: stringList(body.to) }) };
