// What operators read: orders filtered and paged newest first, and one order with everything that happened to it.
import type { Money } from '../domain/money.js';
import type { OrderStatus } from '../domain/orders.js';
import type { Sql } from './client.js';
import { orderEmails } from './emails.js';
import type { OrderRecord } from './orders.js';
import { orderRefunds, toRefundRecord } from './refunds.js';
import { orderWebhookEvents } from './webhookEvents.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export interface AdminOrder {
  orderId: string;
  orderNumber: string;
  status: OrderStatus;
  email: string;
  customerName: string;
  provider: string;
  total: Money;
  heldReason: string | null;
  createdAt: string;
  updatedAt: string;
}

/** An orders row as the list reads it, with its creation time to the microsecond for the cursor. */
interface AdminOrderRow {
  id: string;
  order_number: string;
  status: OrderStatus;
  email: string;
  customer_name: string;
  provider: string;
  total_amount: number;
  currency: string;
  held_reason: string | null;
  created_at: Date;
  updated_at: Date;
  cursor_at: string;
}

const toAdminOrder = (o: AdminOrderRow): AdminOrder => ({
  orderId: o.id,
  orderNumber: o.order_number,
  status: o.status,
  email: o.email,
  customerName: o.customer_name,
  provider: o.provider,
  total: { amount: o.total_amount, currency: o.currency },
  heldReason: o.held_reason,
  createdAt: o.created_at.toISOString(),
  updatedAt: o.updated_at.toISOString(),
});

export interface OrderFilter {
  status?: OrderStatus;
  email?: string;
  orderNumber?: string;
  from?: string;
  to?: string;
  limit: number;
  /** Where the previous page ended. */
  after?: PagePosition;
}

export interface PagePosition {
  createdAt: string;
  id: string;
}

export async function listOrders(sql: Sql, q: OrderFilter): Promise<{ orders: AdminOrder[]; next: PagePosition | null }> {
  const rows = await sql<AdminOrderRow[]>`
    -- Microseconds in the cursor, so orders created in the same millisecond are not skipped between pages.
    SELECT *, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at FROM orders WHERE true
      ${q.status ? sql`AND status = ${q.status}` : sql``}
      ${q.email ? sql`AND email = ${q.email.toLowerCase()}` : sql``}
      ${q.orderNumber ? sql`AND order_number = ${q.orderNumber.toUpperCase()}` : sql``}
      ${q.from ? sql`AND created_at >= ${q.from}` : sql``}
      ${q.to ? sql`AND created_at < ${q.to}` : sql``}
      ${q.after ? sql`AND (created_at, id) < (${q.after.createdAt}::timestamptz, ${q.after.id}::uuid)` : sql``}
    ORDER BY created_at DESC, id DESC LIMIT ${q.limit + 1}`;
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return { orders: page.map(toAdminOrder), next: rows.length > q.limit && last ? { createdAt: last.cursor_at, id: last.id } : null };
}

/** The order with its payment, timeline, provider events, refunds, emails and enrollments. */
export async function orderDetail(sql: Sql, order: OrderRecord) {
  const id = order.orderId;
  const [row] = await sql<{ paid_amount: number | null; paid_currency: string | null; paid_at: Date | null; updated_at: Date }[]>`
    SELECT paid_amount, paid_currency, paid_at, updated_at FROM orders WHERE id = ${id}`;
  const [events, hooks, refunds, emails, enrollments] = await Promise.all([
    sql<{ from_status: OrderStatus | null; to_status: OrderStatus; cause: string; details: unknown; created_at: Date }[]>`
      SELECT from_status, to_status, cause, details, created_at FROM order_events WHERE order_id = ${id} ORDER BY id`,
    orderWebhookEvents(sql, id),
    orderRefunds(sql, id),
    orderEmails(sql, id),
    sql<{ package_id: string; title: string; status: string; granted_at: Date | null; revoked_at: Date | null }[]>`
      SELECT e.package_id, p.title, e.status, e.granted_at, e.revoked_at FROM enrollments e JOIN packages p ON p.id = e.package_id WHERE e.order_id = ${id} ORDER BY p.title`,
  ]);
  return {
    order: { ...order, createdAt: order.createdAt.toISOString(), updatedAt: iso(row!.updated_at), fingerprint: undefined },
    payment: {
      provider: order.provider,
      sessionId: order.sessionId,
      paymentId: order.paymentId,
      paid: row!.paid_amount == null ? null : { amount: row!.paid_amount, currency: row!.paid_currency },
      paidAt: iso(row!.paid_at),
    },
    timeline: events.map((e) => ({ at: e.created_at.toISOString(), from: e.from_status, to: e.to_status, cause: e.cause, details: e.details })),
    webhookEvents: hooks.map((h) => ({ provider: h.provider, eventId: h.eventId, type: h.type, outcome: h.outcome, receivedAt: h.receivedAt, deliveredAt: h.deliveredAt, undelivered: h.undelivered })),
    refunds: refunds.map((r) => ({ ...toRefundRecord(r), note: r.note, completedAt: iso(r.completed_at) })),
    emails,
    enrollments: enrollments.map((e) => ({ packageId: e.package_id, title: e.title, status: e.status, grantedAt: iso(e.granted_at), revokedAt: iso(e.revoked_at) })),
  };
}
