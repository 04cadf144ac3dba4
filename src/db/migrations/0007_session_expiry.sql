-- The payment session's expiry, fixed when checkout first tries to open it: every retry and every later run sends the
-- same value, because a provider that binds an idempotency key to its parameters (Stripe) refuses the key with others.
ALTER TABLE orders ADD COLUMN session_expires_at timestamptz;
