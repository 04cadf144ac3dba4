// What an order's run answers from outside: the status query, the checkout, cancel and resolve updates, payment and refund signals.
import { ApplicationFailure, condition, patched, setHandler } from '@temporalio/workflow';
import { cancelUpdate, checkoutUpdate, paymentSignal, refundedSignal, resolveUpdate, statusQuery, type CancelRequest, type CheckoutView } from './definitions.js';
import { receive, showStatus, type OrderRun } from './orderRun.js';
import { registerRefundHandlers } from './steps.js';

/** Held for these reasons, an operator decides: deliver anyway, or give the money back. */
const RESOLVABLE = ['amount_mismatch'];
/**
 * Runs that take a refund resolution from this patch on answer once the refund waits on someone outside the run (a
 * bank transfer sent back by hand waits for the operator's confirm): before, the answer waited for the order to leave
 * HELD, which such a refund never did within the API's deadline, so the operator heard 503 for a refund under way.
 */
export const RESOLVE_ANSWERS_WAITING_REFUND_PATCH = 'resolve-answers-waiting-refund';

export function refusal(code: string, message: string, kind: 'conflict' | 'unprocessable') {
  return ApplicationFailure.nonRetryable(message, code, { kind });
}

export function registerOrderHandlers(run: OrderRun): void {
  const { state, input } = run;
  setHandler(statusQuery, () => ({ ...state }), { description: 'The order as this run sees it: status, number, total, payment URL, why it is held' });
  setHandler(
    checkoutUpdate,
    async (): Promise<CheckoutView> => {
      // A retry while an outage keeps checkout from opening asks the run to try now, and hears how that attempt went.
      const { opening } = run;
      if (opening?.waiting) {
        const seen = opening.attempts;
        if (!opening.busy) opening.now = true;
        await condition(() => opening.attempts > seen || !opening.waiting);
      }
      await condition(() => state.paymentUrl !== undefined || state.failure !== undefined);
      if (state.failure) throw ApplicationFailure.nonRetryable(state.failure.message, state.failure.code, { kind: state.failure.kind });
      return { orderId: run.orderId, orderNumber: state.orderNumber!, status: state.status, total: state.total!, paymentUrl: state.paymentUrl! };
    },
    {
      description: 'The buyer’s checkout (and its retries with the same Idempotency-Key): answers with the payment URL once the order is open',
      validator: ({ fingerprint }) => {
        if ('resume' in input || fingerprint !== input.fingerprint) {
          throw ApplicationFailure.nonRetryable('This Idempotency-Key was already used for a different checkout request.', 'idempotency_key_reused');
        }
      },
    },
  );
  setHandler(paymentSignal, (event) => receive(run, event), { description: 'A provider event (webhook, return page or reconciliation), taken once by id' });
  run.refunds = registerRefundHandlers();
  setHandler(
    refundedSignal,
    ({ status }) => {
      run.refundedTo = status;
      showStatus(run, status);
    },
    { description: 'A refund workflow settled a refund of this order' },
  );
  setHandler(
    cancelUpdate,
    async (request) => {
      run.cancelRequest ??= request;
      await condition(() => state.status !== 'PENDING');
      if (state.status !== 'CANCELLED') throw refusal('order_not_cancellable', `The order was ${state.status} before it could be cancelled.`, 'conflict');
      return { ...state };
    },
    {
      description: 'Cancel an unpaid open order (buyer or operator); answers once it is CANCELLED',
      validator: (_request: CancelRequest) => {
        if (state.status !== 'PENDING' || !state.paymentUrl || run.inbox.length > 0) {
          throw refusal('order_not_cancellable', `An order in status ${state.status} cannot be cancelled; only an unpaid open order can.`, 'conflict');
        }
      },
    },
  );
  setHandler(
    resolveUpdate,
    async (request) => {
      // A repeat of the decision (the operator's retry after a 503) hears the outcome of the first.
      run.resolution ??= request;
      const waitingRefund = request.action === 'refund' && patched(RESOLVE_ANSWERS_WAITING_REFUND_PATCH);
      // Answers with the outcome: fulfilled (or refunded, if fulfilment failed and was compensated), refunded, or still
      // HELD while the refund waits for the provider's answer or an operator's hand.
      await condition(() => (state.status !== 'HELD' && state.status !== 'PAID') || (waitingRefund && run.refundWaits === true));
      return { ...state };
    },
    {
      description: 'An operator decides a held order: fulfil it anyway, or refund it',
      validator: (request) => {
        if (run.resolution) {
          if (run.resolution.action === request.action) return;
          throw refusal('order_already_resolved', `This order was already resolved with ${run.resolution.action}.`, 'conflict');
        }
        if (state.status !== 'HELD') throw refusal('order_not_held', `Only a held order can be resolved; this one is ${state.status}.`, 'conflict');
        if (!RESOLVABLE.includes(state.heldReason ?? '')) {
          throw refusal('order_not_resolvable', `This order is held because ${state.heldReason}; it resolves itself once that clears.`, 'conflict');
        }
        if (request.action !== 'fulfil' && request.action !== 'refund') throw refusal('invalid_action', 'action must be fulfil or refund.', 'unprocessable');
      },
    },
  );
}
