// The bench's phases against the running stack: checkouts, signed webhooks, no-op orders, and what Temporal and PostgreSQL say after.
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { Sql } from '../src/db/client.js';
import { randomOrderNumber } from '../src/db/orders.js';
import type { OrderRequest } from '../src/domain/orders.js';
import { checkoutUpdate, ORDER_NUMBER, orderWorkflowId, paymentSignal, type CheckoutInput } from '../src/workflows/definitions.js';
import { NOOP_TOTAL } from './noopActivities.js';
import { describeError, type OpenLoopResult } from './openLoop.js';
import type { Payable } from './senders.js';
import { NOOP_TASK_QUEUE } from './stack.js';
import { commonest } from './stats.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A stage-setting fill as the report shows it: a failed call there is the product failing too, so its kinds count. */
export interface FillSummary {
  asked: number;
  done: number;
  errors: number;
  /** The commonest errors (count, text), as for a measured phase. */
  errorKinds: Array<[number, string]>;
}

/** Closed loop, for setting the stage only (never measured): `count` calls, `lanes` at a time, until the deadline. */
export async function fill<R>(count: number, lanes: number, deadline: number, task: (i: number) => Promise<R>): Promise<{ values: R[]; summary: FillSummary }> {
  const values: R[] = [];
  const errors: string[] = [];
  let next = 0;
  const lane = async () => {
    while (next < count && Date.now() < deadline) {
      const i = next++;
      try {
        values.push(await task(i));
      } catch (err) {
        errors.push(describeError(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, count) }, lane));
  return { values, summary: { asked: count, done: values.length, errors: errors.length, errorKinds: commonest(errors) } };
}

/** Sessions and totals of opened orders, as the provider knows them. */
export async function payableOrders(probe: Sql, orderIds: readonly string[]): Promise<Payable[]> {
  if (orderIds.length === 0) return [];
  const rows = await probe<{ id: string; provider_session_id: string | null; total_amount: number; currency: string }[]>`
    SELECT id, provider_session_id, total_amount, currency FROM orders WHERE id IN ${probe(orderIds)} AND status = 'PENDING' ORDER BY created_at`;
  return rows.filter((r) => r.provider_session_id).map((r) => ({ orderId: r.id, sessionId: r.provider_session_id!, total: { amount: r.total_amount, currency: r.currency.trim() } }));
}

/**
 * When each order had its payment: the relay's `delivered_at` on webhook_events where that column exists (the event
 * reached the workflow), otherwise the order's paid_at (the workflow recorded the payment). Epoch ms by order id.
 */
export async function deliveredAt(probe: Sql, orderIds: readonly string[]): Promise<{ source: string; at: Map<string, number> }> {
  const [relay] = await probe`SELECT 1 FROM information_schema.columns WHERE table_name = 'webhook_events' AND column_name = 'delivered_at'`;
  const rows = orderIds.length === 0 ? [] : relay
    ? await probe<{ id: string; at: Date | null }[]>`SELECT order_id AS id, min(delivered_at) AS at FROM webhook_events WHERE order_id IN ${probe(orderIds)} GROUP BY order_id`
    : await probe<{ id: string; at: Date | null }[]>`SELECT id, paid_at AS at FROM orders WHERE id IN ${probe(orderIds)}`;
  return { source: relay ? 'webhook_events.delivered_at' : 'orders.paid_at', at: new Map(rows.filter((r) => r.at).map((r) => [r.id, r.at!.getTime()])) };
}

/** Ack → delivery per acknowledged webhook; 0 when the payment reached the order before the ack (as a synchronous hand-over does). */
export function deliveryLags(acks: OpenLoopResult<{ orderId: string; ackedAt: number }>, delivered: Map<string, number>): number[] {
  return acks.samples.filter((s) => s.value).map((s) => {
    const at = delivered.get(s.value!.orderId);
    return at === undefined ? Infinity : Math.max(0, at - s.value!.ackedAt);
  });
}

/**
 * Waits until `expected` order workflows on the queue have completed since `startedAt` (epoch ms, the phase's first
 * send), or the timeout; throughput runs from `startedAt` to the last close, as visibility records it.
 */
export async function closedThroughput(temporal: Client, taskQueue: string, expected: number, startedAt: number, timeoutMs: number) {
  const query = `WorkflowType = "orderWorkflow" AND TaskQueue = "${taskQueue}" AND ExecutionStatus = "Completed" AND CloseTime >= "${new Date(startedAt).toISOString()}"`;
  const deadline = Date.now() + timeoutMs;
  while ((await temporal.workflow.count(query)).count < expected && Date.now() < deadline) await sleep(500);
  let orders = 0;
  let last = startedAt;
  for await (const w of temporal.workflow.list({ query })) {
    orders++;
    last = Math.max(last, w.closeTime?.getTime() ?? startedAt);
  }
  const seconds = (last - startedAt) / 1000;
  return { orders, seconds: Math.round(seconds * 100) / 100, perSecond: seconds > 0 ? Math.round((orders / seconds) * 10) / 10 : null, unfinished: Math.max(0, expected - orders) };
}

/** The no-op baseline's checkout: the API's update-with-start, on the no-op task queue. Returns the workflow id. */
export function noopCheckout(temporal: Client, settings: Omit<CheckoutInput, keyof OrderRequest>, tag: string, timeoutMs: number) {
  return async (i: number): Promise<string> => {
    const orderId = crypto.randomUUID();
    // Numbered at the start, as the API numbers its runs.
    const orderNumber = randomOrderNumber();
    const input: CheckoutInput = { orderId, email: `noop-${tag}-${i}@example.com`, name: 'Bench Buyer', locale: 'pl', provider: 'sandbox', packageIds: ['noop-package'], fingerprint: orderId, orderNumber, ...settings };
    const start = new WithStartWorkflowOperation('orderWorkflow', {
      workflowId: orderWorkflowId(orderId),
      taskQueue: NOOP_TASK_QUEUE,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [{ key: ORDER_NUMBER, value: orderNumber }],
    });
    // Bounded like a buyer's request: a no-op worker that cannot run the workflow must not hang the bench.
    await temporal.withAbortSignal(AbortSignal.timeout(timeoutMs), () => temporal.workflow.executeUpdateWithStart(checkoutUpdate, { args: [{ fingerprint: orderId }], startWorkflowOperation: start }));
    return orderId;
  };
}

/** The no-op baseline's payment: signal-with-start as the API's webhook delivery does, with the no-op order's total. */
export function noopPayment(temporal: Client, orderIds: readonly string[]) {
  return async (i: number): Promise<void> => {
    const orderId = orderIds[i]!;
    await temporal.workflow.signalWithStart('orderWorkflow', {
      workflowId: orderWorkflowId(orderId),
      taskQueue: NOOP_TASK_QUEUE,
      args: [{ orderId, resume: true, events: [], fulfilmentRetryMs: 60_000, latePaymentPolicy: 'refund' }],
      signal: paymentSignal,
      signalArgs: [{ provider: 'sandbox', eventId: `evt_noop_${orderId}`, kind: 'succeeded', orderId, sessionId: `noop_${orderId}`, paymentId: `pay_noop_${orderId}`, amount: NOOP_TOTAL }],
    });
  };
}

const EventType = proto.temporal.api.enums.v1.EventType;

/** Means over a few closed workflows' histories: events, workflow tasks, activities markers (local activities, patches), upserts, each event type. */
export async function historyShape(temporal: Client, workflowIds: readonly string[]) {
  const histories = await Promise.all(workflowIds.map(async (id) => (await temporal.workflow.getHandle(id).fetchHistory()).events ?? []));
  const counts = histories.map((events) => {
    const of = (type: number) => events.filter((e) => e.eventType === type).length;
    return [events.length, of(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED), of(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED), of(EventType.EVENT_TYPE_MARKER_RECORDED), of(EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES)];
  });
  const mean = (k: number) => (counts.length === 0 ? null : Math.round((counts.reduce((a, c) => a + c[k]!, 0) / counts.length) * 10) / 10);
  const types: Record<string, number> = {};
  for (const h of histories) for (const e of h) {
    const name = (EventType[e.eventType ?? 0] ?? String(e.eventType)).replace('EVENT_TYPE_', '');
    types[name] = (types[name] ?? 0) + 1;
  }
  const eventTypesPerOrder = Object.fromEntries(Object.entries(types).sort().map(([name, n]) => [name, Math.round((n / histories.length) * 10) / 10]));
  return { sampled: counts.length, eventsPerOrder: mean(0), workflowTasksPerOrder: mean(1), activitiesPerOrder: mean(2), markersPerOrder: mean(3), searchAttributeUpsertsPerOrder: mean(4), eventTypesPerOrder };
}
