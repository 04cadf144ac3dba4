-- Webhook relay: the request records an event with what its workflow must be handed, in the same row and statement;
-- a relay (src/api/webhookRelay.ts) delivers it and stamps the outcome. The row is the outbox.
ALTER TABLE webhook_events RENAME COLUMN signalled_at TO delivered_at;
ALTER TABLE webhook_events
  -- What to hand over: the verified event and the order it matched (ids and amounts, no personal data).
  ADD COLUMN delivery jsonb,
  -- The Temporal task queue of the API that recorded it: relays serving that queue deliver it.
  ADD COLUMN task_queue text,
  -- Set while the event is still to be delivered: when a relay may try (again). NULL once done.
  ADD COLUMN next_attempt_at timestamptz,
  ADD COLUMN attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN last_error text;
CREATE INDEX webhook_events_undelivered ON webhook_events (task_queue, next_attempt_at) WHERE next_attempt_at IS NOT NULL;

-- Wakes the relays when an event becomes due; sent at commit, so a relay never sees a row before it exists.
-- A retry pushed into the future notifies nobody: the relays' sweep finds it when it is due.
CREATE FUNCTION webhook_events_notify_relay() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('webhook_relay', NEW.task_queue);
  RETURN NULL;
END
$$;
CREATE TRIGGER webhook_events_relay AFTER INSERT OR UPDATE OF next_attempt_at ON webhook_events
  FOR EACH ROW WHEN (NEW.next_attempt_at IS NOT NULL AND NEW.next_attempt_at <= now())
  EXECUTE FUNCTION webhook_events_notify_relay();
