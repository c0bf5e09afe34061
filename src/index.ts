/**
 * sendlens as a library: instrument send paths and ship their events and
 * spans. Each stage's own surface is re-exported here; their insides are not.
 */
export * from './normalize/index.js';
export * from './events/index.js';
export * from './instrument/index.js';
export { instrumentSesClient, operationForCommand, SES_MIDDLEWARE_NAME } from './providers/ses/index.js';
export type { SesClientLike } from './providers/ses/index.js';
export { instrumentResend, judgeResend } from './providers/resend/index.js';
export type { ResendLike, ResendResult } from './providers/resend/index.js';
export { instrumentNodemailer } from './providers/smtp/index.js';
export type { NodemailerInfo, NodemailerTransporterLike } from './providers/smtp/index.js';
export * from './transport/index.js';
export * from './telemetry/index.js';
export { instrumentSendgrid } from './providers/sendgrid/index.js';
export type { SendgridMailLike } from './providers/sendgrid/index.js';
export { instrumentMailgun } from './providers/mailgun/index.js';
export type { MailgunLike } from './providers/mailgun/index.js';
export { instrumentPostmark } from './providers/postmark/index.js';
export type { PostmarkLike } from './providers/postmark/index.js';
