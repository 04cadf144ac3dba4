// After a refund was asked for: record the provider's (or an operator's) outcome, retry a failed one, reverse a dispute won.
import { grantedBy } from '../db/catalog.js';
import { restorePackages } from '../db/enrollments.js';
import { appendOrderEvent, reinstateOrder } from '../db/orders.js';
import { retryFailedRefund, reverseDisputeRefund } from '../db/refundOutcomes.js';
import { getRefund, lockOrderLedger, recordRefundAnswer, refundTotals, toRefundRecord, type RefundRecord } from '../db/refunds.js';
import type { Money } from '../domain/money.js';
import type { OrderStatus } from '../domain/orders.js';
import type { ActivityDeps } from './deps.js';

export function refundOutcomeActivities({ sql, metrics }: ActivityDeps) {
  return {
    /**
     * A notice from the provider, or an operator's confirmation (a transfer they sent, or a refused refund they settled
     * outside the provider): the refund follows it. A notice about an earlier attempt than the current one changes nothing.
     */
    async recordRefundOutcome(input: { refundId: string; status: 'succeeded' | 'failed'; reason?: string; attempt?: number }): Promise<RefundRecord> {
      const before = await getRefund(sql, input.refundId);
      if (!before) throw new Error(`refund ${input.refundId} does not exist`);
      if (input.attempt !== undefined && input.attempt !== before.attempt) return toRefundRecord(before);
      const row = await recordRefundAnswer(sql, input.refundId, { status: input.status, error: input.reason ?? null });
      await appendOrderEvent(sql, row.order_id, `refund_${row.status}`, { refundId: row.id, seq: row.seq, ...(input.reason ? { reason: input.reason } : {}) });
      const record = toRefundRecord(row);
      metrics.refunds.inc({ source: record.source, status: record.status });
      return record;
    },

    /** An operator asked to try a failed refund again: a new attempt under a new idempotency key. */
    async retryRefund(input: { refundId: string }): Promise<RefundRecord> {
      const row = await retryFailedRefund(sql, input.refundId);
      await appendOrderEvent(sql, row.order_id, 'refund_retried', { refundId: row.id, seq: row.seq, attempt: row.attempt });
      return toRefundRecord(row);
    },

    /**
     * A dispute closed in the shop's favour: its refund is reversed, the access it revoked is restored, and the order
     * is what it would be without that dispute. Throws (and is retried) until the dispute itself is recorded.
     */
    async reverseDispute(input: { orderId: string; disputeKey: string; amount: Money }): Promise<{ status: OrderStatus; restored: string[] } | null> {
      return sql.begin(async (tx) => {
        await lockOrderLedger(tx, input.orderId);
        const dispute = await reverseDisputeRefund(tx, input.orderId, input.disputeKey, input.amount);
        if (!dispute) throw new Error(`dispute ${input.disputeKey} of order ${input.orderId} is not recorded yet; retrying`);
        const restored = await grantedBy(tx, dispute.package_ids);
        await restorePackages(tx, input.orderId, restored);
        const totals = (await refundTotals(tx, input.orderId))!;
        // What the buyer has back now; refunds still on their way settle the status themselves when they land.
        const status: OrderStatus = totals.settled === 0 ? 'FULFILLED' : 'PARTIALLY_REFUNDED';
        await reinstateOrder(tx, input.orderId, status, 'dispute_won', { refundId: dispute.id, amount: input.amount, restored });
        return { status, restored };
      });
    },

  };
}
