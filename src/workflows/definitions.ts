// Names both sides of the workflow boundary share: inputs, signals, queries, updates, search attributes, workflow ids.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Money } from '../domain/money.js';
import type { OrderRequest, OrderStatus, PaymentEvent, ProviderName, RefundReason } from '../domain/orders.js';
import type { RefundSource, RefundStatus } from '../domain/refunds.js';

/** Settings the API and the reconciliation schedule pass in, so a run keeps the ones it started with. */
export interface OrderSettings {
  /** How long user creation and enrolment retry after payment before the order is compensated. */
  fulfilmentRetryMs: number;
  latePaymentPolicy: 'refund' | 'fulfil';
  /** Per provider: how long a PROCESSING payment may take to settle before the order expires (absent in runs started before it existed). */
  settlementMs?: Partial<Record<ProviderName, number>>;
}

/** A new order from checkout. */
export interface CheckoutInput extends OrderRequest, OrderSettings {
  checkoutTtlMs: number;
  /** The buyer's address as the API saw it, for providers that require one (PayU); absent in runs started before. */
  customerIp?: string;
}

/**
 * A run for an order whose checkout run has closed, started by a payment event that arrived afterwards
 * (signal-with-start from a webhook, or the reconciliation schedule): it handles that event and ends.
 */
export interface ResumeInput extends OrderSettings {
  orderId: string;
  resume: true;
  /** Events found without a webhook (reconciliation); webhook events arrive as the start signal. */
  events: PaymentEvent[];
}

export type OrderWorkflowInput = CheckoutInput | ResumeInput;

export interface CheckoutView {
  orderId: string;
  orderNumber: string;
  status: OrderStatus;
  total: Money;
  paymentUrl: string;
}

export interface OrderState {
  status: OrderStatus;
  orderNumber?: string;
  total?: Money;
  paymentUrl?: string;
  heldReason?: string;
  /** Why checkout could not open; `kind` is set for business errors (see domain/errors.ts). */
  failure?: { code: string; message: string; kind?: string };
}

export interface CancelRequest {
  by: 'customer' | 'operator';
  reason?: string;
}

export interface ResolveRequest {
  action: 'fulfil' | 'refund';
  note?: string;
}

export const checkoutUpdate = defineUpdate<CheckoutView, [{ fingerprint: string }]>('checkout');
export const cancelUpdate = defineUpdate<OrderState, [CancelRequest]>('cancel');
export const resolveUpdate = defineUpdate<OrderState, [ResolveRequest]>('resolve');
export const paymentSignal = defineSignal<[PaymentEvent]>('payment');
/** A refund workflow settled a refund of this order: its status is now this. */
export const refundedSignal = defineSignal<[{ status: 'REFUNDED' | 'PARTIALLY_REFUNDED' }]>('refunded');
export const statusQuery = defineQuery<OrderState>('status');

/** What became of a refund the provider settles later, or an operator executes (bank transfer): for the workflow that waits on it. */
export interface RefundOutcomeNotice {
  refundId: string;
  status: 'succeeded' | 'failed';
  reason?: string;
  /** The attempt a provider's notice is about (absent: an operator's word, about whichever attempt is current). */
  attempt?: number;
}
export const refundOutcomeSignal = defineSignal<[RefundOutcomeNotice]>('refundOutcome');
/** An operator asks to try a failed refund again. */
export const retryRefundSignal = defineSignal<[{ refundId: string }]>('retryRefund');

export interface RefundWorkflowInput {
  orderId: string;
  /** Idempotency: the operator's Idempotency-Key, or the provider's refund or dispute. */
  key: string;
  source: RefundSource;
  reason: RefundReason;
  note?: string;
  amount?: number;
  packageIds?: string[];
  providerTotal?: number;
  fingerprint?: string;
}

export interface RefundView {
  refundId: string;
  seq: number;
  amount: Money;
  packageIds: string[];
  status: RefundStatus;
}

