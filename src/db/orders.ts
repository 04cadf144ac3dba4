// Order rows: reading and creating an order, and status transitions that always leave an order event behind.
import { randomInt } from 'node:crypto';
import type { Money } from '../domain/money.js';
import { DomainError } from '../domain/errors.js';
import { appliesFrom, formatOrderNumber, isUuid, transitionVerdict, type Locale, type OrderRequest, type OrderStatus, type ProviderName, type Transition } from '../domain/orders.js';
import type { OrderLine, Quote } from '../domain/pricing.js';
import type { Db, Sql } from './client.js';
import { consumeRedemption } from './coupons.js';

export interface OrderRecord {
  orderId: string;
  orderNumber: string;
  status: OrderStatus;
  email: string;
  customerName: string;
  locale: Locale;
  provider: ProviderName;
  /** What the buyer pays: subtotal − discount. */
  total: Money;
  subtotal: Money;
  discount: Money;
  /** The coupon the order was placed with (its discount is spread over the items). */
  couponCode: string | null;
  items: OrderLine[];
  sessionId: string | null;
  paymentUrl: string | null;
  paymentId: string | null;
  userId: string | null;
  fingerprint: string;
  heldReason: string | null;
  createdAt: Date;
}

/** An orders row as stored (the columns the record carries). */
interface OrderRow {
  id: string;
  order_number: string;
  status: OrderStatus;
  email: string;
  customer_name: string;
  locale: Locale;
  provider: ProviderName;
  total_amount: number;
  currency: string;
  provider_session_id: string | null;
  payment_url: string | null;
  provider_payment_id: string | null;
  user_id: string | null;
  request_fingerprint: string;
  held_reason: string | null;
  created_at: Date;
  coupon_code: string | null;
}

interface OrderItemRow {
  package_id: string;
  slug: string;
  title: string;
  unit_amount: number;
  discount_amount: number;
  currency: string;
}

const toOrderRecord = (o: OrderRow, items: OrderItemRow[]): OrderRecord => ({
  orderId: o.id,
  orderNumber: o.order_number,
  status: o.status,
  email: o.email,
  customerName: o.customer_name,
  locale: o.locale,
  provider: o.provider,
  total: { amount: o.total_amount, currency: o.currency },
  subtotal: { amount: items.reduce((sum, i) => sum + i.unit_amount, 0), currency: o.currency },
  discount: { amount: items.reduce((sum, i) => sum + i.discount_amount, 0), currency: o.currency },
  couponCode: o.coupon_code,
  items: items.map((i) => ({ packageId: i.package_id, slug: i.slug, title: i.title, unitAmount: i.unit_amount, discountAmount: i.discount_amount, currency: i.currency })),
  sessionId: o.provider_session_id,
  paymentUrl: o.payment_url,
  paymentId: o.provider_payment_id,
  userId: o.user_id,
  fingerprint: o.request_fingerprint,
  heldReason: o.held_reason,
  createdAt: o.created_at,
});

export async function getOrder(sql: Db, orderId: string): Promise<OrderRecord | undefined> {
  return (await getOrders(sql, [orderId])).get(orderId);
}

/** Those of these orders that exist, by id, with their items: one statement (activities read an order in each step). */
export async function getOrders(sql: Db, orderIds: string[]): Promise<Map<string, OrderRecord>> {
  const ids = orderIds.filter(isUuid);
  if (ids.length === 0) return new Map();
  const orders = await sql<(OrderRow & { items: OrderItemRow[] })[]>`
    SELECT o.*, c.code AS coupon_code, coalesce((
      SELECT json_agg(json_build_object('package_id', i.package_id, 'slug', p.slug, 'title', i.title, 'unit_amount', i.unit_amount,
                                        'discount_amount', i.discount_amount, 'currency', i.currency) ORDER BY i.title)
      FROM order_items i JOIN packages p ON p.id = i.package_id WHERE i.order_id = o.id), '[]') AS items
    FROM orders o
    LEFT JOIN coupon_redemptions r ON r.order_id = o.id LEFT JOIN coupons c ON c.id = r.coupon_id
    WHERE o.id = ANY(${ids}::uuid[])`;
  return new Map(orders.map((o) => [o.id, toOrderRecord(o, o.items)]));
}

/** The order, or a business error (not found) that the API answers 404 and activities do not retry. */
export async function requireOrder(sql: Db, orderId: string): Promise<OrderRecord> {
  const order = await getOrder(sql, orderId);
  if (!order) throw new DomainError('order_not_found', `Order ${orderId} does not exist.`, 'not_found');
  return order;
}

