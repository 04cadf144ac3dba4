// Shared by the workflow suites: a local Temporal server per file, the bundle, recording activity fakes and an opener that works like the API.
import { WithStartWorkflowOperation } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { Activities } from '../../src/activities/index.js';
import { loadToolsConfig } from '../../src/config.js';
import { ApplicationFailure } from '@temporalio/common';
import { transitionVerdict, type OrderStatus, type PaymentEvent } from '../../src/domain/orders.js';
import { PRELOADED_WORKFLOW_MODULES, WORKFLOWS_PATH } from '../../src/wiring.js';
import { resolveTool, TEMPORAL_CLI } from '../../src/stack/tools.js';
import { checkoutUpdate, ORDER_NUMBER, orderWorkflowId, SEARCH_ATTRIBUTES, type CheckoutInput } from '../../src/workflows/definitions.js';
import type { orderWorkflow } from '../../src/workflows/order.js';

export let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;

/** Call once at the top of a test file: starts its Temporal server and bundles the workflows. */
export function useWorkflowEnv(): void {
  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const path = await resolveTool(TEMPORAL_CLI, loadToolsConfig());
    [env, bundle] = await Promise.all([
      TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path }, searchAttributes: [...SEARCH_ATTRIBUTES] } }),
      bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, preloadModules: PRELOADED_WORKFLOW_MODULES, logger: new DefaultLogger('WARN') }),
    ]);
  });
  afterAll(async () => env?.teardown());
}

export type Call = [name: string, input: Record<string, unknown>];

/**
 * What the fakes remember, as the database would: each order's status (moved only by the real transition table) and
 * its refunds by key. The workflow decides from these answers, so the fakes must not simply agree with it.
 */
export interface FakeDb {
  status: Map<string, OrderStatus>;
  /** Orders with money on record (a payment with a transition, or a late payment). */
  paid: Set<string>;
  refunds: Map<string, { refundId: string; orderId: string; seq: number; key: string }>;
}

/** A business error as an activity reports it (see activities/index.ts): non-retryable, its kind in the details. */
const refused = (message: string, code: string, kind: string, details?: unknown) => ApplicationFailure.nonRetryable(message, code, { kind, details });

