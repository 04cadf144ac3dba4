// Refund activities: reserve a refund against what was paid, revoke its access, move the money, settle the order status.
import { grantedBy } from '../db/catalog.js';
import { revokedTitles, revokePackages } from '../db/enrollments.js';
import { appendOrderEvent, orderPackageIds, requireOrder, transitionOrder } from '../db/orders.js';
import { failedRefunds, getRefund, insertRefund, loadRefundLedger, lockOrderLedger, nextRefundSeq, recordRefundAnswer, refundByKey, refundTotals, toRefundRecord, type RefundRecord, type RefundRow } from '../db/refunds.js';
import { DomainError } from '../domain/errors.js';
import type { OrderStatus, RefundReason } from '../domain/orders.js';
import { planRefund, RECORDED_ONLY, statusAfterRefunds, type RefundRequest } from '../domain/refunds.js';
import { ProviderRefusal } from '../payments/provider.js';
import { countTransition, providerFor, type ActivityDeps } from './deps.js';

export type { RefundRecord } from '../db/refunds.js';

export interface ReserveRefundInput extends RefundRequest {
  orderId: string;
  /** Idempotency: the same key always names the same refund. */
  key: string;
  reason: RefundReason;
  note?: string;
  /** Operator requests: a hash of the request, so a reused Idempotency-Key with another request is refused. */
  fingerprint?: string;
  /** The workflow that will move this refund's money and hear of its outcome. */
  workflowId?: string;
}

