-- An order says why it is held only while it is (src/db/orders.ts): earlier releases kept the reason after the hold
-- ended, so a refunded order still read "held: amount_mismatch". The timeline (order_events) keeps every reason.
UPDATE orders SET held_reason = NULL WHERE status <> 'HELD' AND held_reason IS NOT NULL;
