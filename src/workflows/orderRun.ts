// The state of one order's run (status, inbox of provider events, operator requests) and the one way it changes status.
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { patched, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { OrderStatus, PaymentEvent, ProviderName, Transition } from '../domain/orders.js';
import { ORDER_STATUS, type CancelRequest, type OrderState, type OrderWorkflowInput, type ResolveRequest } from './definitions.js';
import { activityProxies, type Proxies, type RefundInbox } from './steps.js';
import { currentDetails } from './summaries.js';

export interface OrderRun {
  readonly input: OrderWorkflowInput;
  readonly orderId: string;
  readonly p: Proxies;
  /** What the status query answers. */
  readonly state: OrderState;
  readonly seenEvents: Set<string>;
  /** Provider events not yet acted on, in arrival order; the first decisive one settles checkout, later ones are late. */
  readonly inbox: PaymentEvent[];
  paymentId?: string;
  cancelRequest?: CancelRequest;
  /** When the checkout timer runs out (workflow time): from the first attempt to open checkout, or once it waits for payment. */
  checkoutEndsAt?: number;
  resolution?: ResolveRequest;
  /** The coupon whose use the order holds: given back if the order closes unpaid. */
  couponCode?: string;
  /** Who takes the money: from checkout, or, in a resumed run, from the database. */
  provider?: ProviderName;
  /** Refunds this run makes itself (compensation, late or refused payments) hear of their outcome here. */
  refunds?: RefundInbox;
  /** While an outage keeps checkout from opening: the run's attempts so far, and a buyer's retry asking for one now. */
  opening?: { attempts: number; busy: boolean; now: boolean; waiting: boolean };
  /** Set once a refund this run makes in full waits on someone outside it: a provider that answers later, an operator. */
  refundWaits?: boolean;
  /** Set when a refund workflow (provider refund, dispute, operator) settled this order meanwhile. */
  refundedTo?: 'REFUNDED' | 'PARTIALLY_REFUNDED';
  /** Started with its order number as a search attribute (NUMBERED_AT_START_PATCH): a lean run that need not show it again. */
  readonly numberedAtStart: boolean;
}

/**
 * Runs whose start carries the order number the API proposed (and set as their OrderNumber search attribute) from this
 * patch on: they are lean runs (LEAN_RUN_PATCH) without asking that patch, and upsert the number only when the order
 * got another one. Decided once, at the start; a run an earlier worker began records LEAN_RUN_PATCH instead, and
 * replays as it ran.
 */
export const NUMBERED_AT_START_PATCH = 'order-numbered-at-start';

export function newOrderRun(input: OrderWorkflowInput): OrderRun {
  setCurrentDetails('resume' in input ? 'loading the order' : 'opening checkout');
  return {
    numberedAtStart: !('resume' in input) && input.orderNumber !== undefined && patched(NUMBERED_AT_START_PATCH),
    input,
    orderId: input.orderId,
    p: activityProxies(input.fulfilmentRetryMs),
    state: { status: 'PENDING' },
    seenEvents: new Set(),
    inbox: [],
    provider: 'resume' in input ? undefined : input.provider,
  };
}

/** Runs started before settlement deadlines existed carry none: a week, like a bank transfer's default. */
const DEFAULT_SETTLEMENT_MS = 7 * 24 * 60 * 60 * 1000;

export function settlementMs(run: OrderRun): number {
  return (run.provider && run.input.settlementMs?.[run.provider]) || DEFAULT_SETTLEMENT_MS;
}

/** Providers deliver at least once: an event is taken once by id, and only for this order. */
export function receive(run: OrderRun, event: PaymentEvent): void {
  if (run.seenEvents.has(event.eventId) || event.orderId !== run.orderId) return;
  run.seenEvents.add(event.eventId);
  run.inbox.push(event);
}

/**
 * Runs from this patch (or NUMBERED_AT_START_PATCH) on take their short database steps (create the order, open its
 * session, transitions, delivery) as local activities, find the account and grant access in one call, and upsert search
 * attributes once per change: about half the history events per order. Runs recorded before replay as they ran.
 */
export const LEAN_RUN_PATCH = 'order-local-steps';

/** Whether this run takes the lean steps; a run numbered at its start does without asking LEAN_RUN_PATCH. */
export function leanRun(run: OrderRun): boolean {
  return run.numberedAtStart || patched(LEAN_RUN_PATCH);
}

export function showStatus(run: OrderRun, status: OrderStatus, alongside: SearchAttributeUpdatePair[] = []): void {
  run.state.status = status;
  upsertSearchAttributes([...alongside, { key: ORDER_STATUS, value: status }]);
  showDetails(run);
}

/** The line the Temporal UI shows for this run now; state only, so setting it issues no command and replays unchanged. */
export function showDetails(run: OrderRun): void {
  setCurrentDetails(currentDetails(run.state));
}

export async function transition(run: OrderRun, to: OrderStatus, cause: string, extra: Omit<Transition, 'to' | 'cause'> = {}): Promise<void> {
  // The database may say otherwise (a refund settled first): it is the truth the run reports.
  const acts = leanRun(run) ? run.p.local.durable : run.p.durable;
  const { status } = await acts.transitionOrder({ orderId: run.orderId, to, cause, ...extra });
  run.state.heldReason = status === 'HELD' ? extra.heldReason : undefined;
  showStatus(run, status);
}
