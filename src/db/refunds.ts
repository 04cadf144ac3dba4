// The refund ledger: one row per refund, the order's ledger lock, and the one "paid vs refunded so far" query.
import type { Money } from '../domain/money.js';
import type { RefundReason } from '../domain/orders.js';
import type { RefundLedger, RefundSource, RefundStatus } from '../domain/refunds.js';
import type { Db } from './client.js';

export interface RefundRecord {
  refundId: string;
  orderId: string;
  seq: number;
  key: string;
  source: RefundSource;
  reason: RefundReason;
  amount: Money;
  packageIds: string[];
  status: RefundStatus;
  providerRefundId: string | null;
  /** Why the provider refused it (status failed), for operators. */
  lastError: string | null;
  attempt: number;
  createdAt: string;
}

/** A refunds row as stored. */
export interface RefundRow {
  id: string;
  order_id: string;
  seq: number;
  key: string;
  source: RefundSource;
  reason: RefundReason;
  note: string | null;
  amount: number;
  currency: string;
  package_ids: string[];
  request_fingerprint: string | null;
  status: RefundStatus;
  provider_refund_id: string | null;
  last_error: string | null;
  attempt: number;
  workflow_id: string | null;
  created_at: Date;
  completed_at: Date | null;
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
    lastError: r.last_error,
    attempt: r.attempt,
    createdAt: r.created_at.toISOString(),
  };
}

/**
 * Serialises what decides an order's access and money (granting, recording refunds) without a row lock, so a
 * stuck holder never blocks the order's status changes or timeline; released at the end of the transaction.
 */
export async function lockOrderLedger(tx: Db, orderId: string): Promise<void> {
  await tx`SELECT pg_advisory_xact_lock(hashtextextended(${orderId}, 0))`;
}

/** Everything refund rules need, read inside the caller's transaction after it locked the order row. */
export async function loadRefundLedger(tx: Db, orderId: string): Promise<RefundLedger | undefined> {
  const [o] = await tx<{ status: RefundLedger['status']; paid_amount: number | null; paid_currency: string | null }[]>`
    SELECT status, paid_amount, paid_currency FROM orders WHERE id = ${orderId}`;
  if (!o) return undefined;
  // An item is worth what was paid for it: its price less its share of a coupon's discount.
  const items = await tx<{ package_id: string; unit_amount: number; children: string[] }[]>`
    SELECT i.package_id, i.unit_amount - i.discount_amount AS unit_amount, coalesce((SELECT array_agg(b.child_id) FROM bundle_items b WHERE b.bundle_id = i.package_id), '{}') AS children
    FROM order_items i WHERE i.order_id = ${orderId}`;
  const refunds = await tx<Pick<RefundRow, 'amount' | 'package_ids'>[]>`SELECT amount, package_ids FROM refunds WHERE order_id = ${orderId} AND status <> 'reversed'`;
  return {
    orderId,
    status: o.status,
    paid: o.paid_amount == null ? null : { amount: o.paid_amount, currency: o.paid_currency! },
    items: items.map((i) => ({ packageId: i.package_id, unitAmount: i.unit_amount, children: i.children })),
    refunds: refunds.map((r) => ({ amount: r.amount, packageIds: r.package_ids })),
  };
}

/**
 * What the order was paid, how much of it is spoken for by refunds (`refunded`: pending and failed ones count, their
 * money is owed, so nothing may refund it twice; a reversed one, a dispute the shop won, does not), and how much the
 * buyer has back (`settled`: succeeded refunds only, what the order status tells), optionally only up to refund
 * `upToSeq`. `paid` is null while no payment is recorded; undefined when the order does not exist.
 */
