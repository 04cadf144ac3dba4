// Grants the access an order paid for: each package, or a bundle's children, never the bundle itself.
import { grantedBy } from '../db/catalog.js';
import { activeByOrder, grantPackages } from '../db/enrollments.js';
import { orderPackageIds } from '../db/orders.js';
import { loadRefundLedger, lockOrderLedger, refundTotals } from '../db/refunds.js';
import type { ActivityDeps } from './deps.js';

export function enrollmentActivities({ sql }: ActivityDeps) {
  return {
    /**
     * Idempotent through UNIQUE (user_id, package_id). A package the user already has is skipped; one whose access
     * was revoked (say, by a refund) is granted again, since this order paid for it.
     */
    async grantEnrollments(input: { orderId: string; userId: string }): Promise<{ granted: string[]; skipped: string[]; refundedInFull: boolean }> {
      return sql.begin(async (tx) => {
        // Under the order's ledger lock, so a refund recorded meanwhile (provider events can overtake fulfilment) is seen.
        await lockOrderLedger(tx, input.orderId);
        const totals = await refundTotals(tx, input.orderId);
        // A free order (100% coupon) paid 0: nothing refunded is not "refunded in full".
        const refundedInFull = totals?.paid != null && totals.refunded > 0 && totals.refunded >= totals.paid;
        const ledger = await loadRefundLedger(tx, input.orderId);
        const refunded = new Set(await grantedBy(tx, ledger?.refunds.flatMap((r) => r.packageIds) ?? []));
        const ids = refundedInFull ? [] : (await grantedBy(tx, await orderPackageIds(tx, input.orderId))).filter((id) => !refunded.has(id));
        await grantPackages(tx, input.userId, input.orderId, ids);
        const granted = new Set(await activeByOrder(tx, input.userId, input.orderId));
        // The workflow decides from this answer, not from a refund's later signal, whether a welcome still makes sense.
        return { granted: ids.filter((id) => granted.has(id)), skipped: ids.filter((id) => !granted.has(id)), refundedInFull };
      });
    },
  };
}
