// What the Temporal UI shows of a run: its summary at start, its current-details line, and each activity's summary. No personal data.
import { toMajorUnits, type Money } from '../domain/money.js';
import type { Activities } from '../activities/index.js';
import type { OrderState } from './definitions.js';

/** The start summary of a checkout run (its order number does not exist yet: the current details show it once it does). */
export function checkoutSummary(o: { items: { title: string }[]; total: Money; provider: string }): { staticSummary: string; staticDetails: string } {
  const total = money(o.total);
  return {
    staticSummary: `Checkout: ${o.items.length} item${o.items.length === 1 ? '' : 's'}, ${total} via ${o.provider}`,
    staticDetails: [`**Items**`, ...o.items.map((i) => `- ${i.title}`), `**Total** ${total}`, `**Provider** ${o.provider}`].join('\n'),
  };
}

/**
 * The start summary of any later run about an order: what started it, for which order. Starters that have the order at
 * hand name its number; webhooks start runs without reading the order, so they name its id (the run shows the number).
 */
export function orderRunSummary(what: string, order: { orderNumber?: string; orderId: string; total?: Money }): { staticSummary: string } {
  return { staticSummary: `${order.orderNumber ?? `Order ${order.orderId}`}: ${what}${order.total ? ` (${money(order.total)})` : ''}` };
}

// Not Intl: the same text on every Node, whatever its ICU data.
const money = (m: Money) => `${toMajorUnits(m)} ${m.currency}`;

const STATUS_LINES: Record<OrderState['status'], string> = {
  PENDING: 'waiting for payment',
  PROCESSING: 'waiting for the payment to settle',
  PAID: 'fulfilling',
  FULFILLED: 'fulfilled',
  HELD: 'held',
  FAILED: 'failed',
  EXPIRED: 'expired unpaid',
  CANCELLED: 'cancelled',
  REFUNDED: 'refunded',
  PARTIALLY_REFUNDED: 'partially refunded',
};

/** The one-line "where is this order now" the UI shows (and `__temporal_workflow_metadata` answers). */
export function currentDetails(state: OrderState): string {
  let line = STATUS_LINES[state.status];
  if (state.status === 'HELD' && state.heldReason) line = `held: ${state.heldReason.replace(/_/g, ' ')}`;
  else if (state.status === 'PENDING' && !state.paymentUrl) line = state.failure ? `checkout not open: ${state.failure.code.replace(/_/g, ' ')}` : 'opening checkout';
  return state.orderNumber ? `${state.orderNumber}: ${line}` : line;
}

type Input = Record<string, unknown>;
const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v).replace(/_/g, ' ') : '');

/** Each activity's line in the UI's timeline: the business step, with only ids, kinds and statuses from its input. */
export const ACTIVITY_SUMMARIES: Record<keyof Activities, (input: Input) => string> = {
  createOrder: () => 'Create the order from the priced cart',
  createPaymentSession: () => 'Open the payment session at the provider',
  expirePaymentSession: () => 'Close the payment session at the provider',
  capturePayment: () => 'Capture the approved payment',
  lookUpPayment: () => 'Ask the provider about the payment',
  transitionOrder: (i) => `Order → ${text(i.to)}${i.cause ? ` (${text(i.cause)})` : ''}`,
  loadOrderState: () => 'Load the order from the database',
  recordOrderEvent: (i) => `Record: ${text(i.cause)}`,
  recordLatePayment: () => 'Record a payment that came late',
  findStalePendingOrders: () => 'Find pending orders whose webhook may be lost',
  lastOrderEmail: () => 'Find the order’s newest email',
  findOrCreateUser: () => 'Find or create the buyer’s account',
  grantEnrollments: () => 'Grant access to the packages',
  deliverOrder: () => 'Find or create the buyer’s account and grant access',
  revokeEnrollments: () => 'Revoke access to the packages',
  reserveRefund: (i) => `Record the refund (${text(i.source)})`,
  refundAtProvider: () => 'Refund at the provider',
  settleRefund: () => 'Settle the refund on the order',
  recordRefundOutcome: (i) => `Record the refund outcome: ${text(i.status)}`,
  retryRefund: () => 'Try the refund again',
  reverseDispute: () => 'Restore what a won dispute revoked',
  sendOrderEmail: (i) => `Email: ${text(i.kind)}`,
  recordEmailFailure: (i) => `Record an undeliverable email: ${text(i.kind)}`,
  sendSetupLink: () => 'Email a password setup link (if the account exists)',
  releaseCouponRedemption: () => 'Give the coupon’s use back',
  redactExpiredData: (i) => `Redact data older than ${text(i.retentionDays)} days`,
};
