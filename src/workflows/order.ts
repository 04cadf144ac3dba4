// orderWorkflow: one order from checkout to its single outcome, as short named steps.
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  isCancellation,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { sameMoney } from '../domain/money.js';
import type { OrderStatus, PaymentEvent } from '../domain/orders.js';
import type { Transition } from '../db/orders.js';
import { checkoutUpdate, ORDER_NUMBER, ORDER_STATUS, paymentSignal, statusQuery, type CheckoutView, type OrderState, type OrderWorkflowInput } from './definitions.js';

// The customer waits on these: a few quick attempts, then a clear error instead of a hanging checkout.
const checkout = proxyActivities<Activities>({
  startToCloseTimeout: '20s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 5 },
});
// After payment nothing may be dropped: retry until it works (business errors are non-retryable and surface).
const durable = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});
const mail = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5m' },
});

export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderState> {
  const { orderId } = input;
  const state: OrderState = { status: 'PENDING' };
  const seenEvents = new Set<string>();
  let payment: PaymentEvent | undefined;

  setHandler(statusQuery, () => ({ ...state }));
  setHandler(
    checkoutUpdate,
    async (): Promise<CheckoutView> => {
      await condition(() => state.paymentUrl !== undefined || state.failure !== undefined);
      if (state.failure) throw ApplicationFailure.nonRetryable(state.failure.message, state.failure.code, { kind: state.failure.kind });
      return { orderId, orderNumber: state.orderNumber!, status: state.status, total: state.total!, paymentUrl: state.paymentUrl! };
    },
    {
      validator: ({ fingerprint }) => {
        if (fingerprint !== input.fingerprint) {
          throw ApplicationFailure.nonRetryable('This Idempotency-Key was already used for a different checkout request.', 'idempotency_key_reused');
        }
      },
    },
  );
  // Providers deliver at least once: the first decisive event wins, repeats are ignored.
  setHandler(paymentSignal, (event) => {
    if (seenEvents.has(event.eventId) || event.orderId !== orderId) return;
    seenEvents.add(event.eventId);
    payment ??= event;
  });

  async function transition(to: OrderStatus, cause: string, extra: Omit<Transition, 'to' | 'cause'> = {}) {
    await durable.transitionOrder({ orderId, to, cause, ...extra });
    state.status = to;
    upsertSearchAttributes([{ key: ORDER_STATUS, value: to }]);
  }

  async function openCheckout(): Promise<boolean> {
    try {
      const order = await checkout.createOrder(input);
      state.orderNumber = order.orderNumber;
      state.total = order.total;
      upsertSearchAttributes([{ key: ORDER_NUMBER, value: order.orderNumber }]);
      const expiresAt = new Date(Date.now() + input.checkoutTtlMs).toISOString();
      state.paymentUrl = (await checkout.createPaymentSession({ orderId, expiresAt })).paymentUrl;
      return true;
    } catch (err) {
      if (isCancellation(err)) throw err;
      const failure = err instanceof ApplicationFailure ? err : (err as { cause?: unknown }).cause;
      const kind = failure instanceof ApplicationFailure ? (failure.details?.[0] as { kind?: string } | undefined)?.kind : undefined;
      // Only business errors (they carry a kind) reach the buyer as such; anything else is an outage.
      state.failure =
        failure instanceof ApplicationFailure && failure.type && kind
          ? { code: failure.type, message: failure.message, kind }
          : { code: 'checkout_unavailable', message: 'The order could not be opened. Please try again.' };
      // A refused order is FAILED for good; after an outage the order stays PENDING for a retry with the same key.
      if (state.failure.kind && state.orderNumber) await transition('FAILED', 'checkout_failed', { details: { ...state.failure } });
      return false;
    }
  }

  async function waitForPayment(): Promise<PaymentEvent | undefined> {
    const arrived = await condition(() => payment !== undefined, input.checkoutTtlMs);
    return arrived ? payment : undefined;
  }

  async function expire(cause: string) {
    await durable.expirePaymentSession({ orderId });
    // The buyer may have paid just before the session closed: that payment settles the order, not the timer.
    if (payment) return settle(payment);
    await transition('EXPIRED', cause);
  }

  async function fulfil(p: PaymentEvent) {
    await transition('PAID', `payment:${p.provider}`, { details: { eventId: p.eventId }, payment: { paymentId: p.paymentId, amount: p.amount } });
    const user = await durable.findOrCreateUser({ orderId });
    await durable.grantEnrollments({ orderId, userId: user.userId });
    await mail.sendOrderEmail({ orderId, kind: user.created ? 'welcome' : 'purchase_confirmation' });
    await transition('FULFILLED', 'fulfilled');
  }

  async function settle(p: PaymentEvent) {
    switch (p.kind) {
      case 'expired':
        return transition('EXPIRED', `provider_expired:${p.provider}`, { details: { eventId: p.eventId } });
      case 'failed':
        await transition('FAILED', `payment_failed:${p.provider}`, { details: { eventId: p.eventId } });
        return mail.sendOrderEmail({ orderId, kind: 'payment_failed' });
      case 'succeeded':
        // Money that does not match the order is never fulfilled: an operator decides.
        if (!p.amount || !sameMoney(p.amount, state.total!)) {
          state.heldReason = 'amount_mismatch';
          return transition('HELD', `payment:${p.provider}`, {
            heldReason: 'amount_mismatch',
            details: { eventId: p.eventId, expected: state.total, received: p.amount ?? null },
            payment: { paymentId: p.paymentId, amount: p.amount },
          });
        }
        return fulfil(p);
    }
  }

  if (await openCheckout()) {
    const p = await waitForPayment();
    await (p ? settle(p) : expire('checkout_ttl'));
  }
  await condition(allHandlersFinished);
  // Failing the run (rather than completing it) lets a retried checkout with the same key start afresh.
  if (state.failure && !state.failure.kind) throw ApplicationFailure.nonRetryable(state.failure.message, state.failure.code);
  return { ...state };
}