export interface TransitionResult {
  changed: boolean;
  from: OrderStatus;
  status: OrderStatus;
  /** When the order was created: metrics measure checkout → fulfilled from it. */
  createdAt: Date;
}

/** Moves an order to `to` and records why; a repeat of the same transition changes nothing (activities retry). */
export async function transitionOrder(sql: Sql, orderId: string, t: Transition): Promise<TransitionResult> {
  return (await applyTransition(sql, orderId, t)) ?? decideTransition(sql, orderId, t);
}

/**
 * The usual case, one statement (the workflow moves each order a few times, so its round trips add up): the order
 * moves if its status is one `to` applies from, the event and a PAID order's spent coupon written with it. Undefined
 * when it did not move; then decideTransition says why (a repeat, an illegal move, a new hold reason, no such order).
 */
async function applyTransition(sql: Sql, orderId: string, t: Transition): Promise<TransitionResult | undefined> {
  // Locked first, so a transition committed meanwhile is waited for and the row it left is checked again.
  const [row] = await sql<{ from_status: OrderStatus; created_at: Date }[]>`
    WITH locked AS MATERIALIZED (
      SELECT id, status FROM orders WHERE id = ${orderId} AND status = ANY(${sql.array(appliesFrom(t.to))}::text[]) FOR NO KEY UPDATE
    ), moved AS (
      UPDATE orders o SET ${movedColumns(sql, t)} FROM locked WHERE o.id = locked.id RETURNING locked.status AS from_status, o.created_at
    ), logged AS (
      INSERT INTO order_events (order_id, from_status, to_status, cause, details)
      SELECT ${orderId}, from_status, ${t.to}, ${t.cause}, ${t.details ? sql.json(t.details as never) : null} FROM moved
    ), spent AS (
      -- Paid: the coupon use this order holds is spent, in the same transaction as the payment.
      UPDATE coupon_redemptions SET status = 'consumed', updated_at = now()
      WHERE ${t.to === 'PAID'} AND order_id = ${orderId} AND status <> 'consumed' AND EXISTS (SELECT 1 FROM moved)
    )
    SELECT from_status, created_at FROM moved`;
  return row && { changed: true, from: row.from_status, status: t.to, createdAt: row.created_at };
}

/** What a transition writes on the order row. */
function movedColumns(sql: Db, t: Transition) {
  return sql`
    status = ${t.to},
    updated_at = now(),
    -- Why it is held, only while it is: the timeline keeps the reasons of holds that ended.
    held_reason = CASE WHEN ${t.to === 'HELD'} THEN coalesce(${t.heldReason ?? null}, held_reason) END,
    paid_at = CASE WHEN ${t.payment !== undefined} THEN coalesce(paid_at, now()) ELSE paid_at END,
    provider_payment_id = coalesce(${t.payment?.paymentId ?? null}, provider_payment_id),
    paid_amount = coalesce(${t.payment?.amount?.amount ?? null}, paid_amount),
    paid_currency = coalesce(${t.payment?.amount?.currency ?? null}, paid_currency)`;
}

/** The rest, under the row's lock: a repeat changes nothing, an illegal move is refused, a new hold reason is recorded. */
async function decideTransition(sql: Sql, orderId: string, t: Transition): Promise<TransitionResult> {
  return sql.begin(async (tx) => {
    // NO KEY UPDATE: an insert elsewhere that references this order (and may be stuck) holds only KEY SHARE.
    const [row] = await tx<{ status: OrderStatus; held_reason: string | null; created_at: Date }[]>`SELECT status, held_reason, created_at FROM orders WHERE id = ${orderId} FOR NO KEY UPDATE`;
    if (!row) throw new Error(`order ${orderId} does not exist`);
    const verdict = transitionVerdict(row.status, t.to);
    // Held again for another reason (a refund refused while held for a mismatched amount): operators must see the new one.
    if (verdict === 'keep' && row.status === 'HELD' && t.to === 'HELD' && t.heldReason && t.heldReason !== row.held_reason) {
      await tx`UPDATE orders SET held_reason = ${t.heldReason}, updated_at = now() WHERE id = ${orderId}`;
      await tx`
        INSERT INTO order_events (order_id, from_status, to_status, cause, details)
        VALUES (${orderId}, 'HELD', 'HELD', ${t.cause}, ${tx.json({ ...t.details, heldReason: t.heldReason, previousHeldReason: row.held_reason } as never)})`;
      return { changed: true, from: row.status, status: row.status, createdAt: row.created_at };
    }
    if (verdict === 'keep') return { changed: false, from: row.status, status: row.status, createdAt: row.created_at };
    if (verdict === 'illegal') {
      throw new DomainError('illegal_transition', `Order ${orderId} cannot go from ${row.status} to ${t.to}.`, 'conflict', { from: row.status, to: t.to });
    }
    await tx`UPDATE orders SET ${movedColumns(tx, t)} WHERE id = ${orderId}`;
    await tx`
      INSERT INTO order_events (order_id, from_status, to_status, cause, details)
      VALUES (${orderId}, ${row.status}, ${t.to}, ${t.cause}, ${t.details ? tx.json(t.details as never) : null})`;
    // Paid: the coupon use this order holds is spent, in the same transaction as the payment.
    if (t.to === 'PAID') await consumeRedemption(tx, orderId);
    return { changed: true, from: row.status, status: t.to, createdAt: row.created_at };
  });
}

