-- Refunds (operator, provider, dispute, compensation, late payment), email failures, disabled accounts, sandbox payment ids.

-- One row per refund of an order. `key` makes each request idempotent (an operator's Idempotency-Key, a provider
-- refund or dispute id, 'compensation'); `seq` numbers them per order and names the provider call `refund:<orderId>:<seq>`.
CREATE TABLE refunds (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  seq integer NOT NULL,
  key text NOT NULL,
  source text NOT NULL CHECK (source IN ('operator', 'provider', 'dispute', 'compensation', 'late_payment', 'held_payment')),
  reason text NOT NULL,
  note text,
  amount integer NOT NULL CHECK (amount > 0),
  currency char(3) NOT NULL,
  -- Order items this refund covers; their access is revoked. Empty for an amount-only partial refund.
  package_ids uuid[] NOT NULL DEFAULT '{}',
  -- An operator's request, hashed: the same Idempotency-Key with a different request is refused.
  request_fingerprint text,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded')),
  provider_refund_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  UNIQUE (order_id, seq),
  UNIQUE (order_id, key)
);

-- Refund emails are one per refund, so the ledger is keyed by (order, kind, ref); ref is '' for the others.
ALTER TABLE sent_emails ADD COLUMN ref text NOT NULL DEFAULT '';
ALTER TABLE sent_emails DROP CONSTRAINT sent_emails_order_id_kind_key;
ALTER TABLE sent_emails ADD CONSTRAINT sent_emails_order_kind_ref UNIQUE (order_id, kind, ref);
ALTER TABLE sent_emails DROP CONSTRAINT sent_emails_status_check;
ALTER TABLE sent_emails ADD CONSTRAINT sent_emails_status_check CHECK (status IN ('sending', 'sent', 'failed'));
ALTER TABLE sent_emails ADD COLUMN last_error text;

-- An account an operator disabled receives nothing more; fulfilment to it fails and is compensated.
ALTER TABLE users ADD COLUMN disabled_at timestamptz;

-- What the sandbox "provider" knows about a payment, so reconciliation can ask it like it asks Stripe.
ALTER TABLE sandbox_sessions ADD COLUMN payment_id text;
