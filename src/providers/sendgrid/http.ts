import { objectField, stringField } from '../request-fields.js';
import type { ProviderHttpApi, RequestFields } from '../types.js';

/** SendGrid's v3 Mail Send shape: {"from": {"email"}, "personalizations": [{"to": [{"email"}]}]} (ScaiSend speaks it too). */
export function sendgridV3Addresses(body: RequestFields): { from?: string | undefined; to: string[] } {
  const first = Array.isArray(body.personalizations) ? objectField(body.personalizations[0]) : undefined;
  const to = Array.isArray(first?.to) ? first.to.map((r) => stringField(objectField(r)?.email)).filter((e): e is string => e !== undefined) : [];
  return { from: stringField(objectField(body.from)?.email) ?? stringField(body.from), to };
}

export const sendgridHttpApi: ProviderHttpApi = { addresses: sendgridV3Addresses };
