-- Retries that must not repeat themselves: a timeline entry recorded once per key, an operator's resend sent once per request.

-- The caller's idempotency key (an activity's workflow run and activity id): a retried append finds its row and adds none.
-- Entries without a key (status transitions, older rows) stay unconstrained.
ALTER TABLE order_events ADD COLUMN idempotency_key text;
CREATE UNIQUE INDEX order_events_idempotency_key ON order_events (order_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

-- The operator resend (its workflow id) this email was last sent for: a retried resend finds it sent and sends nothing.
ALTER TABLE sent_emails ADD COLUMN resend_key text;
