// Refund activities: reserve a refund against what was paid, revoke its access, move the money, settle the order status.
import { grantedBy } from '../db/catalog.js';
import type { Db } from '../db/client.js';
import { appendOrderEvent, loadRefundLedger, lockOrderLedger, transitionOrder } from '../db/orders.js';
import { DomainError } from '../domain/errors.js';
import type { Money } from '../domain/money.js';
import type { RefundReason } from '../domain/orders.js';
import { planRefund, RECORDED_ONLY, statusAfterRefunds, type RefundRequest, type RefundSource } from '../domain/refunds.js';
import type { ActivityDeps } from './deps.js';
import { requireOrder } from './orders.js';
import { providerFor } from './payments.js';

export interface ReserveRefundInput extends RefundRequest {
  orderId: string;
  /** Idempotency: the same key always names the same refund. */
  key: string;
  reason: RefundReason;
  note?: string;
  /** Operator requests: a hash of the request, so a reused Idempotency-Key with another request is refused. */
  fingerprint?: string;
}

export interface RefundRecord {
  refundId: string;
  orderId: string;
  seq: number;
  key: string;
  source: RefundSource;
  reason: RefundReason;
  amount: Money;
  packageIds: string[];
  status: 'pending' | 'succeeded';
  providerRefundId: string | null;
  createdAt: string;
}

interface RefundRow {
  id: string;
  order_id: string;
  seq: number;
  key: string;
  source: RefundSource;
  reason: RefundReason;
  amount: number;
  currency: string;
  package_ids: string[];
  status: 'pending' | 'succeeded';
  provider_refund_id: string | null;
  created_at: Date;
}

export function toRefundRecord(r: RefundRow): RefundRecord {
  return {
    refundId: r.id,
    orderId: r.order_id,
    seq: r.seq,
    key: r.key,
    source: r.source,
    reason: r.reason,
    amount: { amount: r.amount, currency: r.currency.trim() },
    packageIds: r.package_ids,
    status: r.status,
    providerRefundId: r.provider_refund_id,
    createdAt: r.created_at.toISOString(),
  };
}

/** Titles of what this order granted for these items (a bundle: its children) that is now revoked. */
export async function revokedTitles(db: Db, orderId: string, packageIds: string[]): Promise<string[]> {
  const rows = await db<{ title: string }[]>`
    SELECT p.title FROM enrollments e JOIN packages p ON p.id = e.package_id
    WHERE e.order_id = ${orderId} AND e.package_id = ANY(${await grantedBy(db, packageIds)}::uuid[]) AND e.status = 'revoked' ORDER BY p.title`;
  return rows.map((r) => r.title);
}

