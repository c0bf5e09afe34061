/**
 * Every provider sendlens speaks, by id: the five of the seeds in their order, then the send
 * paths added since. Adding a provider starts here; the registries (./catalogs.ts for the send
 * path, ./webhooks.ts for feedback) then name its folder's pieces. No imports, so every stage's
 * contract (the events' provider enums among them) can read it without loading a provider.
 */
export const PROVIDERS = ['relay', 'sendfleet', 'ses', 'scaisend', 'resend', 'smtp', 'sendgrid', 'mailgun', 'postmark'] as const;
export type ProviderId = (typeof PROVIDERS)[number];
