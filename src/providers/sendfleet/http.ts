import { stringField, stringList } from '../request-fields.js';
import type { ProviderHttpApi } from '../types.js';

/** SendFleet's send request: {"from_email" (or "from"), "to": [...]} */
export const sendfleetHttpApi: ProviderHttpApi = { addresses: (body) => ({ from: stringField(body.from_email) ?? stringField(body.from), to: stringList(body.to) }) };
