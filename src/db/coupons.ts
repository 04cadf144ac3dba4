// Coupon rows and their redemptions: create, list, read, deactivate; reserve a use with an order, release it, consume it.
import type { Coupon, CouponUsage } from '../domain/coupons.js';
import { DomainError } from '../domain/errors.js';
import type { Money } from '../domain/money.js';
import { isUuid } from '../domain/orders.js';
import type { Db } from './client.js';

export interface NewCoupon {
  code: string;
  kind: Coupon['kind'];
  percent?: number;
  amount?: Money;
  maxDiscount?: Money;
  maxUses?: number;
  maxUsesPerCustomer?: number;
  validFrom?: Date;
  validUntil?: Date;
  minPurchase?: Money;
  packageIds?: string[];
}

export interface CouponRecord extends Coupon {
  /** Uses held now: reserved by open orders plus consumed by paid ones. */
  uses: number;
}

export interface Redemption {
  orderId: string;
  orderNumber: string;
  email: string;
  status: 'reserved' | 'consumed' | 'released';
  discount: Money;
  createdAt: Date;
  updatedAt: Date;
}

interface CouponRow {
  id: string;
  code: string;
  kind: Coupon['kind'];
  percent: number | null;
  amount: number | null;
  currency: string | null;
  max_discount: number | null;
  max_uses: number | null;
  max_uses_per_customer: number | null;
  valid_from: Date | null;
  valid_until: Date | null;
  min_purchase: number | null;
  package_ids: string[];
  active: boolean;
  created_at: Date;
  uses?: number;
}

const HOLDING = ['reserved', 'consumed'];

function toCoupon(r: CouponRow): CouponRecord {
  const money = (amount: number | null) => (amount === null ? null : { amount, currency: r.currency! });
  return {
    id: r.id,
    code: r.code,
    kind: r.kind,
    percent: r.percent,
    amount: money(r.amount),
    maxDiscount: money(r.max_discount),
    maxUses: r.max_uses,
    maxUsesPerCustomer: r.max_uses_per_customer,
    validFrom: r.valid_from,
    validUntil: r.valid_until,
    minPurchase: money(r.min_purchase),
    packageIds: r.package_ids,
    active: r.active,
    createdAt: r.created_at,
    uses: r.uses ?? 0,
  };
}

const withUses = (db: Db) => db`(SELECT count(*)::int FROM coupon_redemptions r WHERE r.coupon_id = c.id AND r.status IN ${db(HOLDING)}) AS uses`;

/** Inserts a coupon; a code taken already (in any letter case) is a conflict. */
export async function insertCoupon(db: Db, c: NewCoupon): Promise<CouponRecord> {
  const currency = (c.amount ?? c.maxDiscount ?? c.minPurchase)?.currency.toUpperCase() ?? null;
  const rows = await db<CouponRow[]>`
    INSERT INTO coupons (code, kind, percent, amount, currency, max_discount, max_uses, max_uses_per_customer, valid_from, valid_until, min_purchase, package_ids)
    VALUES (${c.code}, ${c.kind}, ${c.percent ?? null}, ${c.amount?.amount ?? null}, ${currency}, ${c.maxDiscount?.amount ?? null}, ${c.maxUses ?? null},
            ${c.maxUsesPerCustomer ?? null}, ${c.validFrom ?? null}, ${c.validUntil ?? null}, ${c.minPurchase?.amount ?? null}, ${c.packageIds ?? []}::uuid[])
    ON CONFLICT (lower(code)) DO NOTHING
    RETURNING *`;
  if (rows.length === 0) throw new DomainError('coupon_code_taken', `A coupon with code ${c.code} already exists.`, 'conflict', { code: c.code });
  return toCoupon(rows[0]!);
}

export async function listCoupons(db: Db, q: { active?: boolean; limit: number; offset: number }): Promise<CouponRecord[]> {
  const rows = await db<CouponRow[]>`
    SELECT c.*, ${withUses(db)} FROM coupons c
    ${q.active === undefined ? db`` : db`WHERE c.active = ${q.active}`}
    ORDER BY c.created_at DESC, c.id LIMIT ${q.limit} OFFSET ${q.offset}`;
  return rows.map(toCoupon);
}

