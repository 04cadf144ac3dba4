// Enrollments an order grants and revokes: idempotent writes keyed by (user, package), and what was revoked.
import { grantedBy } from './catalog.js';
import type { Db, Sql } from './client.js';
import { lockOrderLedger } from './refunds.js';

export interface OrderGrant {
  /** Packages this order gives the user access to now (granted by this call or by an earlier try of it). */
  granted: string[];
  /** Packages the user already had through another order. */
  skipped: string[];
  refundedInFull: boolean;
}

/**
 * Grants what an order paid for, in two statements: the order's ledger lock, then one that decides and writes. A
 * package is granted, or a bundle's children (never the bundle); nothing when refunds cover what was paid (a free order
 * paid 0 is not "refunded in full"); not what a refund already took back. UNIQUE (user_id, package_id) makes it
 * idempotent and keeps a package enrolled once whoever grants it at the same moment: one the user already has is
 * skipped; one whose access was revoked (say, by a refund) is granted again, for this order.
 */
export async function grantOrder(sql: Sql, orderId: string, userId: string): Promise<OrderGrant> {
  // Sent together. The second statement's snapshot is taken once the lock is held, so a refund recorded meanwhile
  // (provider events can overtake fulfilment) is seen, and a refund recorded after it revokes what it granted.
  const [, [row]] = await sql.begin((tx) => [lockOrderLedger(tx, orderId), grantStatement(tx, orderId, userId)] as const);
  return { granted: row!.granted, skipped: row!.skipped, refundedInFull: row!.refunded_in_full };
}

function grantStatement(tx: Db, orderId: string, userId: string) {
  return tx<{ granted: string[]; skipped: string[]; refunded_in_full: boolean }[]>`
    WITH totals AS (
      SELECT o.paid_amount AS paid, coalesce(sum(r.amount), 0) AS refunded
      FROM orders o LEFT JOIN refunds r ON r.order_id = o.id AND r.status <> 'reversed'
      WHERE o.id = ${orderId} GROUP BY o.paid_amount
    ), in_full AS (
      SELECT coalesce(bool_or(paid IS NOT NULL AND refunded > 0 AND refunded >= paid), false) AS yes FROM totals
    ), named AS (
      SELECT package_id, 'paid' AS why FROM order_items WHERE order_id = ${orderId}
      UNION ALL
      SELECT unnest(package_ids), 'refunded' FROM refunds WHERE order_id = ${orderId} AND status <> 'reversed'
    ), reached AS (
      SELECT n.why, coalesce(b.child_id, p.id) AS package_id
      FROM named n JOIN packages p ON p.id = n.package_id LEFT JOIN bundle_items b ON p.is_bundle AND b.bundle_id = p.id
      WHERE NOT p.is_bundle OR b.child_id IS NOT NULL
    ), wanted AS (
      SELECT package_id FROM reached WHERE why = 'paid' AND NOT (SELECT yes FROM in_full)
      EXCEPT SELECT package_id FROM reached WHERE why = 'refunded'
    ), written AS (
      INSERT INTO enrollments (user_id, package_id, order_id)
      SELECT ${userId}, package_id, ${orderId} FROM wanted
      ON CONFLICT (user_id, package_id) DO UPDATE
        SET status = 'active', order_id = EXCLUDED.order_id, granted_at = now(), revoked_at = NULL
        WHERE enrollments.status = 'revoked'
      RETURNING package_id
    ), held AS (
      -- The table as this statement found it (an earlier try's rows) and what it wrote.
      SELECT package_id FROM enrollments WHERE user_id = ${userId} AND order_id = ${orderId} AND status = 'active'
      UNION SELECT package_id FROM written
    )
    SELECT (SELECT yes FROM in_full) AS refunded_in_full,
      coalesce(array_agg(w.package_id ORDER BY w.package_id) FILTER (WHERE h.package_id IS NOT NULL), '{}') AS granted,
      coalesce(array_agg(w.package_id ORDER BY w.package_id) FILTER (WHERE h.package_id IS NULL), '{}') AS skipped
    FROM wanted w LEFT JOIN held h USING (package_id)`;
}

export async function revokePackages(db: Db, orderId: string, packageIds: string[]): Promise<void> {
  await db`
    UPDATE enrollments SET status = 'revoked', revoked_at = now()
    WHERE order_id = ${orderId} AND package_id = ANY(${packageIds}::uuid[]) AND status = 'active'`;
}

/** Titles of what this order granted for these items (a bundle: its children) that is now revoked. */
export async function revokedTitles(db: Db, orderId: string, packageIds: string[]): Promise<string[]> {
  const rows = await db<{ title: string }[]>`
    SELECT p.title FROM enrollments e JOIN packages p ON p.id = e.package_id
    WHERE e.order_id = ${orderId} AND e.package_id = ANY(${await grantedBy(db, packageIds)}::uuid[]) AND e.status = 'revoked' ORDER BY p.title`;
  return rows.map((r) => r.title);
}

/** Gives back access this order's refund or dispute took away (a dispute the shop won). */
export async function restorePackages(db: Db, orderId: string, packageIds: string[]): Promise<void> {
  await db`
    UPDATE enrollments SET status = 'active', revoked_at = NULL
    WHERE order_id = ${orderId} AND package_id = ANY(${packageIds}::uuid[]) AND status = 'revoked'`;
}