export function refundActivities({ sql, payments, metrics }: ActivityDeps) {
  /** Counts a refund's answer once: when this call recorded it, not when a retry found it recorded. */
  function answered(record: RefundRecord): RefundRecord {
    metrics.refunds.inc({ source: record.source, status: record.status });
    return record;
  }

  async function requireRefund(refundId: string): Promise<RefundRow> {
    const row = await getRefund(sql, refundId);
    if (!row) throw new Error(`refund ${refundId} does not exist`);
    return row;
  }

  return {
    /**
     * Records a refund under the order's ledger lock, so concurrent requests can never refund more than was paid.
     * Idempotent on (orderId, key). `null` when a provider refund is already recorded in full.
     */
    async reserveRefund(input: ReserveRefundInput): Promise<RefundRecord | null> {
      return sql.begin(async (tx) => {
        await lockOrderLedger(tx, input.orderId);
        const ledger = await loadRefundLedger(tx, input.orderId);
        if (!ledger) throw new DomainError('order_not_found', `Order ${input.orderId} does not exist.`, 'not_found');
        const existing = await refundByKey(tx, input.orderId, input.key);
        if (existing && existing.request_fingerprint !== (input.fingerprint ?? null)) {
          throw new DomainError('idempotency_key_reused', 'This Idempotency-Key was already used for a different refund request.', 'unprocessable');
        }
        if (existing) return toRefundRecord(existing);
        // Provider money can move before its payment reached us (events out of order): wait for the payment, retrying.
        if (RECORDED_ONLY.includes(input.source) && !ledger.paid) throw new Error(`order ${input.orderId} has no recorded payment yet; retrying`);
        const plan = planRefund(ledger, input);
        if (!plan) return null;
        const row = await insertRefund(tx, { ...input, seq: await nextRefundSeq(tx, input.orderId), amount: plan.amount, packageIds: plan.packageIds });
        await appendOrderEvent(tx, input.orderId, `refund_requested:${input.source}`, {
          refundId: row.id,
          seq: row.seq,
          amount: plan.amount,
          packageIds: plan.packageIds,
          reason: input.reason,
          ...(input.note ? { note: input.note } : {}),
        });
        return toRefundRecord(row);
      });
    },

    /**
     * Revokes what this order granted for the refunded items (a bundle: its children); idempotent. Under the ledger
     * lock, so a dispute won (which restores under it) is either after this or makes it revoke nothing.
     */
    async revokeEnrollments(input: { orderId: string; refundId?: string }): Promise<{ revoked: string[] }> {
      return sql.begin(async (tx) => {
        await lockOrderLedger(tx, input.orderId);
        const refund = input.refundId ? await getRefund(tx, input.refundId) : undefined;
        if (input.refundId && !refund) throw new Error(`refund ${input.refundId} does not exist`);
        if (refund?.status === 'reversed') return { revoked: [] };
        const packageIds = refund ? refund.package_ids : await orderPackageIds(tx, input.orderId);
        await revokePackages(tx, input.orderId, await grantedBy(tx, packageIds));
        return { revoked: await revokedTitles(tx, input.orderId, packageIds) };
      });
    },

    /**
     * Asks the provider to give the money back under `refund:<orderId>:<seq>` (`:<attempt>` after a retry) and records
     * its answer: succeeded; pending (its notice follows); pending_manual (an operator sends it, bank transfer); or
     * failed, when the provider refuses for good. Money the provider already moved is only recorded.
     */
    async refundAtProvider(input: { refundId: string }): Promise<RefundRecord> {
      const row = await requireRefund(input.refundId);
      // Answered already (a retry after a lost answer, or a notice that came first): the answer stands.
      if (row.status !== 'pending' || row.provider_refund_id) return toRefundRecord(row);
      if (RECORDED_ONLY.includes(row.source)) return answered(toRefundRecord(await recordRefundAnswer(sql, row.id, { status: 'succeeded' })));
      const order = await requireOrder(sql, row.order_id);
      if (!order.sessionId) throw new DomainError('order_not_refundable', `Order ${order.orderId} has no payment session to refund.`, 'conflict');
      try {
        const result = await providerFor(payments, order.provider).refund({
          orderId: order.orderId,
          sessionId: order.sessionId,
          paymentId: order.paymentId ?? undefined,
          amount: { amount: row.amount, currency: row.currency.trim() },
          idempotencyKey: row.attempt > 1 ? `refund:${order.orderId}:${row.seq}:${row.attempt}` : `refund:${order.orderId}:${row.seq}`,
        });
        const status = result.status === 'manual' ? 'pending_manual' : result.status;
        if (status !== 'succeeded') await appendOrderEvent(sql, order.orderId, `refund_${status}`, { refundId: row.id, seq: row.seq, ...(result.reason ? { reason: result.reason } : {}) });
        return answered(toRefundRecord(await recordRefundAnswer(sql, row.id, { status, providerRefundId: result.refundId, error: result.reason })));
      } catch (err) {
        if (!(err instanceof ProviderRefusal)) throw err;
        await appendOrderEvent(sql, order.orderId, 'refund_failed', { refundId: row.id, seq: row.seq, reason: err.message });
        return answered(toRefundRecord(await recordRefundAnswer(sql, row.id, { status: 'failed', error: err.message })));
      }
    },

    /**
     * REFUNDED once succeeded refunds cover the payment, PARTIALLY_REFUNDED before that (a held order may stay HELD);
     * recorded with the refund that caused it. Refunds still pending elsewhere do not count yet: if one fails, the
     * order must still show it.
     */
    async settleRefund(input: { refundId: string }): Promise<{ status: OrderStatus }> {
      const row = await requireRefund(input.refundId);
      const totals = (await refundTotals(sql, row.order_id))!;
      const to = statusAfterRefunds(totals.paid!, totals.settled);
      const details = { refundId: row.id, seq: row.seq, amount: { amount: row.amount, currency: row.currency.trim() }, refunded: totals.settled };
      // A held order stays held through a partial refund while what it is held for is still open: the rest of a
      // mismatched payment is the operator's to decide, and another refund of it may still be refused.
      const order = await requireOrder(sql, row.order_id);
      if (to === 'PARTIALLY_REFUNDED' && order.status === 'HELD' && (order.heldReason !== 'refund_failed' || (await failedRefunds(sql, row.order_id)) > 0)) {
        await appendOrderEvent(sql, row.order_id, `refund:${row.source}`, details, `settled:${row.id}`);
        return { status: 'HELD' };
      }
      // The order's status afterwards, which may say more (REFUNDED already, when refunds settled out of order).
      const moved = await transitionOrder(sql, row.order_id, {
        to,
        cause: `refund:${row.source}`,
        details,
      });
      countTransition(metrics, moved);
      return { status: moved.status };
    },
  };
}
