/**
 * Postmark: everything sendlens knows about it, in one folder. The error
 * catalog (numbered ErrorCodes), the postmark ServerClient adapter, and the
 * webhook endpoint.
 */
export { postmarkCatalog } from './catalog.js';
export { instrumentPostmark, postmarkOutcomeReader, postmarkErrorResponse } from './sdk.js';
export type { PostmarkLike } from './sdk.js';
