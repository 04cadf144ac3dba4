// What a logged-in customer may see: orders placed with their email, their active enrollments, one package's access.
import type { Money } from '../domain/money.js';
import { isUuid, type OrderStatus } from '../domain/orders.js';
import { orderLineView, type OrderLine, type OrderLineView } from '../domain/pricing.js';
import type { Sql } from './client.js';

/** Whose orders: linked to the user at fulfilment, or placed with the account's email (unpaid, failed, expired). */
export interface CustomerRef {
  userId: string;
  email: string;
}

export interface CustomerOrder {
  orderId: string;
  orderNumber: string;
  status: OrderStatus;
  total: Money;
  subtotal: Money;
  discount: Money;
  couponCode: string | null;
  createdAt: string;
  paidAt: string | null;
  items: OrderLineView[];
}

interface OrderRow {
  id: string;
  order_number: string;
  status: OrderStatus;
  total_amount: number;
  currency: string;
  created_at: Date;
  paid_at: Date | null;
  coupon_code: string | null;
  items: OrderLine[];
}

const toOrder = (r: OrderRow): CustomerOrder => ({
  orderId: r.id,
  orderNumber: r.order_number,
  status: r.status,
  total: { amount: r.total_amount, currency: r.currency },
  subtotal: { amount: r.items.reduce((sum, i) => sum + i.unitAmount, 0), currency: r.currency },
  discount: { amount: r.items.reduce((sum, i) => sum + i.discountAmount, 0), currency: r.currency },
  couponCode: r.coupon_code,
  createdAt: r.created_at.toISOString(),
  paidAt: r.paid_at?.toISOString() ?? null,
  items: r.items.map(orderLineView),
});

async function selectOrders(sql: Sql, who: CustomerRef, orderId?: string): Promise<OrderRow[]> {
  return sql<OrderRow[]>`
    SELECT o.id, o.order_number, o.status, o.total_amount, o.currency, o.created_at, o.paid_at,
           (SELECT c.code FROM coupon_redemptions r JOIN coupons c ON c.id = r.coupon_id WHERE r.order_id = o.id) AS coupon_code,
           coalesce((SELECT json_agg(json_build_object('packageId', i.package_id, 'slug', p.slug, 'title', i.title,
                                                       'unitAmount', i.unit_amount, 'discountAmount', i.discount_amount, 'currency', i.currency) ORDER BY i.title)
                     FROM order_items i JOIN packages p ON p.id = i.package_id WHERE i.order_id = o.id), '[]') AS items
    FROM orders o
    WHERE (o.user_id = ${who.userId} OR o.email = ${who.email}) ${orderId ? sql`AND o.id = ${orderId}` : sql``}
    ORDER BY o.created_at DESC, o.order_number`;
}

export async function customerOrders(sql: Sql, who: CustomerRef): Promise<CustomerOrder[]> {
  return (await selectOrders(sql, who)).map(toOrder);
}

/** One of the customer's orders with its status history; another customer's order is simply not found. */
export async function customerOrder(sql: Sql, who: CustomerRef, orderId: string): Promise<(CustomerOrder & { history: { status: OrderStatus; at: string }[] }) | undefined> {
  if (!isUuid(orderId)) return undefined;
  const [row] = await selectOrders(sql, who, orderId);
  if (!row) return undefined;
  const events = await sql<{ to_status: OrderStatus; created_at: Date }[]>`SELECT to_status, created_at FROM order_events WHERE order_id = ${orderId} ORDER BY id`;
  return { ...toOrder(row), history: events.map((e) => ({ status: e.to_status, at: e.created_at.toISOString() })) };
}

export interface CustomerEnrollment {
  packageId: string;
  slug: string;
  title: string;
  category: string;
  grantedAt: string;
  orderId: string | null;
  /** The bundle this package was bought in, if any: bundles are enrolled as their children. */
  viaBundle: { packageId: string; slug: string; title: string } | null;
}

export async function activeEnrollments(sql: Sql, userId: string): Promise<CustomerEnrollment[]> {
  const rows = await sql<{ package_id: string; slug: string; title: string; category: string; granted_at: Date; order_id: string | null; bundle: CustomerEnrollment['viaBundle'] }[]>`
    SELECT e.package_id, p.slug, p.title, p.category, e.granted_at, e.order_id,
           (SELECT json_build_object('packageId', b.id, 'slug', b.slug, 'title', b.title)
            FROM order_items i JOIN bundle_items bi ON bi.bundle_id = i.package_id AND bi.child_id = e.package_id
            JOIN packages b ON b.id = i.package_id
            WHERE i.order_id = e.order_id LIMIT 1) AS bundle
    FROM enrollments e JOIN packages p ON p.id = e.package_id
    WHERE e.user_id = ${userId} AND e.status = 'active'
    ORDER BY p.title`;
  return rows.map((r) => ({ packageId: r.package_id, slug: r.slug, title: r.title, category: r.category, grantedAt: r.granted_at.toISOString(), orderId: r.order_id, viaBundle: r.bundle }));
}

/** A package: enrolled while its enrollment is active. A bundle: enrolled while every one of its children is. */
export async function isEnrolled(sql: Sql, userId: string, packageId: string): Promise<boolean> {
  const [row] = await sql<{ enrolled: boolean }[]>`
    SELECT CASE WHEN p.is_bundle THEN
             EXISTS (SELECT 1 FROM bundle_items b WHERE b.bundle_id = p.id) AND NOT EXISTS (
               SELECT 1 FROM bundle_items b WHERE b.bundle_id = p.id AND NOT EXISTS (
                 SELECT 1 FROM enrollments e WHERE e.user_id = ${userId} AND e.package_id = b.child_id AND e.status = 'active'))
           ELSE EXISTS (SELECT 1 FROM enrollments e WHERE e.user_id = ${userId} AND e.package_id = p.id AND e.status = 'active')
           END AS enrolled
    FROM packages p WHERE p.id = ${packageId}`;
  return row?.enrolled ?? false;
}
