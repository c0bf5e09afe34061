/**
 * feedback: what providers report after the send (bounces, complaints,
 * deliveries, delays, rejections, suppressions), verified and normalized into
 * delivery events. Public surface of the stage; the webhook receiver builds
 * its endpoints from these pieces.
 *
 * - verify*: signature checks for SNS (SES), Svix (Resend), SendGrid-style
 *   (ScaiSend) and our generic scheme; each returns a Verdict, never throws.
 * - from*: pure normalizers, body → DeliveryEvent[]; a body of the wrong
 *   shape is a FeedbackError (status 400).
 * - the mapping tables, for docs and for anyone checking a row.
 */
export {
  verifySnsMessage,
  verifySvix,
  verifySendgrid,
  verifyGeneric,
  signGeneric,
  signSvix,
  confirmSnsSubscription,
  readSnsMessage,
  snsStringToSign,
  snsUrlProblem,
  fetchCertificateOverHttps,
  DEFAULT_TOLERANCE_SEC,
  SNS_TOLERANCE_SEC,
  SNS_FUTURE_SKEW_SEC,
  SNS_HOST,
  GENERIC_SIGNATURE_HEADER,
  SENDGRID_SIGNATURE_HEADER,
  SENDGRID_TIMESTAMP_HEADER,
  MIN_GENERIC_SECRET_BYTES,
  CERTIFICATE_FETCH_TIMEOUT_MS,
  CERTIFICATE_MAX_BYTES,
} from './verify.js';
export type { Verdict, HeaderBag, TimestampOptions, SnsMessage, SnsMessageType, SnsVerifyOptions, SnsConfirmOptions, CertificateCache } from './verify.js';
export { fromGenericEvents, GenericFeedbackEventSchema, MESSAGE_ID_TAG, WORKSPACE_TAG, MESSAGE_ID_HEADER, WORKSPACE_HEADER } from './normalize.js';
export type { GenericFeedbackEvent } from './normalize.js';
export { GENERIC_TYPES, ANY, matches, typeRow, delivered, complained, deferred, bounced, rejected, suppressed } from './mappings.js';
export type { FeedbackMapping, EventTypeRow, Pattern, ReasonRow } from './mappings.js';
export { Collector, FeedbackError, MAX_EVENTS_PER_PAYLOAD, firstMatch, isoTime, unixSecondsTime, record, recipients, requireText, text } from './kit.js';
export type { Draft, FeedbackContext, Json, Recipient, SendgridContext } from './kit.js';
