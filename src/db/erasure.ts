// Personal data leaving the database: one customer erased on request, and old webhook bodies and email recipients redacted.
import { SETTLED_STATUSES, type OrderStatus } from '../domain/orders.js';
import type { Sql } from './client.js';

/** What replaces an erased customer's email and name: no address, and nothing that links back to one. */
export const ERASED_NAME = 'erased';
export const REDACTED = 'redacted';

export interface Erasure {
  /** The orders kept in the ledger (amounts, items, refunds, events), now under the tombstone. */
  orderIds: string[];
  userErased: boolean;
  enrollmentsRevoked: number;
  emailsRedacted: number;
  webhookEventsRedacted: number;
}

export type EraseResult = { erased: Erasure } | { notFound: true } | { openOrders: { orderNumber: string; status: OrderStatus }[] };

/**
 * Replaces one customer's email and name by `tombstone` everywhere, in one transaction; money rows stay as they were.
 * An order still in flight is refused: its workflow would go on writing and mailing the address.
 */
export async function eraseCustomer(sql: Sql, email: string, tombstone: string): Promise<EraseResult> {
  return sql.begin(async (tx) => {
    const orders = await tx<{ id: string; order_number: string; status: OrderStatus }[]>`
      SELECT id, order_number, status FROM orders WHERE email = ${email} ORDER BY created_at FOR UPDATE`;
    const [user] = await tx<{ id: string }[]>`SELECT id FROM users WHERE email = ${email} FOR UPDATE`;
    if (orders.length === 0 && !user) return { notFound: true as const };
    const open = orders.filter((o) => !SETTLED_STATUSES.includes(o.status));
    if (open.length > 0) return { openOrders: open.map((o) => ({ orderNumber: o.order_number, status: o.status })) };

    const orderIds = orders.map((o) => o.id);
    await tx`UPDATE orders SET email = ${tombstone}, customer_name = ${ERASED_NAME}, updated_at = now() WHERE id = ANY(${orderIds}::uuid[])`;
    // Notes are operators' free text about the customer; amounts, statuses and keys stay for the books.
    await tx`UPDATE refunds SET note = NULL WHERE order_id = ANY(${orderIds}::uuid[]) AND note IS NOT NULL`;
    const emails = await tx`
      UPDATE sent_emails SET recipient = ${tombstone}, last_error = NULL, redacted_at = now()
      WHERE order_id = ANY(${orderIds}::uuid[]) OR recipient = ${email} RETURNING id`;
    const events = await tx`
      UPDATE webhook_events SET raw_body = ${REDACTED}, redacted_at = now()
      WHERE order_id = ANY(${orderIds}::uuid[]) AND redacted_at IS NULL RETURNING id`;
    let enrollmentsRevoked = 0;
    if (user) {
      // Access ends with the account: nobody can log in to use it, and the revocation stays on record.
      const revoked = await tx`UPDATE enrollments SET status = 'revoked', revoked_at = now() WHERE user_id = ${user.id} AND status = 'active' RETURNING id`;
      enrollmentsRevoked = revoked.length;
      await tx`DELETE FROM password_setup_tokens WHERE user_id = ${user.id}`;
      await tx`UPDATE users SET email = ${tombstone}, name = ${ERASED_NAME}, password_hash = NULL, disabled_at = coalesce(disabled_at, now()) WHERE id = ${user.id}`;
    }
    // A coupon's per-customer count goes with the address: the tombstone keeps the uses counted, naming nobody.
    await tx`UPDATE coupon_redemptions SET email = ${tombstone} WHERE email = ${email}`;
    // Rate-limit counters are keyed by the address (auth/rateLimit.ts).
    await tx`DELETE FROM rate_limits WHERE key LIKE ${`%:email:${email.replace(/[\\%_]/g, (ch) => `\\${ch}`)}`}`;
    return { erased: { orderIds, userErased: Boolean(user), enrollmentsRevoked, emailsRedacted: emails.length, webhookEventsRedacted: events.length } };
  });
}

/** Redacts what outlived the retention period; returns how many rows changed. Runs again without harm. */
export async function redactExpired(sql: Sql, retentionDays: number, batch = 1000): Promise<{ webhookEvents: number; emails: number }> {
  const events = await sql`
    UPDATE webhook_events SET raw_body = ${REDACTED}, redacted_at = now()
    WHERE id IN (SELECT id FROM webhook_events WHERE redacted_at IS NULL AND received_at < now() - make_interval(days => ${retentionDays}) LIMIT ${batch})
    RETURNING id`;
  // An email still being sent keeps its recipient until it is sent or given up.
  const emails = await sql`
    UPDATE sent_emails SET recipient = ${REDACTED}, last_error = NULL, redacted_at = now()
    WHERE id IN (SELECT id FROM sent_emails WHERE redacted_at IS NULL AND status <> 'sending' AND created_at < now() - make_interval(days => ${retentionDays}) LIMIT ${batch})
    RETURNING id`;
  return { webhookEvents: events.length, emails: emails.length };
}
