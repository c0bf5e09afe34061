import { stringField, stringList } from '../request-fields.js';
import type { ProviderHttpApi } from '../types.js';

/** relay's send request: {"from", "to": [...]} */
export const relayHttpApi: ProviderHttpApi = { addresses: (body) => ({ from: stringField(body.from), to: stringList(body.to) }) };
