// Order vocabulary shared by the API, the workflow and the activities.
import type { Money } from './money.js';
import type { OrderLine, Quote } from './pricing.js';

export const ORDER_STATUSES = ['PENDING', 'PROCESSING', 'PAID', 'FULFILLED', 'HELD', 'FAILED', 'EXPIRED', 'CANCELLED', 'REFUNDED', 'PARTIALLY_REFUNDED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * Where each status may go next; anything else is a bug or a stale retry, and is refused.
 * A closed order (EXPIRED, CANCELLED, FAILED) can still be paid late: that money is refunded or, by policy, fulfilled.
 * HELD waits for an operator (or for a compensation that keeps failing, or a refund the provider refused) and ends
 * paid or refunded. PROCESSING: the provider accepted a payment that has not settled; it cannot be cancelled, and
 * ends paid, failed, or expired by its settlement deadline.
 */
export const NEXT_STATUSES: Record<OrderStatus, readonly OrderStatus[]> = {
  PENDING: ['PROCESSING', 'PAID', 'HELD', 'FAILED', 'EXPIRED', 'CANCELLED'],
  PROCESSING: ['PAID', 'HELD', 'FAILED', 'EXPIRED'],
  PAID: ['FULFILLED', 'HELD', 'REFUNDED', 'PARTIALLY_REFUNDED'],
  HELD: ['PAID', 'REFUNDED', 'PARTIALLY_REFUNDED', 'CANCELLED'],
  FULFILLED: ['REFUNDED', 'PARTIALLY_REFUNDED', 'HELD'],
  // HELD: a compensation that keeps failing after an earlier partial refund.
  PARTIALLY_REFUNDED: ['PARTIALLY_REFUNDED', 'REFUNDED', 'HELD'],
  REFUNDED: [],
  FAILED: ['PAID', 'HELD', 'REFUNDED', 'PARTIALLY_REFUNDED'],
  EXPIRED: ['PAID', 'HELD', 'REFUNDED', 'PARTIALLY_REFUNDED'],
  CANCELLED: ['PAID', 'HELD', 'REFUNDED', 'PARTIALLY_REFUNDED'],
};

/**
 * What an order in `from` does when asked to go to `to`: `keep` its status (a repeat of the same transition, a refund
 * that landed while fulfilment was finishing, refunds settled out of order, or a hold asked for after the money went
 * back in full: nothing is left to hold for), `apply` it, or refuse it as `illegal`.
 */
export function transitionVerdict(from: OrderStatus, to: OrderStatus): 'apply' | 'keep' | 'illegal' {
  if (from === to) return 'keep';
  const refunded = from === 'REFUNDED' || from === 'PARTIALLY_REFUNDED';
  if (refunded && (to === 'FULFILLED' || (from === 'REFUNDED' && (to === 'PARTIALLY_REFUNDED' || to === 'HELD')))) return 'keep';
  return NEXT_STATUSES[from].includes(to) ? 'apply' : 'illegal';
}

/** The statuses an order moves to `to` from (rather than keeping its status or refusing). */
export function appliesFrom(to: OrderStatus): OrderStatus[] {
  return ORDER_STATUSES.filter((from) => transitionVerdict(from, to) === 'apply');
}

/** A status change as the workflow asks for it, with its cause and what it records on the order. */
export interface Transition {
  to: OrderStatus;
  cause: string;
  details?: Record<string, unknown>;
  payment?: { paymentId?: string; amount?: Money };
  heldReason?: string;
}

/** Statuses that mean the buyer's money reached us (and may have gone back since). */
export const PAID_STATUSES: readonly OrderStatus[] = ['PAID', 'FULFILLED', 'HELD', 'REFUNDED', 'PARTIALLY_REFUNDED'];

/**
 * Payment state only moves forward: an event that says less than the order already knows is stale, recorded and
 * never acted on (PENDING after COMPLETED, an approval after the order closed, a decline after the money arrived).
 * A payment (`succeeded`) is never stale: reaching a closed order it is a late payment, and is refunded or delivered.
 */
export function isStaleEvent(kind: PaymentEventKind, status: OrderStatus): boolean {
  if (kind === 'succeeded') return false;
  if (kind === 'processing' || kind === 'approved') return status !== 'PENDING' && status !== 'PROCESSING';
  return PAID_STATUSES.includes(status);
}

/** Statuses in which the order workflow has nothing left to do. */
export const SETTLED_STATUSES: readonly OrderStatus[] = ['FULFILLED', 'FAILED', 'EXPIRED', 'CANCELLED', 'REFUNDED', 'PARTIALLY_REFUNDED'];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string | null | undefined): s is string => typeof s === 'string' && UUID.test(s);