export async function refundTotals(db: Db, orderId: string, upToSeq?: number): Promise<{ paid: number | null; refunded: number; settled: number } | undefined> {
  const [t] = await db<{ paid: number | null; refunded: number; settled: number }[]>`
    SELECT o.paid_amount AS paid, coalesce(sum(r.amount), 0)::int AS refunded,
           coalesce(sum(r.amount) FILTER (WHERE r.status = 'succeeded'), 0)::int AS settled
    FROM orders o LEFT JOIN refunds r ON r.order_id = o.id AND r.status <> 'reversed' ${upToSeq === undefined ? db`` : db`AND r.seq <= ${upToSeq}`}
    WHERE o.id = ${orderId} GROUP BY o.paid_amount`;
  return t;
}

/** Refunds of this order the provider refused and nobody has settled yet. */
export async function failedRefunds(db: Db, orderId: string): Promise<number> {
  const [row] = await db<{ n: number }[]>`SELECT count(*)::int AS n FROM refunds WHERE order_id = ${orderId} AND status = 'failed'`;
  return row!.n;
}

/** Refunds are numbered per order, reversed ones included: the number names the provider call. */
export async function nextRefundSeq(db: Db, orderId: string): Promise<number> {
  const [row] = await db<{ next: number }[]>`SELECT coalesce(max(seq), 0)::int + 1 AS next FROM refunds WHERE order_id = ${orderId}`;
  return row!.next;
}

export async function getRefund(db: Db, refundId: string): Promise<RefundRow | undefined> {
  return (await db<RefundRow[]>`SELECT * FROM refunds WHERE id = ${refundId}`)[0];
}

export async function refundBySeq(db: Db, orderId: string, seq: number): Promise<RefundRow | undefined> {
  return (await db<RefundRow[]>`SELECT * FROM refunds WHERE order_id = ${orderId} AND seq = ${seq}`)[0];
}

export async function refundByKey(db: Db, orderId: string, key: string): Promise<RefundRow | undefined> {
  return (await db<RefundRow[]>`SELECT * FROM refunds WHERE order_id = ${orderId} AND key = ${key}`)[0];
}

export async function orderRefunds(db: Db, orderId: string): Promise<RefundRow[]> {
  return db<RefundRow[]>`SELECT * FROM refunds WHERE order_id = ${orderId} ORDER BY seq`;
}

export interface NewRefund {
  orderId: string;
  seq: number;
  key: string;
  source: RefundSource;
  reason: RefundReason;
  note?: string;
  amount: Money;
  packageIds: string[];
  fingerprint?: string;
  /** The workflow that moves this refund's money: provider outcomes and operator confirmations are signalled to it. */
  workflowId?: string;
}

export async function insertRefund(tx: Db, r: NewRefund): Promise<RefundRow> {
  const [row] = await tx<RefundRow[]>`
    INSERT INTO refunds (order_id, seq, key, source, reason, note, amount, currency, package_ids, request_fingerprint, workflow_id)
    VALUES (${r.orderId}, ${r.seq}, ${r.key}, ${r.source}, ${r.reason}, ${r.note ?? null},
            ${r.amount.amount}, ${r.amount.currency}, ${r.packageIds}::uuid[], ${r.fingerprint ?? null}, ${r.workflowId ?? null})
    RETURNING *`;
  return row!;
}

/**
 * The provider's answer (or an operator's confirmation): the row follows it. A settled refund never goes back to
 * pending or failed, so a late or repeated answer changes nothing.
 */
export async function recordRefundAnswer(
  db: Db,
  refundId: string,
  a: { status: Exclude<RefundStatus, 'reversed'>; providerRefundId?: string | null; error?: string | null },
): Promise<RefundRow> {
  const [row] = await db<RefundRow[]>`
    UPDATE refunds SET
      status = CASE WHEN status IN ('succeeded', 'reversed') THEN status ELSE ${a.status} END,
      provider_refund_id = coalesce(${a.providerRefundId ?? null}, provider_refund_id),
      last_error = CASE WHEN ${a.status} = 'failed' THEN ${a.error ?? null} ELSE last_error END,
      completed_at = CASE WHEN ${a.status} = 'succeeded' THEN coalesce(completed_at, now()) ELSE completed_at END
    WHERE id = ${refundId} RETURNING *`;
  if (!row) throw new Error(`refund ${refundId} does not exist`);
  return row;
}
