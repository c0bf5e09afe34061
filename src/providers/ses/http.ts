import { objectField, stringField, stringList } from '../request-fields.js';
import type { ProviderHttpApi } from '../types.js';

/** SES over raw HTTP is SESv2 JSON: {"FromEmailAddress", "Destination": {"ToAddresses": []}} */
export const sesHttpApi: ProviderHttpApi = {
  addresses: (body) => ({ from: stringField(body.FromEmailAddress), to: stringList(objectField(body.Destination)?.ToAddresses) }),
};
