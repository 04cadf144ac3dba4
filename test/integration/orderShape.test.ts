// What one order costs Temporal and PostgreSQL: history events and workflow tasks per fulfilled order, and per checkout.
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderWorkflowId } from '../../src/workflows/definitions.js';
import { checkout, finished, packageId, sandboxAction, startHarness, uniqueEmail, type Harness } from '../support/harness.js';

const EventType = temporal.api.enums.v1.EventType;

let h: Harness;
interface Statement {
  query: string;
  connection: number;
}
/** Every statement the harness's API and worker send, while `counting` is on; the worker's connections are numbered from 1000. */
const statements: Statement[] = [];
/** The worker's alone (its activities), while `countingWorker` is on. */
const workerStatements: string[] = [];
let counting = false;
let countingWorker = false;
beforeAll(async () => {
  // The relay sweeps every 20 ms here, so its claims always land among the checkout's statements and must be told apart.
  h = await startHarness(
    { WEBHOOK_RELAY_SWEEP_MS: '20' },
    {
      onQuery: (query, connection) => void (counting && statements.push({ query, connection })),
      onWorkerQuery: (query, connection) => {
        if (counting) statements.push({ query, connection: 1000 + connection });
        if (countingWorker) workerStatements.push(query);
      },
    },
  );
});
afterAll(async () => h?.close());

type Event = temporal.api.history.v1.IHistoryEvent;

async function historyOf(orderId: string): Promise<Event[]> {
  return (await h.temporal.workflow.getHandle(orderWorkflowId(orderId)).fetchHistory()).events ?? [];
}

function tally(events: Event[]) {
  const count = (type: temporal.api.enums.v1.EventType) => events.filter((e) => e.eventType === type).length;
  return {
    events: events.length,
    workflowTasks: count(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
    activities: count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
    markers: count(EventType.EVENT_TYPE_MARKER_RECORDED),
    upserts: count(EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES),
  };
}

/** The events up to the one that answered the buyer's checkout: what the buyer waited on. */
function untilCheckoutAnswered(events: Event[]): Event[] {
  const answered = events.findIndex((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED);
  expect(answered).toBeGreaterThan(0);
  return events.slice(0, answered + 1);
}

/**
 * The harness's webhook relay sweeps on the same pool: its claims (a transaction on one connection that reads
 * webhook_events) are no statements of the checkout's, so each is taken out whole, even one that began before the
 * count started or had not committed when it stopped. A connection is held by its transaction from begin to commit,
 * and the checkout's own transaction commits before the buyer is answered.
 */
function withoutRelay(all: Statement[]): string[] {
  const dropped = new Set<number>();
  /** Per connection, the statements since its last begin (or since the count started), and whether a begin was seen. */
  const runs = new Map<number, { began: boolean; at: number[] }>();
  const isRelay = (at: number[]) => at.some((j) => /webhook_events/.test(all[j]!.query));
  all.forEach(({ query, connection }, i) => {
    if (/^\s*begin\s*$/i.test(query)) return void runs.set(connection, { began: true, at: [i] });
    const run = runs.get(connection) ?? { began: false, at: [] };
    run.at.push(i);
    runs.set(connection, run);
    if (!/^\s*(commit|rollback)\s*$/i.test(query)) return;
    runs.delete(connection);
    // A commit with no begin in the count ends a transaction that began before it: not the checkout's.
    if (!run.began || isRelay(run.at)) run.at.forEach((j) => dropped.add(j));
  });
  for (const run of runs.values()) if (run.began || isRelay(run.at)) run.at.forEach((j) => dropped.add(j));
  // The request deadline's database probe (a request slower than 3.5 s on a loaded machine) is not checkout work either.
  return all.filter((s, i) => !dropped.has(i) && !/^\s*SELECT 1\s*$/i.test(s.query)).map((s) => s.query);
}

describe('the shape of one order', () => {
  it('checks out in one workflow task and fulfils in at most 30 history events', async () => {
    const packageIds = [await packageId(h.sql, 'chatbot-rag')];
    // Warm the pool and the catalog's plan cache outside the count: a first request prepares its statements.
    await checkout(h, { packageIds, email: uniqueEmail('warm') });

    statements.length = 0;
    counting = true;
    const res = await checkout(h, { packageIds, email: uniqueEmail('shape'), locale: 'en' });
    counting = false;
    expect(res.status).toBe(201);
    const checkoutStatements = withoutRelay(statements);

    const checkoutTally = tally(untilCheckoutAnswered(await historyOf(res.body.orderId)));
    countingWorker = true;
    await sandboxAction(res.body.paymentUrl, 'pay');
    await finished(h, orderWorkflowId(res.body.orderId));
    countingWorker = false;
    const orderTally = tally(await historyOf(res.body.orderId));
    const [order] = await h.sql<{ status: string }[]>`SELECT status FROM orders WHERE id = ${res.body.orderId}`;
    expect(order!.status).toBe('FULFILLED');

    console.info(JSON.stringify({ checkout: { ...checkoutTally, sqlStatements: checkoutStatements.length }, fulfilledOrder: orderTally }));
    // The buyer's answer leaves with the run's first workflow task: order and session are local activities.
    expect(checkoutTally.workflowTasks).toBe(1);
    expect(checkoutTally.activities).toBe(0);
    // Half the events of the shape before (58 events, 9 workflow tasks, 7 activities).
    expect(orderTally.events).toBeLessThanOrEqual(30);
    expect(orderTally.workflowTasks).toBeLessThanOrEqual(3);
    // The cart is priced once (by the API; createOrder takes its quote), and each step reads the order row once:
    // the API (both key schemes in one read), createOrder's idempotency check, the payment session.
    const listing = checkoutStatements.map((q) => q.replace(/\s+/g, ' ').trim().slice(0, 120)).join('\n');
    expect(checkoutStatements.filter((q) => /array_agg\(b\.child_id/.test(q)), listing).toHaveLength(1);
    expect(checkoutStatements.filter((q) => /FROM orders o\b/.test(q)), listing).toHaveLength(3);
    expect(checkoutStatements.length, listing).toBeLessThanOrEqual(14);
    // Fulfilment's database work, from the payment to FULFILLED: each transition is one statement (PAID, FULFILLED),
    // delivery two for the account and a locked grant (begin, lock, grant, commit), the email four (the order read
    // once, its row, the setup link, sent). It was 25 with transitions as locked read-then-write transactions.
    const fulfilment = workerStatements.map((q) => q.replace(/\s+/g, ' ').trim().slice(0, 120));
    expect(fulfilment.filter((q) => /^(begin|commit)$/i.test(q)), fulfilment.join('\n')).toHaveLength(2);
    expect(fulfilment.length, fulfilment.join('\n')).toBeLessThanOrEqual(12);
  });
});
