/**
 * smtp: everything sendlens knows about one provider, SMTP as nodemailer
 * speaks it, in one folder (the shape every provider folder follows):
 *
 * - catalog.ts: the catalog as data, RFC 5321 reply codes, RFC 3463 enhanced
 *   status codes, the mailbox providers' wording, nodemailer's own codes;
 *   registered in src/normalize/catalog/index.ts like every provider's table;
 * - reply.ts: reads a reply line into its codes and the keys rows match on;
 * - nodemailer.ts: `instrumentNodemailer`, one span and one send event per
 *   `sendMail`.
 *
 * Public surface of the folder; the rest is internal.
 */
export { smtp } from './catalog.js';
export { parseReply } from './reply.js';
export type { SmtpReply } from './reply.js';
export { instrumentNodemailer, nodemailerOutcomeReader } from './nodemailer.js';
export { REJECTED_RECIPIENTS_ATTRIBUTE } from '../../instrument/index.js';
export type { NodemailerInfo, NodemailerTransporterLike } from './nodemailer.js';
