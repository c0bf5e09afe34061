import { sendgridV3Addresses } from '../sendgrid/http.js';
import type { ProviderHttpApi } from '../types.js';

/** ScaiSend's send request is SendGrid's v3 shape. */
export const scaisendHttpApi: ProviderHttpApi = { addresses: sendgridV3Addresses };
