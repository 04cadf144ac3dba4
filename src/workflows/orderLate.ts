// After the order settled: events that arrive late, handled one by one until the inbox is empty and the run can close.
import { allHandlersFinished, condition, log } from '@temporalio/workflow';
import type { OrderStatus, PaymentEvent } from '../domain/orders.js';
import { closeUnpaid, settle } from './orderCheckout.js';
import { refundInFull } from './orderFulfil.js';
import type { OrderRun } from './orderRun.js';

const CLOSED_UNPAID: readonly OrderStatus[] = ['EXPIRED', 'CANCELLED', 'FAILED'];

/** A payment reaching a closed order is refunded (or, by policy, fulfilled); a second payment on a paid order is recorded. */
async function handleLate(run: OrderRun, event: PaymentEvent): Promise<void> {
  const { p, orderId, state, input } = run;
  // Only a resumed run sees PENDING (or PROCESSING) here: its checkout run ended on an outage, and this event decides the order.
  if (state.status === 'PENDING' || state.status === 'PROCESSING') return event.kind === 'expired' ? closeUnpaid(run, 'EXPIRED', `reconciled:${event.eventId}`) : settle(run, event);
  if (event.kind !== 'succeeded') return;
  if (!CLOSED_UNPAID.includes(state.status)) {
    if (event.paymentId && run.paymentId && event.paymentId !== run.paymentId) {
      log.warn('a second payment reached a paid order', { orderId, eventId: event.eventId });
      await p.durable.recordOrderEvent({ orderId, cause: 'unexpected_payment', details: { ...event } });
    }
    return;
  }
  if (!event.amount) return;
  await p.durable.recordOrderEvent({ orderId, cause: `late_payment:${input.latePaymentPolicy}`, details: { eventId: event.eventId, after: state.status } });
  if (input.latePaymentPolicy === 'fulfil') return settle(run, event);
  await p.durable.recordLatePayment({ orderId, eventId: event.eventId, paymentId: event.paymentId, amount: event.amount });
  await refundInFull(run, p.durable, 'late_payment');
}

/** Handles what arrived while the order was settling, until nothing is left; then the run can close. */
export async function drain(run: OrderRun): Promise<void> {
  for (;;) {
    await condition(allHandlersFinished);
    const next = run.inbox.shift();
    if (!next) return;
    await handleLate(run, next);
  }
}
