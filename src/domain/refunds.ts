// Refund rules: how much may go back and which access goes with it, from an order's paid amount and earlier refunds.
import { DomainError } from './errors.js';
import type { Money } from './money.js';
import type { OrderStatus, RefundReason } from './orders.js';

export const REFUND_SOURCES = ['operator', 'provider', 'dispute', 'compensation', 'late_payment', 'held_payment'] as const;
export type RefundSource = (typeof REFUND_SOURCES)[number];

export const REASON_OF_SOURCE: Record<Exclude<RefundSource, 'operator'>, RefundReason> = {
  provider: 'provider',
  dispute: 'dispute',
  compensation: 'fulfilment_failed',
  late_payment: 'late_payment',
  held_payment: 'held_payment',
};

/**
 * pending: asked, the provider settles later; pending_manual: an operator sends the money back (bank transfer) and
 * confirms; failed: refused at the provider, waiting for an operator's retry; reversed: a dispute the shop won.
 */
export const REFUND_STATUSES = ['pending', 'pending_manual', 'succeeded', 'failed', 'reversed'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

/** Money already moved at the provider: we record it, we do not call the provider. */
export const RECORDED_ONLY: readonly RefundSource[] = ['provider', 'dispute'];

/** An operator refunds fulfilled (or paying) orders; a held order is resolved instead. */
const OPERATOR_REFUNDABLE: readonly OrderStatus[] = ['PAID', 'FULFILLED', 'PARTIALLY_REFUNDED'];

export interface RefundLedger {
  orderId: string;
  status: OrderStatus;
  /** What the provider took; null while nothing was paid. */
  paid: Money | null;
  /** `unitAmount`: what was paid for the item (price less its coupon share); `children`: what a bundle item granted (one child can be refunded on its own, with an amount). */
  items: { packageId: string; unitAmount: number; children: string[] }[];
  /** Every refund recorded so far (pending ones count: their money is on its way back). */
  refunds: { amount: number; packageIds: string[] }[];
}

export interface RefundRequest {
  source: RefundSource;
  /** Minor units; without it, the listed items, or everything left. */
  amount?: number;
  packageIds?: string[];
  /** Provider refunds: the charge's cumulative refunded amount, of which we record what we have not yet. */
  providerTotal?: number;
}

export interface RefundPlan {
  amount: Money;
  /** Order items whose access this refund removes (all remaining ones when it refunds everything). */
  packageIds: string[];
  /** After this refund nothing paid is left. */
  full: boolean;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** What a refund request means for this order, or why it is impossible; `null` when a provider refund is already recorded. */
export function planRefund(ledger: RefundLedger, req: RefundRequest): RefundPlan | null {
  const fail = (code: string, message: string, kind: 'conflict' | 'unprocessable', details?: unknown): never => {
    throw new DomainError(code, message, kind, { status: ledger.status, ...(details as object) });
  };
  if (req.source === 'operator' && !OPERATOR_REFUNDABLE.includes(ledger.status)) {
    if (ledger.status === 'HELD') fail('order_held', 'This order is held for an operator: resolve it (fulfil or refund) instead.', 'conflict');
    fail('order_not_refundable', `An order in status ${ledger.status} has no payment to refund.`, 'conflict');
  }
  // For the system (compensation, late or held payments, provider notices) "nothing left" means already done.
  if (req.source !== 'operator' && ledger.paid && ledger.status === 'REFUNDED') return null;
  if (!ledger.paid || ledger.status === 'REFUNDED') fail('order_not_refundable', `Order ${ledger.orderId} has no payment left to refund.`, 'conflict');
  const paid = ledger.paid!;
  const refunded = sum(ledger.refunds.map((r) => r.amount));
  const remaining = paid.amount - refunded;
  const refundedItems = new Set(ledger.refunds.flatMap((r) => r.packageIds));
  const unrefundedItems = ledger.items.filter((i) => !refundedItems.has(i.packageId)).map((i) => i.packageId);

  if (req.providerTotal !== undefined) {
    const delta = Math.min(req.providerTotal - refunded, remaining);
    if (delta <= 0) return null;
    return { amount: { amount: delta, currency: paid.currency }, packageIds: delta === remaining ? unrefundedItems : [], full: delta === remaining };
  }
  if (req.source === 'dispute') {
    // A dispute takes the money back through the bank and all access with it.
    const disputed = Math.min(req.amount ?? remaining, remaining);
    if (disputed <= 0) return null;
    return { amount: { amount: disputed, currency: paid.currency }, packageIds: unrefundedItems, full: disputed === remaining };
  }
  if (remaining <= 0 && req.source !== 'operator') return null;
  if (remaining <= 0) fail('order_fully_refunded', `Order ${ledger.orderId} is already refunded in full.`, 'conflict');

  let amount: number;
  let packageIds: string[] = [];
  if (req.packageIds && req.packageIds.length > 0) {
    packageIds = [...new Set(req.packageIds)];
    const byId = new Map(ledger.items.map((i) => [i.packageId, i]));
    const bundleOf = new Map(ledger.items.flatMap((i) => i.children.map((c) => [c, i] as const)));
    const unknown = packageIds.filter((id) => !byId.has(id) && !bundleOf.has(id));
    if (unknown.length > 0) fail('package_not_in_order', 'These packages are not part of the order (nor children of a bundle in it).', 'unprocessable', { packageIds: unknown });
    const again = packageIds.filter((id) => refundedItems.has(id) || refundedItems.has(bundleOf.get(id)?.packageId ?? ''));
    if (again.length > 0) fail('item_already_refunded', 'These items were already refunded.', 'conflict', { packageIds: again });
    // A bundle's child has no price of its own: the operator says how much of the bundle goes back.
    const children = packageIds.filter((id) => !byId.has(id));
    if (children.length > 0 && req.amount === undefined) {
      fail('amount_required', 'Refunding a single package of a bundle needs an amount.', 'unprocessable', { packageIds: children });
    }
    const itemsTotal = sum(packageIds.map((id) => (byId.get(id) ?? bundleOf.get(id)!).unitAmount));
    amount = Math.min(req.amount ?? itemsTotal, remaining);
    if (req.amount !== undefined && req.amount > itemsTotal) {
      fail('refund_exceeds_items', `At most ${itemsTotal} can be refunded for these items.`, 'unprocessable', { itemsTotal });
    }
  } else {
    amount = req.amount ?? remaining;
  }
  if (!Number.isInteger(amount) || amount <= 0) fail('invalid_refund_amount', 'A refund must be a positive whole amount in minor units.', 'unprocessable');
  if (amount > remaining) {
    fail('refund_exceeds_paid', `Only ${remaining} of the ${paid.amount} paid is left to refund.`, 'unprocessable', { paid: paid.amount, refunded, remaining });
  }
  const full = amount === remaining;
  // Refunding everything left takes all remaining access with it, whatever items were named.
  return { amount: { amount, currency: paid.currency }, packageIds: full ? unrefundedItems : packageIds, full };
}

/** The order status once refunds total `refunded` of `paid`. */
export function statusAfterRefunds(paid: number, refunded: number): 'REFUNDED' | 'PARTIALLY_REFUNDED' {
  return refunded >= paid ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
}
