// Grants the access an order paid for: each package, or a bundle's children, never the bundle itself.
import type { ActivityDeps } from './deps.js';

export function enrollmentActivities({ sql }: ActivityDeps) {
  return {
    /** Idempotent through UNIQUE (user_id, package_id); packages the user already had are reported as skipped. */
    async grantEnrollments(input: { orderId: string; userId: string }): Promise<{ granted: string[]; skipped: string[] }> {
      return sql.begin(async (tx) => {
        const targets = await tx<{ package_id: string }[]>`
          SELECT DISTINCT coalesce(b.child_id, i.package_id) AS package_id
          FROM order_items i
          JOIN packages p ON p.id = i.package_id
          LEFT JOIN bundle_items b ON p.is_bundle AND b.bundle_id = p.id
          WHERE i.order_id = ${input.orderId}`;
        const ids = targets.map((t) => t.package_id);
        await tx`
          INSERT INTO enrollments (user_id, package_id, order_id)
          SELECT ${input.userId}, unnest(${ids}::uuid[]), ${input.orderId}
          ON CONFLICT (user_id, package_id) DO NOTHING`;
        const mine = await tx<{ package_id: string }[]>`
          SELECT package_id FROM enrollments WHERE user_id = ${input.userId} AND order_id = ${input.orderId} AND status = 'active'`;
        const granted = new Set(mine.map((m) => m.package_id));
        return { granted: ids.filter((id) => granted.has(id)), skipped: ids.filter((id) => !granted.has(id)) };
      });
    },
  };
}