/**
 * The one way back from a refund: a dispute the shop won returns the money, so the order is what it would have been
 * without it. Outside the transition table on purpose (REFUNDED is otherwise final); idempotent.
 */
export async function reinstateOrder(tx: Db, orderId: string, to: 'FULFILLED' | 'PARTIALLY_REFUNDED', cause: string, details: Record<string, unknown>): Promise<void> {
  const [row] = await tx<{ status: OrderStatus }[]>`SELECT status FROM orders WHERE id = ${orderId} FOR NO KEY UPDATE`;
  if (!row || row.status === to) return;
  await tx`UPDATE orders SET status = ${to}, held_reason = NULL, updated_at = now() WHERE id = ${orderId}`;
  await tx`INSERT INTO order_events (order_id, from_status, to_status, cause, details) VALUES (${orderId}, ${row.status}, ${to}, ${cause}, ${tx.json(details as never)})`;
}

/** A timeline entry that does not change the status (a refund requested, an email that failed). */
/** With a key, idempotent: a retry of the same append (same key) adds no second entry; equal entries under other keys do. */
export async function appendOrderEvent(sql: Db, orderId: string, cause: string, details?: Record<string, unknown>, key?: string): Promise<void> {
  await sql`
    INSERT INTO order_events (order_id, from_status, to_status, cause, details, idempotency_key)
    SELECT id, status, status, ${cause}, ${details ? sql.json(details as never) : null}, ${key ?? null} FROM orders WHERE id = ${orderId}
    ON CONFLICT (order_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING`;
}

/** A fresh order number for today, from the system's CSPRNG: the API proposes one at the start, insertOrder draws more. */
export function randomOrderNumber(now = new Date()): string {
  return formatOrderNumber(now, () => randomInt(1_000_000) / 1_000_000);
}

/**
 * Inserts the order, its items and its first event under the number the request proposes, or a fresh one when another
 * order has that (retried on collision); in the caller's transaction.
 */
export async function insertOrder(tx: Db, input: OrderRequest, quote: Quote, attempts: number): Promise<string> {
  let orderNumber: string | undefined;
  for (let attempt = 0; attempt < attempts && !orderNumber; attempt++) {
    const candidate = attempt === 0 && input.orderNumber ? input.orderNumber : randomOrderNumber();
    const inserted = await tx`
      INSERT INTO orders (id, order_number, status, email, customer_name, locale, provider, total_amount, currency, request_fingerprint)
      VALUES (${input.orderId}, ${candidate}, 'PENDING', ${input.email.toLowerCase()}, ${input.name}, ${input.locale},
              ${input.provider}, ${quote.total.amount}, ${quote.total.currency}, ${input.fingerprint})
      ON CONFLICT (order_number) DO NOTHING RETURNING id`;
    if (inserted.length > 0) orderNumber = candidate;
  }
  if (!orderNumber) throw new Error(`no free order number after ${attempts} attempts`);
  for (const line of quote.lines) {
    await tx`INSERT INTO order_items (order_id, package_id, title, unit_amount, discount_amount, currency)
             VALUES (${input.orderId}, ${line.packageId}, ${line.title}, ${line.unitAmount}, ${line.discountAmount}, ${line.currency})`;
  }
  await tx`INSERT INTO order_events (order_id, from_status, to_status, cause) VALUES (${input.orderId}, NULL, 'PENDING', 'checkout')`;
  return orderNumber;
}

export async function setPaymentSession(sql: Db, orderId: string, session: { sessionId: string; url: string }): Promise<void> {
  await sql`UPDATE orders SET provider_session_id = ${session.sessionId}, payment_url = ${session.url}, updated_at = now() WHERE id = ${orderId}`;
}

