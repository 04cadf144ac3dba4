-- Catalog, orders with their event log, users and access, webhook and email ledgers.

CREATE TABLE packages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug text NOT NULL UNIQUE,
  title text NOT NULL,
  description text NOT NULL DEFAULT '',
  category text NOT NULL,
  price_amount integer NOT NULL CHECK (price_amount >= 0),
  original_price_amount integer CHECK (original_price_amount >= 0),
  currency char(3) NOT NULL,
  featured boolean NOT NULL DEFAULT false,
  is_bundle boolean NOT NULL DEFAULT false,
  published boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE bundle_items (
  bundle_id uuid NOT NULL REFERENCES packages (id) ON DELETE CASCADE,
  child_id uuid NOT NULL REFERENCES packages (id),
  position integer NOT NULL DEFAULT 0,
  PRIMARY KEY (bundle_id, child_id),
  CHECK (bundle_id <> child_id)
);

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL UNIQUE CHECK (email = lower(email)),
  name text NOT NULL DEFAULT '',
  password_hash text,
  role text NOT NULL DEFAULT 'customer',
  created_by_order_id uuid,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE password_setup_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_setup_tokens_user ON password_setup_tokens (user_id);

CREATE TABLE orders (
  id uuid PRIMARY KEY,
  order_number text NOT NULL UNIQUE,
  status text NOT NULL,
  email text NOT NULL CHECK (email = lower(email)),
  customer_name text NOT NULL,
  locale text NOT NULL,
  provider text NOT NULL,
  total_amount integer NOT NULL CHECK (total_amount >= 0),
  currency char(3) NOT NULL,
  provider_session_id text,
  payment_url text,
  provider_payment_id text,
  paid_amount integer,
  paid_currency char(3),
  user_id uuid REFERENCES users (id),
  held_reason text,
  request_fingerprint text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  paid_at timestamptz
);
CREATE INDEX orders_email ON orders (email);
CREATE INDEX orders_status_created ON orders (status, created_at);
CREATE UNIQUE INDEX orders_provider_session ON orders (provider, provider_session_id);

CREATE TABLE order_items (
  order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  package_id uuid NOT NULL REFERENCES packages (id),
  title text NOT NULL,
  unit_amount integer NOT NULL,
  currency char(3) NOT NULL,
  PRIMARY KEY (order_id, package_id)
);

CREATE TABLE order_events (
  id bigserial PRIMARY KEY,
  order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  from_status text,
  to_status text NOT NULL,
  cause text NOT NULL,
  details jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_events_order ON order_events (order_id, id);

CREATE TABLE enrollments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  package_id uuid NOT NULL REFERENCES packages (id),
  order_id uuid REFERENCES orders (id),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  granted_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  UNIQUE (user_id, package_id)
);

CREATE TABLE webhook_events (
  id bigserial PRIMARY KEY,
  provider text NOT NULL,
  event_id text NOT NULL,
  event_type text NOT NULL,
  order_id uuid,
  raw_body text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  signalled_at timestamptz,
  outcome text,
  UNIQUE (provider, event_id)
);

CREATE TABLE sent_emails (
  id bigserial PRIMARY KEY,
  order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  kind text NOT NULL,
  recipient text NOT NULL,
  status text NOT NULL DEFAULT 'sending' CHECK (status IN ('sending', 'sent')),
  message_id text,
  attempts integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  UNIQUE (order_id, kind)
);

-- The sandbox provider's own sessions: what its hosted page shows and signs.
CREATE TABLE sandbox_sessions (
  id text PRIMARY KEY,
  order_id uuid NOT NULL UNIQUE,
  order_number text NOT NULL,
  amount integer NOT NULL,
  currency char(3) NOT NULL,
  description text NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid', 'declined', 'expired')),
  success_url text NOT NULL,
  cancel_url text NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sandbox_refunds (
  id text PRIMARY KEY,
  session_id text NOT NULL REFERENCES sandbox_sessions (id),
  idempotency_key text NOT NULL UNIQUE,
  amount integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
