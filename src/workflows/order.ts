// orderWorkflow: one order from checkout to its single outcome, as short named steps.
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { sameMoney } from '../domain/money.js';
import type { OrderStatus, PaymentEvent } from '../domain/orders.js';
import { REASON_OF_SOURCE, type RefundSource } from '../domain/refunds.js';
import type { Transition } from '../db/orders.js';
import {
  cancelUpdate,
  checkoutUpdate,
  ORDER_NUMBER,
  ORDER_STATUS,
  paymentSignal,
  refundedSignal,
  resolveUpdate,
  statusQuery,
  type CancelRequest,
  type CheckoutInput,
  type CheckoutView,
  type OrderState,
  type OrderWorkflowInput,
  type ResolveRequest,
} from './definitions.js';
import { activityProxies, businessFailure, completeRefund, describeFailure, sendEmail, type Acts } from './steps.js';

/** Held for these reasons, an operator decides: deliver anyway, or give the money back. */
const RESOLVABLE = ['amount_mismatch'];
const CLOSED_UNPAID: readonly OrderStatus[] = ['EXPIRED', 'CANCELLED', 'FAILED'];

export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderState> {
  const { orderId } = input;
  const p = activityProxies(input.fulfilmentRetryMs);
  const state: OrderState = { status: 'PENDING' };
  const seenEvents = new Set<string>();
  // Provider events not yet acted on, in arrival order; the first decisive one settles checkout, later ones are late.
  const inbox: PaymentEvent[] = [];
  let paymentId: string | undefined;
  let cancelRequest: CancelRequest | undefined;
  let resolution: ResolveRequest | undefined;
  // Set when a refund workflow (provider refund, dispute, operator) settled this order meanwhile.
  let refundedTo: 'REFUNDED' | 'PARTIALLY_REFUNDED' | undefined;

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
        if ('resume' in input || fingerprint !== input.fingerprint) {
          throw ApplicationFailure.nonRetryable('This Idempotency-Key was already used for a different checkout request.', 'idempotency_key_reused');
        }
      },
    },
  );
  // Providers deliver at least once: repeats are ignored by event id.
  setHandler(paymentSignal, (event) => {
    if (seenEvents.has(event.eventId) || event.orderId !== orderId) return;
    seenEvents.add(event.eventId);
    inbox.push(event);
  });
  setHandler(refundedSignal, ({ status }) => {
    refundedTo = status;
    state.status = status;
    upsertSearchAttributes([{ key: ORDER_STATUS, value: status }]);
  });
  setHandler(
    cancelUpdate,
    async (request) => {
      cancelRequest ??= request;
      await condition(() => state.status !== 'PENDING');
      if (state.status !== 'CANCELLED') {
        throw refusal('order_not_cancellable', `The order was ${state.status} before it could be cancelled.`, 'conflict');
      }
      return { ...state };
    },
    {
      validator: (_request: CancelRequest) => {
        if (state.status !== 'PENDING' || !state.paymentUrl || inbox.length > 0) {
          throw refusal('order_not_cancellable', `An order in status ${state.status} cannot be cancelled; only an unpaid open order can.`, 'conflict');
        }
      },
    },
  );
  setHandler(
    resolveUpdate,
    async (request) => {
      resolution = request;
      // Answers with the outcome: fulfilled (or refunded, if fulfilment failed and was compensated), or refunded.
      await condition(() => state.status !== 'HELD' && state.status !== 'PAID');
      return { ...state };
    },
    {
      validator: (request) => {
        if (state.status !== 'HELD' || resolution) throw refusal('order_not_held', `Only a held order can be resolved; this one is ${state.status}.`, 'conflict');
        if (!RESOLVABLE.includes(state.heldReason ?? '')) {
          throw refusal('order_not_resolvable', `This order is held because ${state.heldReason}; it resolves itself once that clears.`, 'conflict');
        }
        if (request.action !== 'fulfil' && request.action !== 'refund') throw refusal('invalid_action', 'action must be fulfil or refund.', 'unprocessable');
      },
    },
  );

  async function transition(to: OrderStatus, cause: string, extra: Omit<Transition, 'to' | 'cause'> = {}) {
    // The database may say otherwise (a refund settled first): it is the truth the run reports.
    const { status } = await p.durable.transitionOrder({ orderId, to, cause, ...extra });
    state.status = status;
    state.heldReason = status === 'HELD' ? extra.heldReason : undefined;
    upsertSearchAttributes([{ key: ORDER_STATUS, value: status }]);
  }

  async function openCheckout(checkout: CheckoutInput): Promise<boolean> {
    try {
      const order = await p.checkout.createOrder(checkout);
      state.orderNumber = order.orderNumber;
      state.total = order.total;
      upsertSearchAttributes([{ key: ORDER_NUMBER, value: order.orderNumber }]);
      const expiresAt = new Date(Date.now() + checkout.checkoutTtlMs).toISOString();
      state.paymentUrl = (await p.checkout.createPaymentSession({ orderId, expiresAt })).paymentUrl;
      return true;
    } catch (err) {
      if (isCancellation(err)) throw err;
      // Only business errors reach the buyer as such; anything else is an outage.
      state.failure = businessFailure(err) ?? { code: 'checkout_unavailable', message: 'The order could not be opened. Please try again.' };
      // A refused order is FAILED for good; after an outage the order stays PENDING for a retry with the same key.
      if (state.failure.kind && state.orderNumber) await transition('FAILED', 'checkout_failed', { details: { ...state.failure } });
      return false;
    }
  }

  async function closeUnpaid(to: 'EXPIRED' | 'CANCELLED', cause: string, details?: Record<string, unknown>) {
    await p.durable.expirePaymentSession({ orderId });
    // The buyer may have paid just before the session closed: that payment settles the order, not the timer.
    const paidMeanwhile = inbox.findIndex((e) => e.kind === 'succeeded');
    if (paidMeanwhile >= 0) return settle(inbox.splice(paidMeanwhile, 1)[0]!);
    await transition(to, cause, { details });
    if (to === 'EXPIRED') await sendEmail(p, orderId, 'checkout_expired');
  }

  /** Refunds everything paid (compensation, a late payment, a held payment refused by an operator). */
  async function refundInFull(acts: Acts, source: RefundSource) {
    const refund = await acts.reserveRefund({ orderId, key: source, source, reason: REASON_OF_SOURCE[source as Exclude<RefundSource, 'operator'>] });
    if (refund) await completeRefund(p, acts, refund);
    state.status = 'REFUNDED';
    upsertSearchAttributes([{ key: ORDER_STATUS, value: 'REFUNDED' }]);
  }

  /**
   * Runs the registered undo steps, newest first. Cancelling the workflow cannot interrupt them. If they keep
   * failing for the whole budget the order turns HELD (visible to operators) and they go on retrying without limit.
   */
  async function compensate(undo: ((acts: Acts) => Promise<void>)[], err: unknown) {
    await CancellationScope.nonCancellable(async () => {
      await p.durable.recordOrderEvent({ orderId, cause: 'fulfilment_failed', details: { error: describeFailure(err) } });
      try {
        for (const step of undo) await step(p.budgeted);
      } catch (compensationError) {
        // Already refunded in full by the provider meanwhile: nothing to hold for, only the remaining undo steps to finish.
        if (refundedTo !== 'REFUNDED') {
          await transition('HELD', 'compensation_failed', { heldReason: 'compensation_failed', details: { error: describeFailure(compensationError) } });
        }
        for (const step of undo) await step(p.durable);
      }
    });
  }

  async function fulfil(payment: PaymentEvent) {
    paymentId = payment.paymentId;
    await transition('PAID', `payment:${payment.provider}`, { details: { eventId: payment.eventId }, payment: { paymentId: payment.paymentId, amount: payment.amount } });
    // Each side effect registers its undo before it runs; they are undone newest first.
    const undo: ((acts: Acts) => Promise<void>)[] = [(acts) => refundInFull(acts, 'compensation')];
    let created: boolean;
    try {
      const user = await p.budgeted.findOrCreateUser({ orderId });
      created = user.created;
      undo.unshift(async (acts) => void (await acts.revokeEnrollments({ orderId })));
      await p.budgeted.grantEnrollments({ orderId, userId: user.userId });
    } catch (err) {
      await compensate(undo, err);
      if (isCancellation(err)) throw err;
      return;
    }
    // An undeliverable email is recorded for operators; it never takes away what was paid for.
    if (refundedTo !== 'REFUNDED') await sendEmail(p, orderId, created ? 'welcome' : 'purchase_confirmation');
    await transition('FULFILLED', 'fulfilled');
  }

  async function hold(payment: PaymentEvent) {
    await transition('HELD', `payment:${payment.provider}`, {
      heldReason: 'amount_mismatch',
      details: { eventId: payment.eventId, expected: state.total, received: payment.amount ?? null },
      payment: { paymentId: payment.paymentId, amount: payment.amount },
    });
    paymentId = payment.paymentId;
    // A dispute or provider refund can settle a held order before anyone resolves it.
    await condition(() => resolution !== undefined || refundedTo !== undefined);
    if (!resolution) return;
    const { action, note } = resolution;
    await p.durable.recordOrderEvent({ orderId, cause: `resolved:${action}`, details: note ? { note } : undefined });
    if (action === 'fulfil') return fulfil(payment);
    await refundInFull(p.durable, 'held_payment');
  }

  async function settle(event: PaymentEvent) {
    switch (event.kind) {
      case 'expired':
        await transition('EXPIRED', `provider_expired:${event.provider}`, { details: { eventId: event.eventId } });
        await sendEmail(p, orderId, 'checkout_expired');
        return;
      case 'failed':
        await transition('FAILED', `payment_failed:${event.provider}`, { details: { eventId: event.eventId } });
        await sendEmail(p, orderId, 'payment_failed');
        return;
      case 'succeeded':
        // Money that does not match the order is never fulfilled: an operator decides.
        if (!event.amount || !sameMoney(event.amount, state.total!)) return hold(event);
        return fulfil(event);
    }
  }

  /** An event after the order settled: a payment reaching a closed order is refunded (or, by policy, fulfilled). */
  async function handleLate(event: PaymentEvent) {
    // Only a resumed run sees PENDING here: its checkout run ended on an outage, and this event decides the order.
    if (state.status === 'PENDING') return event.kind === 'expired' ? closeUnpaid('EXPIRED', `reconciled:${event.eventId}`) : settle(event);
    if (event.kind !== 'succeeded') return;
    if (!CLOSED_UNPAID.includes(state.status)) {
      if (event.paymentId && paymentId && event.paymentId !== paymentId) {
        log.warn('a second payment reached a paid order', { orderId, eventId: event.eventId });
        await p.durable.recordOrderEvent({ orderId, cause: 'unexpected_payment', details: { ...event } });
      }
      return;
    }
    if (!event.amount) return;
    await p.durable.recordOrderEvent({ orderId, cause: `late_payment:${input.latePaymentPolicy}`, details: { eventId: event.eventId, after: state.status } });
    if (input.latePaymentPolicy === 'fulfil') return settle(event);
    await p.durable.recordLatePayment({ orderId, eventId: event.eventId, paymentId: event.paymentId, amount: event.amount });
    await refundInFull(p.durable, 'late_payment');
  }

  /** Handles what arrived while the order was settling, until nothing is left; then the run can close. */
  async function drain() {
    for (;;) {
      await condition(allHandlersFinished);
      const next = inbox.shift();
      if (!next) return;
      await handleLate(next);
    }
  }

  if ('resume' in input) {
    for (const e of input.events) {
      if (seenEvents.has(e.eventId)) continue;
      seenEvents.add(e.eventId);
      inbox.push(e);
    }
    const order = await p.durable.loadOrderState({ orderId });
    Object.assign(state, order.state);
    paymentId = order.paymentId ?? undefined;
    upsertSearchAttributes([
      { key: ORDER_STATUS, value: state.status },
      { key: ORDER_NUMBER, value: state.orderNumber! },
    ]);
  } else if (await openCheckout(input)) {
    const settled = await condition(() => inbox.length > 0 || cancelRequest !== undefined, input.checkoutTtlMs);
    if (!settled) await closeUnpaid('EXPIRED', 'checkout_ttl');
    else if (inbox.length > 0) await settle(inbox.shift()!);
    else await closeUnpaid('CANCELLED', `cancelled_by_${cancelRequest!.by}`, cancelRequest!.reason ? { reason: cancelRequest!.reason } : undefined);
  }
  await drain();
  // Failing the run (rather than completing it) lets a retried checkout with the same key start afresh.
  if (state.failure && !state.failure.kind) throw ApplicationFailure.nonRetryable(state.failure.message, state.failure.code);
  return { ...state };
}

function refusal(code: string, message: string, kind: 'conflict' | 'unprocessable') {
  return ApplicationFailure.nonRetryable(message, code, { kind });
}
