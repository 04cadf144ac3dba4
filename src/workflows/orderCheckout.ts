// Before payment: open the order and its payment session, wait for the buyer, and settle on the first decisive event.
import { CancellationScope, condition, isCancellation, patched, upsertSearchAttributes } from '@temporalio/workflow';
import { freePayment } from '../domain/freeOrders.js';
import { sameMoney } from '../domain/money.js';
import type { EmailKind, OrderStatus, PaymentEvent, Transition } from '../domain/orders.js';
import { ORDER_NUMBER, ORDER_STATUS, type CheckoutInput, type ResumeInput } from './definitions.js';
import { fulfil, hold } from './orderFulfil.js';
import { receive, settlementMs, showStatus, transition, type OrderRun } from './orderRun.js';
import { businessFailure, sendEmail } from './steps.js';

/** Creates the order and its payment session; false when checkout could not open (the update answers why). */
export async function openCheckout(run: OrderRun, checkout: CheckoutInput): Promise<boolean> {
  const { p, orderId, state } = run;
  try {
    const order = await p.checkout.createOrder(checkout);
    run.couponCode = order.couponCode ?? undefined;
    state.orderNumber = order.orderNumber;
    state.total = order.total;
    upsertSearchAttributes([{ key: ORDER_NUMBER, value: order.orderNumber }]);
    const expiresAt = new Date(Date.now() + checkout.checkoutTtlMs).toISOString();
    const session = await p.checkout.createPaymentSession({ orderId, expiresAt });
    // A provider that waits for money from the start (bank transfer): the buyer learns it in the checkout answer.
    if (session.status === 'PROCESSING') showStatus(run, 'PROCESSING');
    state.paymentUrl = session.paymentUrl;
    return true;
  } catch (err) {
    if (isCancellation(err)) throw err;
    // Only business errors reach the buyer as such; anything else is an outage.
    state.failure = businessFailure(err) ?? { code: 'checkout_unavailable', message: 'The order could not be opened. Please try again.' };
    // A refused order is FAILED for good; after an outage the order stays PENDING for a retry with the same key.
    if (state.failure.kind && state.orderNumber) await closeWithoutPayment(run, 'FAILED', 'checkout_failed', { details: { ...state.failure } });
    return false;
  }
}

/**
 * The order closes unpaid (expired, cancelled, failed): and the coupon use createOrder reserved goes back, as that
 * step's compensation. Runs recorded before coupons took no such step (patched), and orders without one need none.
 */
async function closeWithoutPayment(run: OrderRun, to: Extract<OrderStatus, 'EXPIRED' | 'CANCELLED' | 'FAILED'>, cause: string, extra: Omit<Transition, 'to' | 'cause'> = {}): Promise<void> {
  await transition(run, to, cause, extra);
  if (run.couponCode && run.state.status === to && patched('coupon-release')) await run.p.durable.releaseCouponRedemption({ orderId: run.orderId });
}

/** Waits for the first provider event or a cancel request, or the checkout TTL; a transfer waits for its money instead. */
export async function awaitPayment(run: OrderRun, checkout: CheckoutInput): Promise<void> {
  if (run.state.status === 'PROCESSING') {
    await sendEmail(run.p, run.orderId, 'bank_transfer_instructions');
    return awaitSettlement(run);
  }
  // Nothing to pay (a 100% coupon): paid at once, no provider involved; fulfilled like any other order.
  if (run.state.total?.amount === 0 && patched('free-order')) {
    const payment = freePayment(run.orderId, checkout.provider, run.state.total);
    run.seenEvents.add(payment.eventId);
    return settle(run, payment);
  }
  const settled = await condition(() => run.inbox.length > 0 || run.cancelRequest !== undefined, checkout.checkoutTtlMs);
  if (!settled) return closeUnpaid(run, 'EXPIRED', 'checkout_ttl');
  if (run.inbox.length > 0) return settle(run, run.inbox.shift()!);
  const { by, reason } = run.cancelRequest!;
  return closeUnpaid(run, 'CANCELLED', `cancelled_by_${by}`, reason ? { reason } : undefined);
}

/**
 * PROCESSING: the checkout timer no longer applies; the decisive event (or a capture, for an approval) settles the
 * order, and the provider's settlement deadline expires it. Repeats of `processing` before it are spent.
 */
async function awaitSettlement(run: OrderRun): Promise<void> {
  const decisive = (e: PaymentEvent) => e.kind !== 'processing';
  const arrived = await condition(() => run.inbox.some(decisive), settlementMs(run));
  if (!arrived) return closeUnpaid(run, 'EXPIRED', 'settlement_deadline', undefined, 'payment_expired');
  run.inbox.splice(0, run.inbox.findIndex(decisive));
  return settle(run, run.inbox.shift()!);
}

export async function closeUnpaid(
  run: OrderRun,
  to: 'EXPIRED' | 'CANCELLED',
  cause: string,
  details?: Record<string, unknown>,
  email: EmailKind = 'checkout_expired',
): Promise<void> {
  await run.p.durable.expirePaymentSession({ orderId: run.orderId });
  // The buyer may have paid just before the session closed: that payment settles the order, not the timer.
  const paidMeanwhile = run.inbox.findIndex((e) => e.kind === 'succeeded');
  if (paidMeanwhile >= 0) return settle(run, run.inbox.splice(paidMeanwhile, 1)[0]!);
  await closeWithoutPayment(run, to, cause, { details });
  if (to === 'EXPIRED') await sendEmail(run.p, run.orderId, email);
}

export async function settle(run: OrderRun, event: PaymentEvent): Promise<void> {
  switch (event.kind) {
    case 'expired':
      await closeWithoutPayment(run, 'EXPIRED', `provider_expired:${event.provider}`, { details: { eventId: event.eventId } });
      await sendEmail(run.p, run.orderId, 'checkout_expired');
      return;
    case 'failed':
      await closeWithoutPayment(run, 'FAILED', `payment_failed:${event.provider}`, { details: { eventId: event.eventId } });
      await sendEmail(run.p, run.orderId, 'payment_failed');
      return;
    case 'succeeded':
      // Money that does not match the order is never fulfilled: an operator decides.
      if (!event.amount || !sameMoney(event.amount, run.state.total!)) return hold(run, event);
      // Once paid, the order finishes (fulfilled, or compensated): cancelling the run must not strand it PAID.
      return CancellationScope.nonCancellable(() => fulfil(run, event));
    case 'processing':
      await transition(run, 'PROCESSING', `payment_processing:${event.provider}`, { details: { eventId: event.eventId } });
      return awaitSettlement(run);
    case 'approved':
      // The buyer approved at the provider (PayPal): taking the money is ours to do, once; its answer decides.
      return settle(run, await run.p.durable.capturePayment({ orderId: run.orderId }));
  }
}

/** A run for an order whose checkout run has closed: it starts from what the database knows. */
export async function resumeRun(run: OrderRun, input: ResumeInput): Promise<void> {
  for (const e of input.events) receive(run, e);
  const order = await run.p.durable.loadOrderState({ orderId: run.orderId });
  Object.assign(run.state, order.state);
  run.paymentId = order.paymentId ?? undefined;
  run.provider = order.provider;
  run.couponCode = order.couponCode ?? undefined;
  upsertSearchAttributes([
    { key: ORDER_STATUS, value: run.state.status },
    { key: ORDER_NUMBER, value: run.state.orderNumber! },
  ]);
}
