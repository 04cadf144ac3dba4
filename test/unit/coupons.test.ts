// Coupon rules from the stored coupon alone: when it applies, how much it takes off, and how that spreads over lines.
import { describe, expect, it } from 'vitest';
import { couponDiscount, couponRefusal, spread, type Coupon } from '../../src/domain/coupons.js';
import { applyCoupon, priceCart, type CatalogPackage } from '../../src/domain/pricing.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const coupon = (extra: Partial<Coupon> = {}): Coupon => ({
  id: 'c1', code: 'WIOSNA', kind: 'percent', percent: 10, amount: null, maxDiscount: null, maxUses: null, maxUsesPerCustomer: null,
  validFrom: null, validUntil: null, minPurchase: null, packageIds: [], active: true, createdAt: NOW, ...extra,
});
const pln = (amount: number) => ({ amount, currency: 'PLN' });
const lines = [{ packageId: 'a', unitAmount: 6900 }, { packageId: 'b', unitAmount: 14900 }, { packageId: 'bundle', unitAmount: 9999 }];
const unused = { total: 0, byCustomer: 0 };

describe('spread (largest remainder)', () => {
  it('adds up to the total exactly and gives the leftover units to the largest remainders', () => {
    expect(spread(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(spread(1000, [6900, 14900, 9999])).toEqual([217, 469, 314]);
    for (const total of [1, 7, 333, 3179]) expect(spread(total, [6900, 14900, 9999]).reduce((a, b) => a + b, 0)).toBe(total);
  });

  it('gives nothing to lines that weigh nothing, and never more than a line costs', () => {
    expect(spread(500, [0, 1000, 0])).toEqual([0, 500, 0]);
    expect(spread(31799, [6900, 14900, 9999])).toEqual([6900, 14900, 9999]);
  });

  it('stays exact where amount × price passes 2^53', () => {
    const shares = spread(2_000_000_000, [2_147_483_647, 2_147_483_646, 3]);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(2_000_000_000);
  });
});

describe('couponDiscount', () => {
  it('rounds a percent half up to the grosz', () => {
    expect(couponDiscount(coupon({ percent: 15 }), [{ packageId: 'a', unitAmount: 6930 }]).discount).toBe(1040); // 1039.5
    expect(couponDiscount(coupon({ percent: 15 }), [{ packageId: 'a', unitAmount: 6929 }]).discount).toBe(1039); // 1039.35
  });

  it('caps at maxDiscount and never exceeds what the eligible lines cost', () => {
    expect(couponDiscount(coupon({ percent: 50, maxDiscount: pln(2000) }), lines).discount).toBe(2000);
    expect(couponDiscount(coupon({ kind: 'fixed', percent: null, amount: pln(999_999) }), lines).discount).toBe(31799);
  });

  it('discounts only the listed packages; a bundle counts as itself', () => {
    const v = couponDiscount(coupon({ percent: 100, packageIds: ['bundle'] }), lines);
    expect(v).toEqual({ discount: 9999, lineDiscounts: [0, 0, 9999] });
  });

  it('spreads a fixed amount over the lines in proportion to their price', () => {
    expect(couponDiscount(coupon({ kind: 'fixed', percent: null, amount: pln(1000) }), lines).lineDiscounts).toEqual([217, 469, 314]);
  });
});

describe('couponRefusal', () => {
  it.each([
    ['deactivated', coupon({ active: false }), unused, 'coupon_expired'],
    ['past its validity', coupon({ validUntil: new Date('2026-06-01T12:00:00Z') }), unused, 'coupon_expired'],
    ['not yet valid', coupon({ validFrom: new Date('2026-06-02T00:00:00Z') }), unused, 'coupon_not_applicable'],
    ['used up', coupon({ maxUses: 3 }), { total: 3, byCustomer: 0 }, 'coupon_exhausted'],
    ['used up by this customer', coupon({ maxUsesPerCustomer: 1 }), { total: 1, byCustomer: 1 }, 'coupon_exhausted'],
    ['in another currency', coupon({ kind: 'fixed', percent: null, amount: { amount: 500, currency: 'EUR' } }), unused, 'coupon_not_applicable'],
    ['for packages not in the cart', coupon({ packageIds: ['zzz'] }), unused, 'coupon_not_applicable'],
    ['below its minimum', coupon({ minPurchase: pln(40000) }), unused, 'coupon_minimum_not_met'],
  ] as const)('refuses a coupon %s', (_name, c, usage, reason) => {
    expect(couponRefusal(c, lines, 'PLN', usage, NOW)).toBe(reason);
  });

  it('accepts one within every limit', () => {
    const c = coupon({ maxUses: 3, maxUsesPerCustomer: 1, minPurchase: pln(31799), validFrom: new Date('2026-01-01'), validUntil: new Date('2027-01-01') });
    expect(couponRefusal(c, lines, 'PLN', { total: 2, byCustomer: 0 }, NOW)).toBeNull();
  });
});

describe('applyCoupon', () => {
  const pkg = (id: string, priceAmount: number): CatalogPackage => ({ id, slug: id, title: id, priceAmount, currency: 'PLN', published: true, isBundle: false, grants: [id] });
  const quote = priceCart(['a', 'b'], [pkg('a', 6900), pkg('b', 14900)]);

  it('stores the discount per line and totals it', () => {
    const q = applyCoupon(quote, 'wiosna', coupon({ percent: 20 }), unused, NOW);
    expect(q.lines.map((l) => l.discountAmount)).toEqual([1380, 2980]);
    expect(q).toMatchObject({ subtotal: pln(21800), discount: pln(4360), total: pln(17440), coupon: { code: 'WIOSNA', applied: true } });
  });

  it('keeps full prices and says why when the coupon does not apply', () => {
    expect(applyCoupon(quote, 'NOPE', undefined, unused, NOW)).toMatchObject({ total: pln(21800), discount: pln(0), coupon: { code: 'NOPE', applied: false, reason: 'coupon_unknown' } });
  });
});
