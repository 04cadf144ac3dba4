-- Coupons, their redemptions (one per order: reserved at checkout, consumed when paid, released when the order closes
-- unpaid), and the discount each order line carries, so a refund of a line gives back what was paid for it.

CREATE TABLE coupons (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('percent', 'fixed')),
  percent integer CHECK (percent BETWEEN 1 AND 100),
  amount integer CHECK (amount > 0),
  -- The currency of every money field (fixed amount, cap, minimum); NULL for a percent coupon with none of them.
  currency char(3),
  max_discount integer CHECK (max_discount > 0),
  max_uses integer CHECK (max_uses > 0),
  max_uses_per_customer integer CHECK (max_uses_per_customer > 0),
  valid_from timestamptz,
  valid_until timestamptz,
  min_purchase integer CHECK (min_purchase > 0),
  package_ids uuid[] NOT NULL DEFAULT '{}',
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'percent' AND percent IS NOT NULL AND amount IS NULL) OR (kind = 'fixed' AND amount IS NOT NULL AND percent IS NULL)),
  CHECK (valid_until IS NULL OR valid_from IS NULL OR valid_until > valid_from)
);
-- Codes are case-insensitive: SUMMER10 and summer10 are one coupon.
CREATE UNIQUE INDEX coupons_code ON coupons (lower(code));

CREATE TABLE coupon_redemptions (
  coupon_id uuid NOT NULL REFERENCES coupons (id),
  order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  email text NOT NULL CHECK (email = lower(email)),
  status text NOT NULL CHECK (status IN ('reserved', 'consumed', 'released')),
  discount_amount integer NOT NULL CHECK (discount_amount >= 0),
  currency char(3) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id)
);
CREATE INDEX coupon_redemptions_coupon ON coupon_redemptions (coupon_id, status);
CREATE INDEX coupon_redemptions_email ON coupon_redemptions (coupon_id, email) WHERE status <> 'released';

-- What the coupon took off each line; the line's paid amount is unit_amount - discount_amount.
ALTER TABLE order_items ADD COLUMN discount_amount integer NOT NULL DEFAULT 0 CHECK (discount_amount >= 0);
ALTER TABLE order_items ADD CONSTRAINT order_items_discount_le_price CHECK (discount_amount <= unit_amount);
