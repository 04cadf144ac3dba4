// Workflow-side building blocks shared by the order, refund and housekeeping workflows: activity proxies and common steps.
import { ActivityFailure, ApplicationFailure, condition, isCancellation, patched, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import { refundOutcomeSignal, retryRefundSignal, type RefundOutcomeNotice } from './definitions.js';
import type { Activities } from '../activities/index.js';
import type { RefundRecord } from '../activities/refunds.js';
import type { EmailKind, OrderStatus } from '../domain/orders.js';
import { sizedActivities, sizedLocalActivities } from './timeouts.js';

export type Acts = ReturnType<typeof proxyActivities<Activities>>;

export interface Proxies {
  /** The buyer waits on these: a few quick attempts, then a clear error instead of a hanging checkout. */
  checkout: Acts;
  /** Bookkeeping that must happen: retried until it works; business errors are non-retryable and surface. */
  durable: Acts;
  /** Fulfilment and compensation: retried for the configured budget, after which the order is compensated (or held). */
  budgeted: Acts;
  /** Email: retried for the budget too; a failure is recorded for operators, never a reason to take access away. */
  mail: Acts;
  /**
   * The same retries for short database steps, run as local activities in the workflow task that asks for them: a
   * marker in the history instead of three events and another workflow task. Only behind a patch (see orderRun.ts).
   */
  local: { checkout: Acts; durable: Acts };
  /** The fulfilment budget, for local steps that retry within it (see withinBudget). */
  budgetMs: number;
}

/** Each activity's own timeouts come from timeouts.ts; these say how hard each kind of step retries. */
export function activityProxies(budgetMs: number): Proxies {
  // Three tries within 10 s for each call: then the buyer hears 503, and the order's run keeps trying by itself.
  const checkout = { scheduleToCloseTimeout: '10s', retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 3 } };
  const durable = { retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' } };
  const budgeted = { scheduleToCloseTimeout: budgetMs, retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' } };
  return {
    checkout: sizedActivities(checkout),
    durable: sizedActivities(durable),
    budgeted: sizedActivities(budgeted),
    mail: sizedActivities({
      scheduleToCloseTimeout: budgetMs,
      retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5m' },
    }),
    // Backoffs past the SDK's local retry threshold (1 min) wait on a workflow timer, so an outage still costs no busy task.
    local: { checkout: sizedLocalActivities(checkout), durable: sizedLocalActivities(durable) },
    budgetMs,
  };
}

/**
 * A local step retried for the fulfilment budget, as `budgeted` retries a normal one: each attempt is a single try
 * bounded by what is left of the budget, and the backoff between attempts is a workflow timer. Not the SDK's own local
 * retries: once an attempt timed out, they went on past the schedule-to-close timeout (SDK 1.24), and an order whose
 * delivery is stuck must be compensated when its budget ends. Business errors and non-retryable failures end it at once.
 */
export async function withinBudget<T>(p: Proxies, step: (acts: Acts) => Promise<T>): Promise<T> {
  const giveUpAt = Date.now() + p.budgetMs;
  for (let wait = 1000; ; wait = Math.min(wait * 2, 5 * 60_000)) {
    try {
      return await step(sizedLocalActivities({ scheduleToCloseTimeout: Math.max(1, giveUpAt - Date.now()), retry: { maximumAttempts: 1 } }));
    } catch (err) {
      const failure = err instanceof ActivityFailure ? err.cause : err;
      if (isCancellation(err) || (failure instanceof ApplicationFailure && failure.nonRetryable) || Date.now() + wait >= giveUpAt) throw err;
      await sleep(wait);
    }
  }
}

/** A business error carried by an activity failure (it has a `kind`), or undefined for outages and timeouts. */
export function businessFailure(err: unknown): { code: string; message: string; kind: string; details?: unknown } | undefined {
  const failure = err instanceof ActivityFailure ? err.cause : err;
  if (!(failure instanceof ApplicationFailure) || !failure.type) return undefined;
  const detail = failure.details?.[0] as { kind?: string; details?: unknown } | undefined;
  return detail?.kind ? { code: failure.type, message: failure.message, kind: detail.kind, ...(detail.details === undefined ? {} : { details: detail.details }) } : undefined;
}

export function describeFailure(err: unknown): string {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}

/** Sends an order email; if it cannot be delivered, records that for operators and carries on. */
export async function sendEmail(p: Proxies, orderId: string, kind: EmailKind, ref?: string): Promise<boolean> {
  try {
    await p.mail.sendOrderEmail({ orderId, kind, ref });
    return true;
  } catch (err) {
    if (isCancellation(err)) throw err;
    await p.durable.recordEmailFailure({ orderId, kind, ref, error: describeFailure(err) });
    return false;
  }
}

/** Outcomes of refunds this run waits on, and operators' requests to retry failed ones; filled by signal handlers. */
export interface RefundInbox {
  outcomes: Map<string, RefundOutcomeNotice>;
  retries: Set<string>;
}

export function registerRefundHandlers(): RefundInbox {
  const inbox: RefundInbox = { outcomes: new Map(), retries: new Set() };
  setHandler(refundOutcomeSignal, (notice) => void inbox.outcomes.set(notice.refundId, notice), { description: 'A refund the provider settles later, or an operator executed, succeeded or failed' });
  setHandler(retryRefundSignal, ({ refundId }) => void inbox.retries.add(refundId), { description: 'An operator asks to try a failed refund again' });
  return inbox;
}

/** Patch ids of the refund steps' later behaviour: runs recorded before them replay as they ran. */
const FAILED_REFUND_SETTLES = 'failed-refund-settles';
const REVERSED_REFUND_ENDS = 'reversed-refund-ends';

function takeOutcome(inbox: RefundInbox, refundId: string): RefundOutcomeNotice {
  const notice = inbox.outcomes.get(refundId)!;
  inbox.outcomes.delete(refundId);
  return notice;
}

/**
 * Moves the money back and follows the provider's answer, not the call: a refund pending at the provider (or with an
 * operator, for a bank transfer) waits for its outcome; one the provider refused holds the order for an operator,
 * who can retry it, or confirm it was refunded outside the provider (a later success from the provider counts too).
 * Nothing here gives up: the money owed goes back, or an operator sees why it cannot. Ends with the refund's last
 * state: succeeded, or reversed (a dispute the shop won before its refund was through: nothing more to move).
 */
async function moveMoney(p: Proxies, acts: Acts, refund: RefundRecord, inbox: RefundInbox, waits: () => void): Promise<RefundRecord> {
  const { refundId, orderId } = refund;
  let current = await acts.refundAtProvider({ refundId });
  while (current.status !== 'succeeded') {
    if (current.status === 'reversed' && patched(REVERSED_REFUND_ENDS)) return current;
    if (current.status === 'failed') {
      await p.durable.transitionOrder({ orderId, to: 'HELD', cause: 'refund_failed', heldReason: 'refund_failed', details: { refundId, error: current.lastError } });
      const settles = patched(FAILED_REFUND_SETTLES);
      const settled = () => settles && inbox.outcomes.get(refundId)?.status === 'succeeded';
      waits();
      await condition(() => inbox.retries.has(refundId) || settled());
      if (settled()) {
        inbox.retries.delete(refundId);
        current = await acts.recordRefundOutcome(takeOutcome(inbox, refundId));
        continue;
      }
      inbox.retries.delete(refundId);
      // A notice about the refused attempt (a provider can report one failure twice) must not decide the next attempt.
      inbox.outcomes.delete(refundId);
      await acts.retryRefund({ refundId });
      current = await acts.refundAtProvider({ refundId });
      continue;
    }
    waits();
    await condition(() => inbox.outcomes.has(refundId));
    // The activity applies a notice only to the attempt it is about; one about an earlier attempt leaves this one pending.
    current = await acts.recordRefundOutcome(takeOutcome(inbox, refundId));
  }
  return current;
}

/**
 * After a refund is recorded: revoke its access, move the money, settle the order status, tell the customer.
 * Undefined when a dispute won reversed the refund meanwhile: its run restored the order, and nobody is owed an email.
 * `waits` is told each time the money waits on someone outside the run (the provider's later answer, an operator).
 */
export async function completeRefund(p: Proxies, acts: Acts, refund: RefundRecord, inbox: RefundInbox, waits: () => void = () => {}): Promise<OrderStatus | undefined> {
  await acts.revokeEnrollments({ orderId: refund.orderId, refundId: refund.refundId });
  const moved = await moveMoney(p, acts, refund, inbox, waits);
  if (moved.status === 'reversed') return undefined;
  const { status } = await acts.settleRefund({ refundId: refund.refundId });
  await sendEmail(p, refund.orderId, 'refund_issued', String(refund.seq));
  return status;
}
