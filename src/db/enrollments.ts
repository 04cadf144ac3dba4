// Enrollments an order grants and revokes: idempotent writes keyed by (user, package), and what was revoked.
import { grantedBy } from './catalog.js';
import type { Db } from './client.js';

/** A package the user already has is skipped; one whose access was revoked is granted again, for this order. */
export async function grantPackages(tx: Db, userId: string, orderId: string, packageIds: string[]): Promise<void> {
  await tx`
    INSERT INTO enrollments (user_id, package_id, order_id)
    SELECT ${userId}, unnest(${packageIds}::uuid[]), ${orderId}
    ON CONFLICT (user_id, package_id) DO UPDATE
      SET status = 'active', order_id = EXCLUDED.order_id, granted_at = now(), revoked_at = NULL
      WHERE enrollments.status = 'revoked'`;
}

/** The packages this order's enrollments of this user give access to now. */
export async function activeByOrder(db: Db, userId: string, orderId: string): Promise<string[]> {
  const rows = await db<{ package_id: string }[]>`
    SELECT package_id FROM enrollments WHERE user_id = ${userId} AND order_id = ${orderId} AND status = 'active'`;
  return rows.map((r) => r.package_id);
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
