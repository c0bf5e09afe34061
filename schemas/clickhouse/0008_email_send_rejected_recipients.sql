-- Recipients the provider refused in a call it accepted: an SMTP server takes a message for some
-- recipients and refuses others (nodemailer's `info.rejected`). The attempt is `sent`; this counts
-- the refused ones. Events of earlier producers carry no such field and load as 0.
ALTER TABLE {{db}}.email_send_events {{on_cluster}} ADD COLUMN IF NOT EXISTS rejected_recipient_count UInt32 DEFAULT 0 AFTER recipient_count;
