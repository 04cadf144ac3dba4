-- Retention and erasure: when a raw webhook body or an email's recipient was redacted (src/db/erasure.ts).
ALTER TABLE webhook_events ADD COLUMN redacted_at timestamptz;
ALTER TABLE sent_emails ADD COLUMN redacted_at timestamptz;
-- The retention job looks only at rows not yet redacted, oldest first.
CREATE INDEX webhook_events_unredacted ON webhook_events (received_at) WHERE redacted_at IS NULL;
CREATE INDEX sent_emails_unredacted ON sent_emails (created_at) WHERE redacted_at IS NULL;
