// Grants the access an order paid for: each package, or a bundle's children, never the bundle itself.
import { grantedBy } from '../db/catalog.js';
import { loadRefundLedger, lockOrderLedger } from '../db/orders.js';
import type { ActivityDeps } from './deps.js';

export function enrollmentActivities({ sql }: ActivityDeps) {
  return {
    /**
     * Idempotent through UNIQUE (user_id, package_id). A package the user already has is skipped; one whose access
     * was revoked (say, by a refund) is granted again, since this order paid for it.
     */
    async grantEnrollments(input: { orderId: string; userId: string }): Promise<{ granted: string[]; skipped: string[] }> {
      return sql.begin(async (tx) => {
        // Under the order's ledger lock, so a refund recorded meanwhile (provider events can overtake fulfilment) is seen.
        await lockOrderLedger(tx, input.orderId);
        const ledger = await loadRefundLedger(tx, input.orderId);
        const refundedInFull = ledger?.paid != null && ledger.refunds.reduce((a, r) => a + r.amount, 0) >= ledger.paid.amount;
        const items = await tx<{ package_id: string }[]>`SELECT package_id FROM order_items WHERE order_id = ${input.orderId}`;
        const refunded = new Set(await grantedBy(tx, ledger?.refunds.flatMap((r) => r.packageIds) ?? []));
        const ids = refundedInFull ? [] : (await grantedBy(tx, items.map((i) => i.package_id))).filter((id) => !refunded.has(id));
        await tx`
          INSERT INTO enrollments (user_id, package_id, order_id)
          SELECT ${input.userId}, unnest(${ids}::uuid[]), ${input.orderId}
          ON CONFLICT (user_id, package_id) DO UPDATE
            SET status = 'active', order_id = EXCLUDED.order_id, granted_at = now(), revoked_at = NULL
            WHERE enrollments.status = 'revoked'`;
        const mine = await tx<{ package_id: string }[]>`
          SELECT package_id FROM enrollments WHERE user_id = ${input.userId} AND order_id = ${input.orderId} AND status = 'active'`;
        const granted = new Set(mine.map((m) => m.package_id));
        return { granted: ids.filter((id) => granted.has(id)), skipped: ids.filter((id) => !granted.has(id)) };
      });
    },
  };
}