export const PROVIDERS = ['stripe', 'sandbox', 'payu', 'paypal', 'postfinance', 'bank_transfer'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export const LOCALES = ['pl', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
/** The catalog's own language (Polish titles, PLN prices): what a checkout without `locale` and an account email speak. */
export const DEFAULT_LOCALE: Locale = 'pl';
/** How each language writes amounts and dates (emails and the buyer's pages). */
export const NUMBER_LOCALE: Record<Locale, string> = { pl: 'pl-PL', en: 'en-GB' };

/** Order emails (sent once per order and kind, refunds once per refund) and the account's own setup_link. */
export const EMAIL_KINDS = ['welcome', 'purchase_confirmation', 'payment_failed', 'checkout_expired', 'refund_issued', 'setup_link', 'bank_transfer_instructions', 'payment_expired'] as const;
export type EmailKind = (typeof EMAIL_KINDS)[number];

/** Why money went back; the refund email explains each in its own words. */
export const REFUND_REASONS = ['requested', 'fulfilment_failed', 'late_payment', 'held_payment', 'provider', 'dispute'] as const;
export type RefundReason = (typeof REFUND_REASONS)[number];

/** What a buyer asked for at checkout, as the workflow and the createOrder activity receive it. */
export interface OrderRequest {
  orderId: string;
  email: string;
  name: string;
  locale: Locale;
  provider: ProviderName;
  packageIds: string[];
  /** As the buyer typed it; the server decides whether it applies. */
  couponCode?: string;
  /** Hash of the checkout request: a reused Idempotency-Key with a different body is refused. */
  fingerprint: string;
  /** Placed by the logged-in owner of `email`: only then is a cart that email owns entirely refused (already_owned). */
  ownerLoggedIn?: boolean;
  /** The cart as the API priced it for this request (absent in runs started before): the order is created from it. */
  quote?: Quote;
  /**
   * The number the API gave the run as its OrderNumber search attribute at the start (absent in runs started before):
   * the order takes it unless another order already has it.
   */
  orderNumber?: string;
}

export interface OrderSummary {
  orderId: string;
  orderNumber: string;
  status: OrderStatus;
  total: Money;
  items: OrderLine[];
  /** The coupon whose use the order holds (absent in runs recorded before coupons existed). */
  couponCode?: string | null;
}

/**
 * A provider webhook reduced to what the order workflow acts on (refunds and disputes go to refund workflows).
 * `processing`: accepted but not settled yet (bank transfer, delayed methods); `approved`: the buyer approved and
 * the provider waits for us to capture (PayPal); the capture's answer is the decisive event.
 */
export type PaymentEventKind = 'succeeded' | 'failed' | 'expired' | 'processing' | 'approved';

export interface PaymentEvent {
  provider: ProviderName;
  eventId: string;
  kind: PaymentEventKind;
  orderId: string;
  sessionId?: string;
  paymentId?: string;
  amount?: Money;
}

const ORDER_NUMBER_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** ORD-YYYYMMDD-XXXX; `random` gives four values in [0, 1) so callers choose the randomness source. */
export function formatOrderNumber(date: Date, random: () => number): string {
  const ymd = date.toISOString().slice(0, 10).replaceAll('-', '');
  let suffix = '';
  for (let i = 0; i < 4; i++) suffix += ORDER_NUMBER_ALPHABET[Math.floor(random() * ORDER_NUMBER_ALPHABET.length)];
  return `ORD-${ymd}-${suffix}`;
}

export const ORDER_NUMBER_PATTERN = /^ORD-\d{8}-[A-Z2-9]{4}$/;