export async function getCoupon(db: Db, id: string): Promise<CouponRecord | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await db<CouponRow[]>`SELECT c.*, ${withUses(db)} FROM coupons c WHERE c.id = ${id}`;
  return row && toCoupon(row);
}

export async function couponRedemptions(db: Db, couponId: string): Promise<Redemption[]> {
  const rows = await db<{ order_id: string; order_number: string; email: string; status: Redemption['status']; discount_amount: number; currency: string; created_at: Date; updated_at: Date }[]>`
    SELECT r.*, o.order_number FROM coupon_redemptions r JOIN orders o ON o.id = r.order_id
    WHERE r.coupon_id = ${couponId} ORDER BY r.created_at DESC`;
  return rows.map((r) => ({
    orderId: r.order_id,
    orderNumber: r.order_number,
    email: r.email,
    status: r.status,
    discount: { amount: r.discount_amount, currency: r.currency },
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }));
}

/** Deactivates a coupon for good: orders holding it keep their discount, new ones are refused. */
export async function deactivateCoupon(db: Db, id: string): Promise<CouponRecord | undefined> {
  if (!isUuid(id)) return undefined;
  await db`UPDATE coupons SET active = false WHERE id = ${id}`;
  return getCoupon(db, id);
}

/**
 * The coupon with this code (any letter case) and the uses it holds, for this customer too. With `lock`, the coupon
 * row stays locked until the caller's transaction ends, so concurrent checkouts count and reserve one at a time.
 */
export async function couponForCode(db: Db, code: string, email: string, lock: boolean): Promise<{ coupon: Coupon; usage: CouponUsage } | undefined> {
  const [row] = await db<CouponRow[]>`SELECT * FROM coupons WHERE lower(code) = lower(${code}) ${lock ? db`FOR UPDATE` : db``}`;
  if (!row) return undefined;
  const [usage] = await db<{ total: number; by_customer: number }[]>`
    SELECT count(*)::int AS total, count(*) FILTER (WHERE email = ${email.toLowerCase()})::int AS by_customer
    FROM coupon_redemptions WHERE coupon_id = ${row.id} AND status IN ${db(HOLDING)}`;
  return { coupon: toCoupon(row), usage: { total: usage!.total, byCustomer: usage!.by_customer } };
}

/** Holds one use of the coupon for this order; in the transaction that inserts the order (and locked the coupon). */
export async function reserveRedemption(tx: Db, r: { couponId: string; orderId: string; email: string; discount: Money }): Promise<void> {
  await tx`
    INSERT INTO coupon_redemptions (coupon_id, order_id, email, status, discount_amount, currency)
    VALUES (${r.couponId}, ${r.orderId}, ${r.email.toLowerCase()}, 'reserved', ${r.discount.amount}, ${r.discount.currency})`;
}

/** Gives the use back when the order closed unpaid; a consumed (paid) one stays. Idempotent. */
export async function releaseRedemption(db: Db, orderId: string): Promise<boolean> {
  const rows = await db`UPDATE coupon_redemptions SET status = 'released', updated_at = now() WHERE order_id = ${orderId} AND status = 'reserved' RETURNING order_id`;
  return rows.length > 0;
}

/**
 * The order was paid: its use is spent for good. A released one (the order expired, then was paid late and fulfilled)
 * counts again, even past the coupon's limit: the buyer paid the discounted price.
 */
export async function consumeRedemption(db: Db, orderId: string): Promise<void> {
  await db`UPDATE coupon_redemptions SET status = 'consumed', updated_at = now() WHERE order_id = ${orderId} AND status <> 'consumed'`;
}

/** The code and discount of the coupon an order carries, if any. */
export async function orderCoupon(db: Db, orderId: string): Promise<{ code: string; discount: Money; status: Redemption['status'] } | null> {
  const [row] = await db<{ code: string; discount_amount: number; currency: string; status: Redemption['status'] }[]>`
    SELECT c.code, r.discount_amount, r.currency, r.status FROM coupon_redemptions r JOIN coupons c ON c.id = r.coupon_id WHERE r.order_id = ${orderId}`;
  return row ? { code: row.code, discount: { amount: row.discount_amount, currency: row.currency }, status: row.status } : null;
}