export interface RefundOutcome {
  refund: RefundView | null;
  orderStatus?: OrderStatus;
  refused?: { code: string; message: string; kind?: string; details?: unknown };
}

/** Answers once the refund is recorded (or refused): the operator learns at once whether it will happen. */
export const refundAcceptedUpdate = defineUpdate<RefundView | null, [{ fingerprint?: string }]>('accepted');

export interface ReconcileInput extends OrderSettings {
  /** PENDING orders older than this are checked with their provider. */
  olderThanMs: number;
  checkoutTtlMs: number;
  limit: number;
  /** Only these orders: a pass scoped to one caller's orders (each test file reconciles its own; the schedule passes none). */
  orderIds?: string[];
}

/** What the retention schedule redacts: raw webhook bodies and email recipients older than this. */
export interface RetentionInput {
  retentionDays: number;
}

/** A dispute the shop won: the money came back, so what the dispute revoked is restored. */
export interface DisputeWonInput {
  orderId: string;
  /** The dispute's refund key (`dispute:<id>`), which this reverses. */
  disputeKey: string;
  amount: Money;
}

export interface EmailResendInput {
  orderId: string;
}

export const ORDER_NUMBER = defineSearchAttributeKey('OrderNumber', SearchAttributeType.KEYWORD);
/** The buyer as a keyed hash of the email (src/auth/customerKeys.ts), never the address; the admin API computes it. */
export const CUSTOMER_EMAIL = defineSearchAttributeKey('CustomerEmail', SearchAttributeType.KEYWORD);
export const ORDER_STATUS = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);
/** Every search attribute the workflows set: registered by the dev server at start and by docker-compose's setup. */
export const SEARCH_ATTRIBUTES = [ORDER_NUMBER, CUSTOMER_EMAIL, ORDER_STATUS] as const;

/**
 * The one place a buyer becomes a search attribute: the API sets it on a checkout run, the worker computes it for a
 * resumed run. Its value is the customer key (src/auth/customerKeys.ts), computed outside workflow code, never the address.
 */
export const customerEmailAttribute = (customerKey: string) => ({ key: CUSTOMER_EMAIL, value: customerKey });

// Workflow ids: the only place each scheme is spelled. They carry ids and keys, never personal data.
const ORDER = 'order-';
const REFUND = 'refund-';
const EMAIL_RESEND = 'email-';
const DISPUTE_WON = 'dispute-won-';

/** One workflow per order (checkout, then resumed runs for late events). */
export const orderWorkflowId = (orderId: string) => `${ORDER}${orderId}`;
export const refundWorkflowId = (orderId: string, key: string) => `${REFUND}${orderId}-${key}`;
/** One per dispute won: restoring what it revoked happens once. */
export const disputeWonWorkflowId = (orderId: string, disputeKey: string) => `${DISPUTE_WON}${orderId}-${disputeKey}`;
/** Every resend is its own run: `nonce` makes the id fresh. */
export const emailResendWorkflowId = (orderId: string, nonce: string) => `${EMAIL_RESEND}${orderId}-${nonce}`;
/**
 * One setup-link workflow per email at a time: a burst of requests while one is sending joins it. Named by the
 * customer key (keyed hash); runs started before it was are named `setup-link-<email>` and simply end.
 */
export const setupLinkWorkflowId = (customerKey: string) => `setup-link-${customerKey}`;
/** A Temporal visibility query for every order workflow of one customer, by their customer key. */
export const customerWorkflowsQuery = (customerKey: string) => `CustomerEmail = "${customerKey}"`;
export const reconcileScheduleId = (taskQueue: string) => `reconcile-${taskQueue}`;
export const retentionScheduleId = (taskQueue: string) => `retention-${taskQueue}`;
/** A Temporal visibility query for every workflow of one order: its runs, refunds and resends. */
export const orderWorkflowsQuery = (orderId: string) => [ORDER, REFUND, EMAIL_RESEND, DISPUTE_WON].map((prefix) => `WorkflowId STARTS_WITH "${prefix}${orderId}"`).join(' OR ');
