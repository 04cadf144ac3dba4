// The webhook relay on real parts: two relays deliver each event once, a hanging hand-over holds up no other, the sweep finds what no
// NOTIFY announced, operators see what waits, and a worker process runs one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporal as proto } from '@temporalio/proto';
import { startWebhookRelay } from '../../src/api/webhookRelay.js';
import { apiDepsFrom, startHttpServer } from '../../src/api/server.js';
import { createSql, type Sql } from '../../src/db/client.js';
import { createLogger } from '../../src/log.js';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import { createPaymentProviders } from '../../src/payments/index.js';
import { orderWorkflowId, reconcileScheduleId, retentionScheduleId } from '../../src/workflows/definitions.js';
import { startWorkerProcess } from '../support/child.js';
import { openOrder, postSandbox, relayedOutcome, sandboxSucceeded, type TestOrder } from '../support/events.js';
import { admin, eventually, startHarness, waitForStatus, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  // No relay of the harness's own: each test runs the relays it is about.
  h = await startHarness({}, { relay: false });
});
afterAll(async () => h?.close());

/** A relay as another API process would run it: its own pool (and LISTEN connection) and its own metrics. */
async function relayProcess(settings: { sweepMs: number; batch?: number }) {
  const sql = createSql(h.config.databaseUrl!, { max: 3 });
  const metrics = createMetrics({ defaults: false });
  const deps = apiDepsFrom(h.config, { sql, temporal: h.temporal, payments: createPaymentProviders(h.config, sql), log: createLogger('silent'), metrics });
  const relay = await startWebhookRelay(deps, { retryMaxMs: 2000, ...settings });
  return { relay, metrics, sql, stop: async () => (await relay.stop(), await sql.end({ timeout: 5 })) };
}

/** Events this relay handed over (a retry is not a delivery). */
const deliveries = async (m: Metrics) => (await m.relayDeliveries.get()).values.filter((v) => v.labels.outcome !== 'retry').reduce((n, v) => n + v.value, 0);

/** Payment signals the order's workflow received, over every run it had (a repeat after it closed would start another). */
async function paymentSignals(orderId: string): Promise<number> {
  let signals = 0;
  for await (const run of h.temporal.workflow.list({ query: `WorkflowId = '${orderWorkflowId(orderId)}'` })) {
    const history = await h.temporal.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    signals += (history.events ?? []).filter((e) => e.eventType === proto.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED).length;
  }
  return signals;
}

