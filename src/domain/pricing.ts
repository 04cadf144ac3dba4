// Prices a cart from catalog rows: the client sends ids only, the server decides amounts.
import { couponDiscount, couponRefusal, type Coupon, type CouponReason, type CouponUsage } from './coupons.js';
import { DomainError } from './errors.js';
import type { Money } from './money.js';

export interface CatalogPackage {
  id: string;
  slug: string;
  title: string;
  priceAmount: number;
  currency: string;
  published: boolean;
  isBundle: boolean;
  /** The catalog's "was" price, shown struck through; absent when there is none. */
  originalPriceAmount?: number | null;
  /** For a bundle, the packages it enrols; for a package, itself. */
  grants: string[];
}

/** One package of an order, as priced when it was placed. */
export interface OrderLine {
  packageId: string;
  slug: string;
  title: string;
  /** The catalog price. */
  unitAmount: number;
  /** What a coupon took off this line: the buyer paid unitAmount − discountAmount for it. */
  discountAmount: number;
  currency: string;
}

/** How an order line is shown to its buyer: the catalog price and what a coupon took off, each as money. */
export interface OrderLineView {
  packageId: string;
  slug: string;
  title: string;
  price: Money;
  discount: Money;
}

export function orderLineView(line: OrderLine): OrderLineView {
  const { packageId, slug, title, currency } = line;
  return { packageId, slug, title, price: { amount: line.unitAmount, currency }, discount: { amount: line.discountAmount, currency } };
}

export interface QuoteLine extends OrderLine {
  /** The catalog's "was" price, or the unit price when it has none. */
  originalAmount: number;
}

/** What became of the coupon the buyer typed: applied, or why not. */
export interface CouponOutcome {
  couponId: string | null;
  code: string;
  applied: boolean;
  reason?: CouponReason;
}

export interface Quote {
  lines: QuoteLine[];
  /** Before the coupon. */
  subtotal: Money;
  discount: Money;
  /** What the buyer pays: subtotal − discount. */
  total: Money;
  /** Every package the order would enrol (bundles expanded to children). */
  grants: string[];
  coupon: CouponOutcome | null;
}

export function priceCart(requestedIds: string[], catalog: CatalogPackage[], ownedPackageIds: Set<string> = new Set()): Quote {
  const ids = [...new Set(requestedIds)];
  if (ids.length === 0) throw new DomainError('cart_empty', 'The cart is empty.', 'bad_request');

  const byId = new Map(catalog.map((p) => [p.id, p]));
  // A bundle without children would sell nothing.
  const missing = ids.filter((id) => !byId.get(id)?.published || byId.get(id)!.grants.length === 0);
  if (missing.length > 0) {
    throw new DomainError('package_unavailable', 'Some packages do not exist or are not for sale.', 'unprocessable', { packageIds: missing });
  }
  const packages = ids.map((id) => byId.get(id)!);
  const currencies = new Set(packages.map((p) => p.currency.toUpperCase()));
  if (currencies.size > 1) {
    throw new DomainError('mixed_currencies', 'All packages in one order must share a currency.', 'unprocessable', { currencies: [...currencies] });
  }
  const grants = [...new Set(packages.flatMap((p) => p.grants))];
  // A bundle and one of its own children in one cart would charge twice for the same access.
  const overlapping = packages.filter((p) => !p.isBundle && packages.some((b) => b.isBundle && b.grants.includes(p.id)));
  if (overlapping.length > 0) {
    throw new DomainError('bundle_overlap', 'The cart holds a bundle and a package the bundle already includes.', 'unprocessable', { packageIds: overlapping.map((p) => p.id) });
  }
  if (grants.length > 0 && grants.every((id) => ownedPackageIds.has(id))) {
    throw new DomainError('already_owned', 'This email already owns every package in the cart.', 'conflict');
  }
  const lines = packages.map((p) => ({ packageId: p.id, slug: p.slug, title: p.title, unitAmount: p.priceAmount, discountAmount: 0, originalAmount: p.originalPriceAmount ?? p.priceAmount, currency: p.currency }));
  const currency = packages[0]!.currency.toUpperCase();
  const subtotal = { amount: lines.reduce((sum, l) => sum + l.unitAmount, 0), currency };
  return { lines, subtotal, discount: { amount: 0, currency }, total: subtotal, grants, coupon: null };
}

/**
 * The quote with the coupon typed as `code` applied, or with the reason it does not apply (and full prices).
 * `coupon` is the stored coupon with that code, if any; `usage` counts the uses it already holds.
 */
export function applyCoupon(quote: Quote, code: string, coupon: Coupon | undefined, usage: CouponUsage, now: Date): Quote {
  const currency = quote.total.currency;
  const reason = coupon ? couponRefusal(coupon, quote.lines, currency, usage, now) : 'coupon_unknown';
  if (!coupon || reason) return { ...quote, coupon: { couponId: coupon?.id ?? null, code, applied: false, reason: reason ?? 'coupon_unknown' } };
  const { lineDiscounts, discount } = couponDiscount(coupon, quote.lines);
  return {
    ...quote,
    lines: quote.lines.map((l, i) => ({ ...l, discountAmount: lineDiscounts[i]! })),
    discount: { amount: discount, currency },
    total: { amount: quote.subtotal.amount - discount, currency },
    coupon: { couponId: coupon.id, code: coupon.code, applied: true },
  };
}

/** The quote as the catalog priced it, before any coupon: what a coupon is applied to (again, when its uses are reserved). */
export function withoutCoupon(quote: Quote): Quote {
  const lines = quote.lines.map((l) => ({ ...l, discountAmount: 0 }));
  return { ...quote, lines, discount: { ...quote.discount, amount: 0 }, total: quote.subtotal, coupon: null };
}
