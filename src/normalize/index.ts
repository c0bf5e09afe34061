/**
 * normalize: turns each provider's failure dialect into one normalized error.
 * Public surface of the stage; everything else in this folder is internal.
 */
export { normalizeResponse, normalizeThrown } from './normalize.js';
export type { NormalizedError, NormalizeOptions, ProviderResponse } from './normalize.js';
export { CATALOGS, STATUS_ROWS, STATUS_CLASS_ROWS, NETWORK_FAILURES, PROVIDERS, isProviderId, ANY_CODE } from './catalog/index.js';
export type { CatalogRow, ProviderCatalog, ProviderId, RetrySchedule, RetryStep, RowOrigin } from './catalog/index.js';
export {
  ALL_CODES,
  CATEGORIES,
  RETRY_CLASSES,
  DELIVERY_OUTCOMES,
  BOUNCE_TYPES,
  TAXONOMY_VERSION,
  categoryOf,
  defaultRetryFor,
  isErrorCode,
} from './taxonomy.js';
export type { Category, ErrorCode, RetryClass, DeliveryOutcome, BounceType } from './taxonomy.js';
export { scrubMessage, scrubIdentifier, MAX_MESSAGE_CHARS } from './scrub.js';
export { catalogLines, renderCatalogMarkdown, describeSchedule, normalizedErrorJsonSchema } from './describe.js';
export type { CatalogLine } from './describe.js';
