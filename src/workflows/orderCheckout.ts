// Before payment: open the order and its payment session, wait for the buyer, and settle on the first decisive event.
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { CancellationScope, condition, isCancellation, patched, upsertSearchAttributes } from '@temporalio/workflow';
import { freePayment } from '../domain/freeOrders.js';
import { sameMoney } from '../domain/money.js';
import type { EmailKind, OrderStatus, PaymentEvent, Transition } from '../domain/orders.js';
import { CUSTOMER_EMAIL, ORDER_NUMBER, ORDER_STATUS, type CheckoutInput, type OrderState, type ResumeInput } from './definitions.js';
import { fulfil, hold } from './orderFulfil.js';
import { leanRun, receive, settlementMs, showDetails, showStatus, transition, type OrderRun } from './orderRun.js';
import { businessFailure, sendEmail } from './steps.js';

const UNAVAILABLE = { code: 'checkout_unavailable', message: 'The order could not be opened. Please try again.' };
const EXPIRED = { code: 'checkout_expired', message: 'The checkout could not be opened before it expired. Please start a new one.', kind: 'conflict' };
/** Runs that reach an outage with this patch keep trying until the TTL; older ones fail, as they did. */
export const KEEP_TRYING_PATCH = 'checkout-keeps-trying';
/** Between the run's own attempts after an outage: doubling from 5 s up to 5 min (a buyer's retry asks for one at once). */
const RETRY_FIRST_MS = 5_000;
const RETRY_MAX_MS = 5 * 60_000;

/** Creates the order and its payment session; false when checkout could not open (the update answers why). */
export async function openCheckout(run: OrderRun, checkout: CheckoutInput): Promise<boolean> {
  const openedAt = Date.now();
  try {
    await openOnce(run, checkout, openedAt);
    return true;
  } catch (err) {
    if (isCancellation(err)) throw err;
    // Only business errors reach the buyer as such; anything else is an outage.
    const refused = businessFailure(err);
    if (refused) return refuse(run, refused);
    if (patched(KEEP_TRYING_PATCH)) return keepTrying(run, checkout, openedAt);
    // Before the patch: the run failed, the order stayed PENDING, and a retry with the same key started a new run.
    run.state.failure = UNAVAILABLE;
    return false;
  }
}

/**
 * createOrder (once it has answered, never again) and the payment session, whose expiry is the checkout TTL from the
 * first attempt. In a lean run both are local activities, so the buyer's answer leaves in the run's first workflow task,
 * and the order number and a PROCESSING status are shown in one upsert. A run numbered at its start shows its number
 * already: only an order that got another number (the proposed one was taken) shows it again.
 */
async function openOnce(run: OrderRun, checkout: CheckoutInput, openedAt: number): Promise<void> {
  const { orderId, state } = run;
  const lean = leanRun(run);
  const acts = lean ? run.p.local.checkout : run.p.checkout;
  const numbered: SearchAttributeUpdatePair[] = [];
  if (state.orderNumber === undefined) {
    const order = await acts.createOrder(checkout);
    run.couponCode = order.couponCode ?? undefined;
    state.orderNumber = order.orderNumber;
    state.total = order.total;
    if (!run.numberedAtStart || order.orderNumber !== checkout.orderNumber) numbered.push({ key: ORDER_NUMBER, value: order.orderNumber });
    if (!lean) upsertSearchAttributes(numbered.splice(0));
  }
  const expiresAt = new Date(openedAt + checkout.checkoutTtlMs).toISOString();
  let session: { paymentUrl: string; status?: OrderStatus };
  try {
    session = await acts.createPaymentSession({ orderId, expiresAt, ...(checkout.customerIp ? { customerIp: checkout.customerIp } : {}) });
  } catch (err) {
    // The order exists even if its session does not yet: searching by its number must find it meanwhile.
    if (numbered.length > 0) upsertSearchAttributes(numbered);
    throw err;
  }
  // A provider that waits for money from the start (bank transfer): the buyer learns it in the checkout answer.
  if (session.status === 'PROCESSING') showStatus(run, 'PROCESSING', numbered);
  else if (numbered.length > 0) upsertSearchAttributes(numbered);
  state.paymentUrl = session.paymentUrl;
  showDetails(run);
}

/** A refused order (a business error) is FAILED for good. */
async function refuse(run: OrderRun, failure: NonNullable<OrderState['failure']>): Promise<false> {
  run.state.failure = failure;
  if (run.state.orderNumber) await closeWithoutPayment(run, 'FAILED', 'checkout_failed', { details: { ...failure } });
  else unnumber(run);
  return false;
}