/** The session's expiry: `wanted` the first time, the stored one ever after (a retry must send the same parameters). */
export async function fixSessionExpiry(sql: Db, orderId: string, wanted: Date): Promise<Date> {
  const [row] = await sql<{ session_expires_at: Date }[]>`
    UPDATE orders SET session_expires_at = coalesce(session_expires_at, ${wanted}) WHERE id = ${orderId} RETURNING session_expires_at`;
  if (!row) throw new Error(`order ${orderId} does not exist`);
  return row.session_expires_at;
}

/** Money that reached a closed order: recorded on it (so it can be refunded) without reopening it; once. */
export async function recordLatePayment(sql: Sql, orderId: string, p: { eventId: string; paymentId?: string; amount: Money }): Promise<void> {
  await sql.begin(async (tx) => {
    const [row] = await tx`
      UPDATE orders SET provider_payment_id = coalesce(provider_payment_id, ${p.paymentId ?? null}),
             paid_amount = coalesce(paid_amount, ${p.amount.amount}), paid_currency = coalesce(paid_currency, ${p.amount.currency}),
             paid_at = coalesce(paid_at, now()), updated_at = now()
      WHERE id = ${orderId} AND paid_amount IS NULL RETURNING id`;
    if (row) await appendOrderEvent(tx, orderId, 'late_payment', { eventId: p.eventId, paymentId: p.paymentId ?? null, amount: p.amount });
  });
}

/**
 * PENDING orders with a payment session older than `olderThanMs`; `pastTtl` once their checkout TTL has also run out.
 * One with no session (an outage while checkout opened) only past its TTL: until then the buyer may retry the key.
 */
export async function stalePendingOrders(
  sql: Sql,
  q: { olderThanMs: number; checkoutTtlMs: number; limit: number; orderIds?: string[] },
): Promise<{ orderId: string; provider: ProviderName; pastTtl: boolean }[]> {
  const only = q.orderIds ? sql`AND id = ANY(${sql.array(q.orderIds)}::uuid[])` : sql``;
  const rows = await sql<{ id: string; provider: ProviderName; past_ttl: boolean }[]>`
    SELECT id, provider, past_ttl FROM (
      SELECT *, status = 'PENDING' AND created_at < now() - make_interval(secs => ${(q.checkoutTtlMs + q.olderThanMs) / 1000}) AS past_ttl FROM orders
      WHERE status IN ('PENDING', 'PROCESSING') AND created_at < now() - make_interval(secs => ${q.olderThanMs / 1000}) ${only}) o
    WHERE provider_session_id IS NOT NULL OR (status = 'PENDING' AND past_ttl)
    ORDER BY created_at LIMIT ${q.limit}`;
  return rows.map((r) => ({ orderId: r.id, provider: r.provider, pastTtl: r.past_ttl }));
}

/** The order a provider event (or a buyer's return) belongs to: named in it, or found by the provider's payment or session id. */
export async function findEventOrder(
  sql: Sql,
  provider: ProviderName,
  ref: { orderId?: string; paymentId?: string; sessionId?: string },
): Promise<{ orderId: string; status: OrderStatus; sessionId: string | null } | undefined> {
  type Row = { id: string; status: OrderStatus; provider_session_id: string | null };
  const rows = isUuid(ref.orderId)
    ? await sql<Row[]>`SELECT id, status, provider_session_id FROM orders WHERE id = ${ref.orderId}`
    : ref.paymentId
      ? await sql<Row[]>`SELECT id, status, provider_session_id FROM orders WHERE provider = ${provider} AND provider_payment_id = ${ref.paymentId}`
      : ref.sessionId
        ? await sql<Row[]>`SELECT id, status, provider_session_id FROM orders WHERE provider = ${provider} AND provider_session_id = ${ref.sessionId}`
        : [];
  const [o] = rows;
  return o && { orderId: o.id, status: o.status, sessionId: o.provider_session_id };
}

/** The package ids of the order's items (a bundle is one item). */
export async function orderPackageIds(db: Db, orderId: string): Promise<string[]> {
  return (await db<{ package_id: string }[]>`SELECT package_id FROM order_items WHERE order_id = ${orderId}`).map((r) => r.package_id);
}

/** Orders waiting for an operator: the metrics gauge reads it when scraped. */
export async function countOrdersWithStatus(sql: Db, status: OrderStatus): Promise<number> {
  const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM orders WHERE status = ${status}`;
  return row?.n ?? 0;
}
