// Coupon rules: whether a coupon applies to a priced cart, how much it takes off, and how that spreads over the lines.
import { DomainError } from './errors.js';
import type { Money } from './money.js';

export const COUPON_KINDS = ['percent', 'fixed'] as const;
export type CouponKind = (typeof COUPON_KINDS)[number];

/** Why a coupon does not apply: the quote shows it, checkout answers it as a 422 with this code. */
export const COUPON_REASONS = ['coupon_unknown', 'coupon_expired', 'coupon_exhausted', 'coupon_not_applicable', 'coupon_minimum_not_met'] as const;
export type CouponReason = (typeof COUPON_REASONS)[number];

export interface Coupon {
  id: string;
  code: string;
  kind: CouponKind;
  /** percent coupons: 1–100. */
  percent: number | null;
  /** fixed coupons: the amount taken off. */
  amount: Money | null;
  maxDiscount: Money | null;
  maxUses: number | null;
  maxUsesPerCustomer: number | null;
  validFrom: Date | null;
  validUntil: Date | null;
  minPurchase: Money | null;
  /** Empty: every package; otherwise only these (a bundle counts as itself, not as its children). */
  packageIds: string[];
  active: boolean;
  createdAt: Date;
}

/** Redemptions that hold a use: reserved by an open order, or consumed by a paid one. */
export interface CouponUsage {
  total: number;
  byCustomer: number;
}

export interface PricedLine {
  packageId: string;
  unitAmount: number;
}

export interface CouponVerdict {
  /** Per line, in the cart's order: what the coupon takes off it. */
  lineDiscounts: number[];
  discount: number;
}

const REASON_TEXT: Record<CouponReason, string> = {
  coupon_unknown: 'No coupon has this code.',
  coupon_expired: 'This coupon is no longer valid.',
  coupon_exhausted: 'This coupon has been used up.',
  coupon_not_applicable: 'This coupon does not apply to this cart.',
  coupon_minimum_not_met: 'The cart does not reach this coupon\'s minimum purchase.',
};

/** The checkout refusal for a coupon that does not apply: never a silent full price. */
export function couponRefused(reason: CouponReason, code: string): DomainError {
  return new DomainError(reason, REASON_TEXT[reason], 'unprocessable', { couponCode: code });
}

const sameCurrency = (m: Money | null, currency: string) => m === null || m.currency.toUpperCase() === currency.toUpperCase();

/** Why `coupon` does not apply to these lines at `now` with this usage, or null when it does. */
export function couponRefusal(coupon: Coupon, lines: PricedLine[], currency: string, usage: CouponUsage, now: Date): CouponReason | null {
  if (!coupon.active || (coupon.validUntil && now >= coupon.validUntil)) return 'coupon_expired';
  if (coupon.validFrom && now < coupon.validFrom) return 'coupon_not_applicable';
  if ((coupon.maxUses !== null && usage.total >= coupon.maxUses) || (coupon.maxUsesPerCustomer !== null && usage.byCustomer >= coupon.maxUsesPerCustomer)) {
    return 'coupon_exhausted';
  }
  if (![coupon.amount, coupon.maxDiscount, coupon.minPurchase].every((m) => sameCurrency(m, currency))) return 'coupon_not_applicable';
  if (eligible(coupon, lines).every((e) => !e)) return 'coupon_not_applicable';
  const subtotal = lines.reduce((s, l) => s + l.unitAmount, 0);
  if (coupon.minPurchase && subtotal < coupon.minPurchase.amount) return 'coupon_minimum_not_met';
  return null;
}

function eligible(coupon: Coupon, lines: PricedLine[]): boolean[] {
  return lines.map((l) => coupon.packageIds.length === 0 || coupon.packageIds.includes(l.packageId));
}

/**
 * What the coupon takes off (percent rounded half up to the minor unit, capped by maxDiscount, never more than the
 * eligible lines cost), spread over the eligible lines in proportion to their price by largest remainder, so the
 * line discounts add up to the total exactly. Call only when couponRefusal said null.
 */
export function couponDiscount(coupon: Coupon, lines: PricedLine[]): CouponVerdict {
  const mask = eligible(coupon, lines);
  const base = lines.reduce((s, l, i) => s + (mask[i] ? l.unitAmount : 0), 0);
  let discount = coupon.kind === 'percent' ? Math.floor((base * coupon.percent! + 50) / 100) : coupon.amount!.amount;
  if (coupon.maxDiscount) discount = Math.min(discount, coupon.maxDiscount.amount);
  discount = Math.min(discount, base);
  return { lineDiscounts: spread(discount, lines.map((l, i) => (mask[i] ? l.unitAmount : 0))), discount };
}

/** Splits `total` over `weights` in proportion, whole units each, by largest remainder (ties to the earlier line). */
export function spread(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0 || total === 0) return weights.map(() => 0);
  // BigInt: amount × weight can pass 2^53 for large carts.
  const exact = weights.map((w) => BigInt(total) * BigInt(w));
  const shares = exact.map((e) => Number(e / BigInt(sum)));
  const remainders = exact.map((e, i) => ({ i, r: e % BigInt(sum) }));
  let left = total - shares.reduce((a, b) => a + b, 0);
  remainders.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of remainders) {
    if (left === 0) break;
    shares[i]! += 1;
    left--;
  }
  return shares;
}
