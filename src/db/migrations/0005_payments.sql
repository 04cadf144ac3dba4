-- Payments that take time, refunds that follow the provider's answer, disputes won back, and money an operator records.

-- pending_manual: a bank-transfer refund an operator executes and confirms; failed: refused at the provider (the order
-- is held for an operator, who can retry it); reversed: a dispute the shop won, whose money came back.
ALTER TABLE refunds DROP CONSTRAINT refunds_status_check;
ALTER TABLE refunds ADD CONSTRAINT refunds_status_check CHECK (status IN ('pending', 'pending_manual', 'succeeded', 'failed', 'reversed'));
-- Each retry after a failure is a new request at the provider: refund:<orderId>:<seq>, then refund:<orderId>:<seq>:<attempt>.
ALTER TABLE refunds ADD COLUMN attempt integer NOT NULL DEFAULT 1;
ALTER TABLE refunds ADD COLUMN last_error text;
-- The workflow that waits for this refund's outcome: provider notifications and operator confirmations are signalled to it.
ALTER TABLE refunds ADD COLUMN workflow_id text;

-- Money an operator saw arrive (a bank transfer), recorded once per Idempotency-Key.
CREATE TABLE manual_payments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  idempotency_key text NOT NULL,
  amount integer NOT NULL CHECK (amount > 0),
  currency char(3) NOT NULL,
  reference text NOT NULL,
  request_fingerprint text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (order_id, idempotency_key)
);