export function fakes(overrides: Partial<Record<keyof Activities, (input: never) => Promise<unknown>>> = {}) {
  const calls: Call[] = [];
  const db: FakeDb = { status: new Map(), paid: new Set(), refunds: new Map() };
  const statusOf = (orderId: string) => db.status.get(orderId) ?? 'PENDING';
  const base: Record<keyof Activities, (input: never) => Promise<unknown>> = {
    createOrder: async (i: { orderId: string; orderNumber?: string }) => {
      db.status.set(i.orderId, statusOf(i.orderId));
      return { orderId: i.orderId, orderNumber: i.orderNumber ?? 'ORD-20260101-ABCD', status: statusOf(i.orderId), total: { amount: 6900, currency: 'PLN' }, items: [] };
    },
    createPaymentSession: async () => ({ sessionId: 'sess_1', paymentUrl: 'https://pay.example/sess_1' }),
    expirePaymentSession: async () => undefined,
    releaseCouponRedemption: async () => ({ released: true }),
    transitionOrder: async (i: { orderId: string; to: OrderStatus; payment?: unknown }) => {
      if (i.payment) db.paid.add(i.orderId);
      const from = statusOf(i.orderId);
      const verdict = transitionVerdict(from, i.to);
      if (verdict === 'illegal') throw refused(`Order ${i.orderId} cannot go from ${from} to ${i.to}.`, 'illegal_transition', 'conflict', { from, to: i.to });
      if (verdict === 'apply') db.status.set(i.orderId, i.to);
      return { changed: verdict === 'apply', status: statusOf(i.orderId) };
    },
    findOrCreateUser: async () => ({ userId: 'user_1', created: true }),
    // As the real one: nothing is granted once the order was refunded in full.
    grantEnrollments: async (i: { orderId: string }) => {
      const refundedInFull = statusOf(i.orderId) === 'REFUNDED';
      return { granted: refundedInFull ? [] : ['p1'], skipped: [], refundedInFull };
    },
    // As the real one: the two steps above (or a test's own versions of them) in one call; each is recorded too, after it.
    deliverOrder: async (i: { orderId: string }) => {
      const user = (await step('findOrCreateUser')({ orderId: i.orderId })) as { userId: string; created: boolean };
      return { ...user, ...((await step('grantEnrollments')({ orderId: i.orderId, userId: user.userId })) as object) };
    },
    sendOrderEmail: async () => ({ status: 'sent' }),
    recordEmailFailure: async () => undefined,
    recordOrderEvent: async () => undefined,
    recordLatePayment: async (i: { orderId: string }) => void db.paid.add(i.orderId),
    loadOrderState: async (i: { orderId: string }) => ({
      state: { status: statusOf(i.orderId), orderNumber: 'ORD-20260101-ABCD', total: { amount: 6900, currency: 'PLN' } },
      paymentId: null,
      provider: 'sandbox',
      customerEmail: 'a@example.com',
    }),
    findStalePendingOrders: async () => [],
    lastOrderEmail: async () => null,
    lookUpPayment: async () => null,
    recordRefundOutcome: async (i: { refundId: string; status: string }) => ({ refundId: i.refundId, status: i.status }),
    retryRefund: async (i: { refundId: string }) => ({ refundId: i.refundId, status: 'pending' }),
    reverseDispute: async () => ({ status: 'FULFILLED', restored: [] }),
    capturePayment: async (i: { orderId: string }) => ({ provider: 'paypal', eventId: `capture:${i.orderId}:succeeded`, kind: 'succeeded', orderId: i.orderId, paymentId: 'cap_1', amount: { amount: 6900, currency: 'PLN' } }),
    // As the real one: a key already used answers its refund again; an order without money on record has nothing to refund.
    reserveRefund: async (i: { orderId: string; key: string; source: string; reason: string }) => {
      if (!db.paid.has(i.orderId)) throw refused(`Order ${i.orderId} has no payment to refund.`, 'order_not_refundable', 'conflict');
      const known = db.refunds.get(`${i.orderId}/${i.key}`);
      const refund = known ?? { refundId: `refund_${db.refunds.size + 1}`, orderId: i.orderId, seq: db.refunds.size + 1, key: i.key };
      db.refunds.set(`${i.orderId}/${i.key}`, refund);
      return {
        ...refund, source: i.source, reason: i.reason,
        amount: { amount: 6900, currency: 'PLN' }, packageIds: ['p1'], status: 'pending', providerRefundId: null, createdAt: new Date(0).toISOString(),
      };
    },
    revokeEnrollments: async () => ({ revoked: ['P1'] }),
    refundAtProvider: async () => ({ status: 'succeeded' }),
    // Every fake refund is of the whole order.
    settleRefund: async (i: { refundId: string }) => {
      const refund = [...db.refunds.values()].find((r) => r.refundId === i.refundId);
      if (refund) db.status.set(refund.orderId, 'REFUNDED');
      return { status: 'REFUNDED' };
    },
    sendSetupLink: async () => ({ status: 'sent' }),
    redactExpiredData: async () => ({ webhookEvents: 0, emails: 0 }),
  };
  const step = (name: 'findOrCreateUser' | 'grantEnrollments') => activities[name] as (input: Record<string, unknown>) => Promise<unknown>;
  const activities = Object.fromEntries(
    Object.entries({ ...base, ...overrides }).map(([name, fn]) => [
      name,
      async (input: Record<string, unknown>) => {
        calls.push([name, input]);
        return fn(input as never);
      },
    ]),
  );
  return { activities, calls, db, names: () => calls.map(([n, i]) => (n === 'transitionOrder' ? `transitionOrder:${String(i.to)}` : n === 'sendOrderEmail' ? `sendOrderEmail:${String(i.kind)}` : n)) };
}

export function input(overrides: Partial<CheckoutInput> = {}): CheckoutInput {
  return {
    orderId: randomUUID(), email: 'a@example.com', name: 'A', locale: 'pl', provider: 'sandbox', packageIds: ['p1'], fingerprint: 'fp-1', orderNumber: 'ORD-20260101-ABCD',
    checkoutTtlMs: 60_000, fulfilmentRetryMs: 3_000, latePaymentPolicy: 'refund', ...overrides,
  };
}

export const paid = (orderId: string, amount = 6900, currency = 'PLN', eventId = `evt_${randomUUID()}`): PaymentEvent => ({ provider: 'sandbox', eventId, kind: 'succeeded', orderId, paymentId: 'pay_1', amount: { amount, currency } });

/** Opens the order exactly as the API does (update-with-start) and returns the checkout view and the handle. */
export async function open(taskQueue: string, args: CheckoutInput, fingerprint = args.fingerprint) {
  const start = new WithStartWorkflowOperation<typeof orderWorkflow>('orderWorkflow', {
    workflowId: orderWorkflowId(args.orderId),
    taskQueue,
    args: [args],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    // As the API does: the run starts with its order number searchable (runs started before had none).
    ...(args.orderNumber ? { typedSearchAttributes: [{ key: ORDER_NUMBER, value: args.orderNumber }] } : {}),
  });
  const view = await env.client.workflow.executeUpdateWithStart(checkoutUpdate, { args: [{ fingerprint }], startWorkflowOperation: start });
  return { view, handle: await start.workflowHandle() };
}

export async function withWorker<T>(activities: Record<string, unknown>, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `wf-${randomUUID()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities, stickyQueueScheduleToStartTimeout: '1s' });
  return worker.runUntil(fn(taskQueue));
}

