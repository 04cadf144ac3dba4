// Refund rules: never more than was paid, what each refund revokes, and what the system treats as already done.
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { planRefund, statusAfterRefunds, type RefundLedger } from '../../src/domain/refunds.js';

const BUNDLE = 'b0000000-0000-4000-8000-000000000000';
const CHILD_A = 'c0000000-0000-4000-8000-00000000000a';
const CHILD_B = 'c0000000-0000-4000-8000-00000000000b';
const SINGLE = 'a0000000-0000-4000-8000-000000000000';

function ledger(over: Partial<RefundLedger> = {}): RefundLedger {
  return {
    orderId: 'o1',
    status: 'FULFILLED',
    paid: { amount: 10000, currency: 'PLN' },
    items: [
      { packageId: BUNDLE, unitAmount: 7000, children: [CHILD_A, CHILD_B] },
      { packageId: SINGLE, unitAmount: 3000, children: [] },
    ],
    refunds: [],
    ...over,
  };
}

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof DomainError ? `${err.kind}:${err.code}` : String(err);
  }
  return 'no error';
};

describe('planRefund', () => {
  it('refunds everything left by default and revokes all of it', () => {
    expect(planRefund(ledger(), { source: 'operator' })).toEqual({ amount: { amount: 10000, currency: 'PLN' }, packageIds: [BUNDLE, SINGLE], full: true });
  });

  it('refunds an item at its price and revokes only it', () => {
    expect(planRefund(ledger(), { source: 'operator', packageIds: [SINGLE] })).toEqual({ amount: { amount: 3000, currency: 'PLN' }, packageIds: [SINGLE], full: false });
  });

  it('refunds one child of a bundle only with an amount, and no more than the bundle cost', () => {
    expect(code(() => planRefund(ledger(), { source: 'operator', packageIds: [CHILD_A] }))).toBe('unprocessable:amount_required');
    expect(planRefund(ledger(), { source: 'operator', packageIds: [CHILD_A], amount: 2500 })).toMatchObject({ packageIds: [CHILD_A], full: false });
    expect(code(() => planRefund(ledger(), { source: 'operator', packageIds: [CHILD_A], amount: 7001 }))).toBe('unprocessable:refund_exceeds_items');
  });

  it('never refunds more than was paid, counting earlier refunds', () => {
    expect(code(() => planRefund(ledger(), { source: 'operator', amount: 10001 }))).toBe('unprocessable:refund_exceeds_paid');
    const after = ledger({ refunds: [{ amount: 9000, packageIds: [] }] });
    expect(code(() => planRefund(after, { source: 'operator', amount: 1001 }))).toBe('unprocessable:refund_exceeds_paid');
    expect(planRefund(after, { source: 'operator', amount: 1000 })).toMatchObject({ full: true, packageIds: [BUNDLE, SINGLE] });
  });

  it('refuses an item refunded before, one not in the order, and a refund before payment or while held', () => {
    const refunded = ledger({ status: 'PARTIALLY_REFUNDED', refunds: [{ amount: 3000, packageIds: [SINGLE] }] });
    expect(code(() => planRefund(refunded, { source: 'operator', packageIds: [SINGLE] }))).toBe('conflict:item_already_refunded');
    expect(code(() => planRefund(ledger(), { source: 'operator', packageIds: ['d0000000-0000-4000-8000-000000000000'] }))).toBe('unprocessable:package_not_in_order');
    expect(code(() => planRefund(ledger({ status: 'PENDING', paid: null }), { source: 'operator' }))).toBe('conflict:order_not_refundable');
    expect(code(() => planRefund(ledger({ status: 'HELD' }), { source: 'operator' }))).toBe('conflict:order_held');
    expect(code(() => planRefund(ledger({ status: 'REFUNDED', refunds: [{ amount: 10000, packageIds: [] }] }), { source: 'operator' }))).toBe('conflict:order_not_refundable');
  });

  it('records only the part of a provider refund it does not know yet', () => {
    const ours = ledger({ refunds: [{ amount: 4000, packageIds: [] }] });
    expect(planRefund(ours, { source: 'provider', providerTotal: 4000 })).toBeNull();
    expect(planRefund(ours, { source: 'provider', providerTotal: 5000 })).toEqual({ amount: { amount: 1000, currency: 'PLN' }, packageIds: [], full: false });
    expect(planRefund(ours, { source: 'provider', providerTotal: 10000 })).toMatchObject({ amount: { amount: 6000 }, full: true, packageIds: [BUNDLE, SINGLE] });
  });

  it('revokes everything on a dispute, capped at what is left', () => {
    expect(planRefund(ledger(), { source: 'dispute', amount: 2000 })).toEqual({ amount: { amount: 2000, currency: 'PLN' }, packageIds: [BUNDLE, SINGLE], full: false });
    expect(planRefund(ledger({ refunds: [{ amount: 9500, packageIds: [] }] }), { source: 'dispute', amount: 10000 })).toMatchObject({ amount: { amount: 500 }, full: true });
  });

  it('treats an order already refunded in full as done for system refunds (compensation after a provider refund)', () => {
    const done = ledger({ status: 'REFUNDED', refunds: [{ amount: 10000, packageIds: [] }] });
    expect(planRefund(done, { source: 'compensation' })).toBeNull();
    expect(planRefund(ledger({ status: 'PAID', refunds: [{ amount: 10000, packageIds: [] }] }), { source: 'compensation' })).toBeNull();
  });
});

describe('statusAfterRefunds', () => {
  it('is PARTIALLY_REFUNDED until the refunds cover the payment', () => {
    expect(statusAfterRefunds(10000, 9999)).toBe('PARTIALLY_REFUNDED');
    expect(statusAfterRefunds(10000, 10000)).toBe('REFUNDED');
  });
});