/** A run numbered at its start that ends without an order: no order has that number, so a search must not find one. */
function unnumber(run: OrderRun): void {
  if (run.numberedAtStart) upsertSearchAttributes([{ key: ORDER_NUMBER, value: null }]);
}

/**
 * An outage while checkout opens: the buyer has heard 503, and the run stays open, trying again with backoff until the
 * checkout TTL. A retry with the same key reaches this run, asks for an attempt at once and gets the payment URL if it
 * succeeds. Past the TTL without a session the order (if it was created) is EXPIRED and the run completes: an outage
 * leaves neither a FAILED run nor a PENDING order.
 */
async function keepTrying(run: OrderRun, checkout: CheckoutInput, openedAt: number): Promise<boolean> {
  const { state } = run;
  const opening: NonNullable<OrderRun['opening']> = { attempts: 1, busy: false, now: false, waiting: true };
  run.opening = opening;
  state.failure = UNAVAILABLE;
  showDetails(run);
  run.checkoutEndsAt = openedAt + checkout.checkoutTtlMs;
  // A provider event (reconciliation's expiry, a payment) decides the order instead, once it exists.
  const decided = () => run.inbox.length > 0 && state.orderNumber !== undefined;
  try {
    for (let wait = RETRY_FIRST_MS; run.checkoutEndsAt > Date.now(); wait = Math.min(wait * 2, RETRY_MAX_MS)) {
      await condition(() => opening.now || decided(), Math.min(wait, run.checkoutEndsAt - Date.now()));
      if (decided()) return true;
      opening.now = false;
      opening.busy = true;
      try {
        await openOnce(run, checkout, openedAt);
        state.failure = undefined;
        return true;
      } catch (err) {
        if (isCancellation(err)) throw err;
        const refused = businessFailure(err);
        if (refused) return refuse(run, refused);
      } finally {
        opening.busy = false;
        opening.attempts++;
      }
    }
  } finally {
    // Retries waiting on an attempt hear the outcome now: the URL, a refusal, or (below) that the checkout expired.
    opening.waiting = false;
  }
  state.failure = EXPIRED;
  if (state.orderNumber) await closeUnpaid(run, 'EXPIRED', 'checkout_unavailable');
  else unnumber(run);
  return false;
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
  // After an outage the TTL counts from the first attempt (keepTrying set it), like the session's own expiry.
  run.checkoutEndsAt ??= Date.now() + checkout.checkoutTtlMs;
  return awaitCheckout(run);
}

/** Until the checkout timer: the first provider event or a cancel request decides (an approval, once captured). */
async function awaitCheckout(run: OrderRun): Promise<void> {
  const settled = await condition(() => run.inbox.length > 0 || run.cancelRequest !== undefined, Math.max(1, run.checkoutEndsAt! - Date.now()));
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
    case 'approved': {
      // The buyer approved at the provider (PayPal): taking the money is ours to do, once; its answer decides.
      const captured = await run.p.durable.capturePayment({ orderId: run.orderId });
      if (!captured && patched('capture-unapproved-waits')) return awaitAfterUnapproved(run);
      return settle(run, captured!);
    }
  }
}

/**
 * A return from PayPal before the buyer approved (or a forged one) captures nothing: no event at all. The order goes on
 * waiting as it was; a resumed run has nothing to decide and ends, leaving the order to reconciliation.
 */
async function awaitAfterUnapproved(run: OrderRun): Promise<void> {
  if (run.state.status === 'PROCESSING') return awaitSettlement(run);
  if (run.checkoutEndsAt !== undefined) return awaitCheckout(run);
}

/** A run for an order whose checkout run has closed: it starts from what the database knows. */
export async function resumeRun(run: OrderRun, input: ResumeInput): Promise<void> {
  for (const e of input.events) receive(run, e);
  const order = await run.p.durable.loadOrderState({ orderId: run.orderId });
  Object.assign(run.state, order.state);
  showDetails(run);
  run.paymentId = order.paymentId ?? undefined;
  run.provider = order.provider;
  run.couponCode = order.couponCode ?? undefined;
  // A resumed run starts without the checkout's attributes: it carries the buyer too, or searching by email misses it.
  const buyer = patched('resumed-run-customer-email') && order.customerEmail ? [{ key: CUSTOMER_EMAIL, value: order.customerEmail }] : [];
  upsertSearchAttributes([{ key: ORDER_STATUS, value: run.state.status }, { key: ORDER_NUMBER, value: run.state.orderNumber! }, ...buyer]);
}
