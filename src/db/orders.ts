// Order rows: reading an order, and status transitions that always leave an order event behind.
import type { Money } from '../domain/money.js';
import { DomainError } from '../domain/errors.js';
import { isUuid, transitionVerdict, type Locale, type OrderLine, type OrderStatus, type ProviderName, type Transition } from '../domain/orders.js';
import type { RefundLedger } from '../domain/refunds.js';
import type { Db, Sql } from './client.js';

export interface OrderRecord {
  orderId: string;
  orderNumber: string;
  status: OrderStatus;
  email: string;
  customerName: string;
  locale: Locale;
  provider: ProviderName;
  total: Money;
  items: OrderLine[];
  sessionId: string | null;
  paymentUrl: string | null;
  paymentId: string | null;
  userId: string | null;
  fingerprint: string;
  createdAt: Date;
}

export async function getOrder(sql: Sql, orderId: string): Promise<OrderRecord | undefined> {
  if (!isUuid(orderId)) return undefined;
  const [o] = await sql`SELECT * FROM orders WHERE id = ${orderId}`;
  if (!o) return undefined;
  const items = await sql`
    SELECT i.package_id, p.slug, i.title, i.unit_amount, i.currency
    FROM order_items i JOIN packages p ON p.id = i.package_id WHERE i.order_id = ${orderId} ORDER BY i.title`;
  return {
    orderId: o.id,
    orderNumber: o.order_number,
    status: o.status,
    email: o.email,
    customerName: o.customer_name,
    locale: o.locale,
    provider: o.provider,
    total: { amount: o.total_amount, currency: o.currency },
    items: items.map((i) => ({ packageId: i.package_id, slug: i.slug, title: i.title, unitAmount: i.unit_amount, currency: i.currency })),
    sessionId: o.provider_session_id,
    paymentUrl: o.payment_url,
    paymentId: o.provider_payment_id,
    userId: o.user_id,
    fingerprint: o.request_fingerprint,
    createdAt: o.created_at,
  };
}

/** Moves an order to `to` and records why; a repeat of the same transition changes nothing (activities retry). */
export async function transitionOrder(sql: Sql, orderId: string, t: Transition): Promise<{ changed: boolean; from: OrderStatus; status: OrderStatus }> {
  return sql.begin(async (tx) => {
    // NO KEY UPDATE: an insert elsewhere that references this order (and may be stuck) holds only KEY SHARE.
    const [row] = await tx<{ status: OrderStatus }[]>`SELECT status FROM orders WHERE id = ${orderId} FOR NO KEY UPDATE`;
    if (!row) throw new Error(`order ${orderId} does not exist`);
    const verdict = transitionVerdict(row.status, t.to);
    if (verdict === 'keep') return { changed: false, from: row.status, status: row.status };
    if (verdict === 'illegal') {
      throw new DomainError('illegal_transition', `Order ${orderId} cannot go from ${row.status} to ${t.to}.`, 'conflict', { from: row.status, to: t.to });
    }
    await tx`
      UPDATE orders SET
        status = ${t.to},
        updated_at = now(),
        held_reason = coalesce(${t.heldReason ?? null}, held_reason),
        paid_at = CASE WHEN ${t.payment !== undefined} THEN coalesce(paid_at, now()) ELSE paid_at END,
        provider_payment_id = coalesce(${t.payment?.paymentId ?? null}, provider_payment_id),
        paid_amount = coalesce(${t.payment?.amount?.amount ?? null}, paid_amount),
        paid_currency = coalesce(${t.payment?.amount?.currency ?? null}, paid_currency)
      WHERE id = ${orderId}`;
    await tx`
      INSERT INTO order_events (order_id, from_status, to_status, cause, details)
      VALUES (${orderId}, ${row.status}, ${t.to}, ${t.cause}, ${t.details ? tx.json(t.details as never) : null})`;
    return { changed: true, from: row.status, status: t.to };
  });
}

/** A timeline entry that does not change the status (a refund requested, an email that failed). */
export async function appendOrderEvent(sql: Db, orderId: string, cause: string, details?: Record<string, unknown>): Promise<void> {
  await sql`
    INSERT INTO order_events (order_id, from_status, to_status, cause, details)
    SELECT id, status, status, ${cause}, ${details ? sql.json(details as never) : null} FROM orders WHERE id = ${orderId}`;
}

/** Everything refund rules need, read inside the caller's transaction after it locked the order row. */
export async function loadRefundLedger(tx: Db, orderId: string): Promise<RefundLedger | undefined> {
  const [o] = await tx`SELECT id, status, paid_amount, paid_currency FROM orders WHERE id = ${orderId}`;
  if (!o) return undefined;
  const items = await tx<{ package_id: string; unit_amount: number; children: string[] }[]>`
    SELECT i.package_id, i.unit_amount, coalesce((SELECT array_agg(b.child_id) FROM bundle_items b WHERE b.bundle_id = i.package_id), '{}') AS children
    FROM order_items i WHERE i.order_id = ${orderId}`;
  const refunds = await tx<{ amount: number; package_ids: string[] }[]>`SELECT amount, package_ids FROM refunds WHERE order_id = ${orderId}`;
  return {
    orderId,
    status: o.status,
    paid: o.paid_amount == null ? null : { amount: o.paid_amount, currency: o.paid_currency },
    items: items.map((i) => ({ packageId: i.package_id, unitAmount: i.unit_amount, children: i.children })),
    refunds: refunds.map((r) => ({ amount: r.amount, packageIds: r.package_ids })),
  };
}

/**
 * Serialises what decides an order's access and money (granting, recording refunds) without a row lock, so a
 * stuck holder never blocks the order's status changes or timeline; released at the end of the transaction.
 */
export async function lockOrderLedger(tx: Db, orderId: string): Promise<void> {
  await tx`SELECT pg_advisory_xact_lock(hashtextextended(${orderId}, 0))`;
}