export function refundActivities({ sql, payments }: ActivityDeps) {
  async function requireRefund(refundId: string): Promise<RefundRow> {
    const [row] = await sql<RefundRow[]>`SELECT * FROM refunds WHERE id = ${refundId}`;
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
        const [locked] = await tx`SELECT id FROM orders WHERE id = ${input.orderId}`;
        if (!locked) throw new DomainError('order_not_found', `Order ${input.orderId} does not exist.`, 'not_found');
        const [existing] = await tx<RefundRow[]>`SELECT * FROM refunds WHERE order_id = ${input.orderId} AND key = ${input.key}`;
        if (existing && (existing as { request_fingerprint?: string | null }).request_fingerprint !== (input.fingerprint ?? null)) {
          throw new DomainError('idempotency_key_reused', 'This Idempotency-Key was already used for a different refund request.', 'unprocessable');
        }
        if (existing) return toRefundRecord(existing);
        const ledger = (await loadRefundLedger(tx, input.orderId))!;
        // Provider money can move before its payment reached us (events out of order): wait for the payment, retrying.
        if (RECORDED_ONLY.includes(input.source) && !ledger.paid) throw new Error(`order ${input.orderId} has no recorded payment yet; retrying`);
        const plan = planRefund(ledger, input);
        if (!plan) return null;
        const [row] = await tx<RefundRow[]>`
          INSERT INTO refunds (order_id, seq, key, source, reason, note, amount, currency, package_ids, request_fingerprint)
          VALUES (${input.orderId}, ${ledger.refunds.length + 1}, ${input.key}, ${input.source}, ${input.reason}, ${input.note ?? null},
                  ${plan.amount.amount}, ${plan.amount.currency}, ${plan.packageIds}::uuid[], ${input.fingerprint ?? null})
          RETURNING *`;
        await appendOrderEvent(tx, input.orderId, `refund_requested:${input.source}`, {
          refundId: row!.id,
          seq: row!.seq,
          amount: plan.amount,
          packageIds: plan.packageIds,
          reason: input.reason,
          ...(input.note ? { note: input.note } : {}),
        });
        return toRefundRecord(row!);
      });
    },

    /** Revokes what this order granted for the refunded items (a bundle: its children); idempotent. */
    async revokeEnrollments(input: { orderId: string; refundId?: string }): Promise<{ revoked: string[] }> {
      return sql.begin(async (tx) => {
        const packageIds = input.refundId
          ? (await requireRefund(input.refundId)).package_ids
          : (await tx<{ package_id: string }[]>`SELECT package_id FROM order_items WHERE order_id = ${input.orderId}`).map((r) => r.package_id);
        const grants = await grantedBy(tx, packageIds);
        await tx`
          UPDATE enrollments SET status = 'revoked', revoked_at = now()
          WHERE order_id = ${input.orderId} AND package_id = ANY(${grants}::uuid[]) AND status = 'active'`;
        return { revoked: await revokedTitles(tx, input.orderId, packageIds) };
      });
    },

    /** Gives the money back at the provider under `refund:<orderId>:<seq>`, unless the provider already moved it. */
    async refundAtProvider(input: { refundId: string }): Promise<RefundRecord> {
      const row = await requireRefund(input.refundId);
      if (row.status === 'succeeded') return toRefundRecord(row);
      let providerRefundId: string | null = null;
      if (!RECORDED_ONLY.includes(row.source)) {
        const order = await requireOrder(sql, row.order_id);
        if (!order.sessionId) throw new DomainError('order_not_refundable', `Order ${order.orderId} has no payment session to refund.`, 'conflict');
        const result = await providerFor(payments, order.provider).refund({
          orderId: order.orderId,
          sessionId: order.sessionId,
          paymentId: order.paymentId ?? undefined,
          amount: { amount: row.amount, currency: row.currency.trim() },
          idempotencyKey: `refund:${order.orderId}:${row.seq}`,
        });
        providerRefundId = result.refundId;
      }
      const [done] = await sql<RefundRow[]>`
        UPDATE refunds SET status = 'succeeded', provider_refund_id = coalesce(${providerRefundId}, provider_refund_id), completed_at = now()
        WHERE id = ${row.id} RETURNING *`;
      return toRefundRecord(done!);
    },

    /** REFUNDED once refunds cover the payment, PARTIALLY_REFUNDED before that; recorded with the refund that caused it. */
    async settleRefund(input: { refundId: string }): Promise<{ status: 'REFUNDED' | 'PARTIALLY_REFUNDED' }> {
      const row = await requireRefund(input.refundId);
      const [totals] = await sql<{ paid: number; refunded: number }[]>`
        SELECT o.paid_amount AS paid, coalesce(sum(r.amount), 0)::int AS refunded
        FROM orders o LEFT JOIN refunds r ON r.order_id = o.id WHERE o.id = ${row.order_id} GROUP BY o.paid_amount`;
      const status = statusAfterRefunds(totals!.paid, totals!.refunded);
      await transitionOrder(sql, row.order_id, {
        to: status,
        cause: `refund:${row.source}`,
        details: { refundId: row.id, seq: row.seq, amount: { amount: row.amount, currency: row.currency.trim() }, refunded: totals!.refunded },
      });
      return { status };
    },
  };
}
