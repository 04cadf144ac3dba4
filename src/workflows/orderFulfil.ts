// After payment: deliver (user, enrolment, email) with undo steps registered before each side effect, or hold, or refund in full.
import { CancellationScope, condition, isCancellation, workflowInfo } from '@temporalio/workflow';
import type { PaymentEvent } from '../domain/orders.js';
import { REASON_OF_SOURCE, type RefundSource } from '../domain/refunds.js';
import { leanRun, showStatus, transition, type OrderRun } from './orderRun.js';
import { completeRefund, describeFailure, sendEmail, withinBudget, type Acts } from './steps.js';

type Undo = (acts: Acts) => Promise<void>;

/** Refunds everything paid (compensation, a late payment, a held payment refused by an operator). */
export async function refundInFull(run: OrderRun, acts: Acts, source: RefundSource): Promise<void> {
  const { orderId } = run;
  const reason = REASON_OF_SOURCE[source as Exclude<RefundSource, 'operator'>];
  const refund = await acts.reserveRefund({ orderId, key: source, source, reason, workflowId: workflowInfo().workflowId });
  if (refund) await completeRefund(run.p, acts, refund, run.refunds!, () => void (run.refundWaits = true));
  showStatus(run, 'REFUNDED');
}

/**
 * Runs the registered undo steps, newest first. Cancelling the workflow cannot interrupt them. If they keep
 * failing for the whole budget the order turns HELD (visible to operators) and they go on retrying without limit.
 */
async function compensate(run: OrderRun, undo: Undo[], err: unknown): Promise<void> {
  const { p, orderId } = run;
  await CancellationScope.nonCancellable(async () => {
    await p.durable.recordOrderEvent({ orderId, cause: 'fulfilment_failed', details: { error: describeFailure(err) } });
    try {
      for (const step of undo) await step(p.budgeted);
    } catch (compensationError) {
      // Already refunded in full by the provider meanwhile: nothing to hold for, only the remaining undo steps to finish.
      if (run.refundedTo !== 'REFUNDED') {
        await transition(run, 'HELD', 'compensation_failed', { heldReason: 'compensation_failed', details: { error: describeFailure(compensationError) } });
      }
      for (const step of undo) await step(p.durable);
    }
  });
}

export async function fulfil(run: OrderRun, payment: PaymentEvent): Promise<void> {
  const { p, orderId } = run;
  run.paymentId = payment.paymentId;
  await transition(run, 'PAID', `payment:${payment.provider}`, { details: { eventId: payment.eventId }, payment: { paymentId: payment.paymentId, amount: payment.amount } });
  // Each side effect registers its undo before it runs; they are undone newest first.
  const undo: Undo[] = [(acts) => refundInFull(run, acts, 'compensation')];
  let created: boolean;
  // A provider refund or dispute can settle the order in full while it is being fulfilled: the database says so.
  let refundedMeanwhile = false;
  const revoke: Undo = async (acts) => void (await acts.revokeEnrollments({ orderId }));
  try {
    if (leanRun(run)) {
      // One call finds the account and grants access: its undo goes first, and revokes nothing if nothing was granted.
      undo.unshift(revoke);
      const delivered = await withinBudget(p, (acts) => acts.deliverOrder({ orderId }));
      created = delivered.created;
      refundedMeanwhile = delivered.refundedInFull === true;
    } else {
      const user = await p.budgeted.findOrCreateUser({ orderId });
      created = user.created;
      undo.unshift(revoke);
      refundedMeanwhile = (await p.budgeted.grantEnrollments({ orderId, userId: user.userId })).refundedInFull === true;
    }
  } catch (err) {
    await compensate(run, undo, err);
    if (isCancellation(err)) throw err;
    return;
  }
  // An undeliverable email is recorded for operators; it never takes away what was paid for.
  if (run.refundedTo !== 'REFUNDED' && !refundedMeanwhile) await sendEmail(p, orderId, created ? 'welcome' : 'purchase_confirmation');
  await transition(run, 'FULFILLED', 'fulfilled');
}

/** Money that does not match the order waits for an operator (or a dispute or provider refund that settles it). */
export async function hold(run: OrderRun, payment: PaymentEvent): Promise<void> {
  await transition(run, 'HELD', `payment:${payment.provider}`, {
    heldReason: 'amount_mismatch',
    details: { eventId: payment.eventId, expected: run.state.total, received: payment.amount ?? null },
    payment: { paymentId: payment.paymentId, amount: payment.amount },
  });
  run.paymentId = payment.paymentId;
  await condition(() => run.resolution !== undefined || run.refundedTo !== undefined);
  if (!run.resolution) return;
  const { action, note } = run.resolution;
  await run.p.durable.recordOrderEvent({ orderId: run.orderId, cause: `resolved:${action}`, details: note ? { note } : undefined });
  if (action === 'fulfil') return fulfil(run, payment);
  await refundInFull(run, run.p.durable, 'held_payment');
}