describe('webhook relay', () => {
  it('two relays together hand each recorded event to its workflow exactly once', async () => {
    const orders: TestOrder[] = [];
    for (let i = 0; i < 6; i++) orders.push(await openOrder(h, ['chatbot-rag']));
    const events = orders.map((o) => sandboxSucceeded(o, o.total.amount));
    // Recorded while no relay runs, so both start on the same backlog and race for every row.
    for (const e of events) expect((await postSandbox(h, e)).body.outcome).toBe('queued');
    const relays = [await relayProcess({ sweepMs: 50, batch: 1 }), await relayProcess({ sweepMs: 50, batch: 1 })];
    try {
      for (const e of events) expect(await relayedOutcome(h, 'sandbox', e.id)).toBe('signalled');
      for (const o of orders) await waitForStatus(h, o.orderId, 'FULFILLED');
    } finally {
      await Promise.all(relays.map((r) => r.stop()));
    }
    // Every relay has finished its passes: what they delivered is all they will ever deliver.
    const perRelay = await Promise.all(relays.map((r) => deliveries(r.metrics)));
    expect(perRelay.reduce((a, b) => a + b, 0)).toBe(events.length);
    for (const o of orders) {
      await h.temporal.workflow.getHandle(orderWorkflowId(o.orderId)).result();
      expect(await eventually(() => paymentSignals(o.orderId), (n) => n >= 1, 'the payment signal')).toBe(1);
    }
  });

  it('delivers an event no NOTIFY announced, on its sweep', async () => {
    const o = await openOrder(h, ['chatbot-rag']);
    const r = await relayProcess({ sweepMs: 300 });
    try {
      // Due a second from now: the relay's first pass (at its start) finds it not yet due, and no NOTIFY announces it.
      const eventId = `evt_${crypto.randomUUID()}`;
      await insertWithoutNotify(h.sql, o, eventId);
      expect(await relayedOutcome(h, 'sandbox', eventId)).toBe('signalled');
      await waitForStatus(h, o.orderId, 'FULFILLED');
    } finally {
      await r.stop();
    }
  });

  it('hands the next event over while a hand-over hangs: a slow delivery holds up only its own pass', async () => {
    const [x, y] = [await openOrder(h, ['chatbot-rag']), await openOrder(h, ['chatbot-rag'])];
    // A refund notice's hand-over looks its refund up; while this transaction holds the table, that read waits.
    let release!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holding = h.sql.begin(async (tx) => {
      await tx`LOCK TABLE refunds IN ACCESS EXCLUSIVE MODE`;
      locked();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await isLocked;
    const stuckId = `evt_${crypto.randomUUID()}`;
    let r: Awaited<ReturnType<typeof relayProcess>> | undefined;
    try {
      await insertEvent(h.sql, x, stuckId, 'refund.updated', { refundUpdate: { providerRefundId: `re_${stuckId}`, status: 'failed', amount: x.total } });
      // One event per pass: the relay's first pass takes the notice (the oldest due) and hangs on it.
      r = await relayProcess({ sweepMs: 50, batch: 1 });
      await eventually(
        () => h.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'refunds'::regclass AND NOT granted`,
        (rows) => rows[0]!.n > 0,
        'the hand-over to wait on the table',
      );
      const event = sandboxSucceeded(y, y.total.amount);
      expect((await postSandbox(h, event)).body.outcome).toBe('queued');
      expect(await relayedOutcome(h, 'sandbox', event.id, 10_000)).toBe('signalled');
      const [stuck] = await h.sql<{ outcome: string | null }[]>`SELECT outcome FROM webhook_events WHERE provider = 'sandbox' AND event_id = ${stuckId}`;
      expect(stuck!.outcome).toBeNull();
    } finally {
      release();
      await holding;
    }
    try {
      // No refund of ours is waiting for it, and it says failed: nothing to hand over once it can look.
      expect(await relayedOutcome(h, 'sandbox', stuckId)).toBe('ignored');
    } finally {
      await r?.stop();
    }
  });

  it('shows operators the events still waiting and their age, in the admin API and the metrics', async () => {
    const o = await openOrder(h, ['chatbot-rag']);
    const event = sandboxSucceeded(o, o.total.amount);
    expect((await postSandbox(h, event)).body.outcome).toBe('queued');
    const waiting = await admin(h, 'GET', '/webhook-events?undelivered=true&limit=100');
    expect(waiting.status).toBe(200);
    const mine = waiting.body.events.find((e: { eventId: string }) => e.eventId === event.id);
    expect(mine).toMatchObject({ outcome: null, deliveredAt: null, undelivered: { attempts: 0, lastError: null, ageSeconds: expect.any(Number) } });
    expect(waiting.body.undelivered.count).toBeGreaterThanOrEqual(1);
    // Read a moment apart from the list: the oldest is at least about as old as this one.
    expect(waiting.body.undelivered.oldestAgeSeconds).toBeGreaterThanOrEqual(mine.undelivered.ageSeconds - 1);
    const scraped = await h.metrics.registry.getSingleMetricAsString('checkout_webhooks_undelivered');
    expect(Number(/checkout_webhooks_undelivered (\d+)/.exec(scraped)?.[1])).toBeGreaterThanOrEqual(1);

    const r = await relayProcess({ sweepMs: 1000 });
    try {
      expect(await relayedOutcome(h, 'sandbox', event.id)).toBe('signalled');
    } finally {
      await r.stop();
    }
    const done = (await admin(h, 'GET', `/orders/${o.orderId}`)).body.webhookEvents;
    expect(done).toMatchObject([{ eventId: event.id, outcome: 'signalled', deliveredAt: expect.any(String), undelivered: null }]);
    const after = await admin(h, 'GET', '/webhook-events?undelivered=true&limit=100');
    expect(after.body.events.map((e: { eventId: string }) => e.eventId)).not.toContain(event.id);
  });
});

describe('the webhook relay in a worker process', () => {
  it('hands over what an API process recorded, with no relay anywhere else', async () => {
    // A task queue of its own: only the worker process below serves it, so only its relay can claim the event.
    const taskQueue = `relay-worker-${crypto.randomUUID()}`;
    const config = { ...h.config, temporal: { ...h.config.temporal, taskQueue } };
    const http = await startHttpServer(apiDepsFrom(config, { sql: h.sql, temporal: h.temporal, payments: createPaymentProviders(config, h.sql), log: createLogger('silent'), metrics: createMetrics({ defaults: false }) }), '127.0.0.1', 0);
    const worker = startWorkerProcess(h, taskQueue);
    try {
      await worker.waitForLog('worker running', 1, 90_000);
      // The order runs on the harness's queue; the event names this queue, as the API that recorded it serves it.
      const o = await openOrder(h, ['chatbot-rag']);
      const event = sandboxSucceeded(o, o.total.amount);
      expect((await postSandbox({ ...h, baseUrl: `http://127.0.0.1:${http.port}` }, event)).body.outcome).toBe('queued');
      expect(await relayedOutcome(h, 'sandbox', event.id)).toBe('signalled');
      await waitForStatus(h, o.orderId, 'FULFILLED');
    } finally {
      await worker.stop('SIGTERM');
      await http.close();
      for (const id of [reconcileScheduleId(taskQueue), retentionScheduleId(taskQueue)]) await h.temporal.schedule.getHandle(id).delete().catch(() => undefined);
    }
  });
});

/**
 * An event row as the webhook route records it, due `dueInSeconds` from now. The trigger notifies the relays only of
 * rows due at once (0017_webhook_relay.sql): one due later is found by a relay's sweep alone (the retry path, and a
 * lost NOTIFY alike).
 */
async function insertEvent(sql: Sql, o: TestOrder, eventId: string, eventType: string, delivery: Record<string, unknown>, dueInSeconds = 0) {
  await sql`INSERT INTO webhook_events (provider, event_id, event_type, order_id, raw_body, delivery, task_queue, next_attempt_at)
            VALUES ('sandbox', ${eventId}, ${eventType}, ${o.orderId}, '{}', ${sql.json({ orderId: o.orderId, ...delivery })}, ${h.config.temporal.taskQueue},
                    now() + make_interval(secs => ${dueInSeconds}))`;
}

/** A payment recorded as a failed delivery leaves it, due a second from now: no NOTIFY announces it. */
async function insertWithoutNotify(sql: Sql, o: TestOrder, eventId: string) {
  const event = { provider: 'sandbox', eventId, kind: 'succeeded', orderId: o.orderId, sessionId: o.sessionId, paymentId: `pay_${eventId}`, amount: o.total };
  await insertEvent(sql, o, eventId, 'payment.succeeded', { event }, 1);
}
