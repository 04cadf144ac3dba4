// Every paid order ends in one outcome, on real parts: compensation, undeliverable email, cancellation, refunds, held orders, admin API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiDepsFrom, startHttpServer } from '../../src/api/server.js';
import { createLogger } from '../../src/log.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createPaymentProviders } from '../../src/payments/index.js';
import { orderWorkflowId } from '../../src/workflows/definitions.js';
import { openOrder, postSandbox, postStripe, relayedOutcome, sandboxSucceeded, stripeEvent, stripeEventId, stripePaid, type TestOrder } from '../support/events.js';
import {
  activeEnrollments,
  admin,
  emailsTo,
  eventually,
  finished,
  packageId,
  workflowIds,
  postJson,
  reconcile,
  recordHistory,
  sandboxAction,
  setRejected,
  startHarness,
  uiLines,
  uniqueEmail,
  waitForStatus,
  type Harness,
} from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

async function buy(slugs: string[], email?: string): Promise<TestOrder> {
  const o = await openOrder(h, slugs, { email });
  await sandboxAction(o.paymentUrl, 'pay');
  return o;
}

const sandboxRefunds = (o: TestOrder) => h.sql<{ idempotency_key: string; amount: number }[]>`SELECT idempotency_key, amount FROM sandbox_refunds WHERE session_id = ${o.sessionId} ORDER BY created_at`;
const refundKey = () => `refund-${crypto.randomUUID()}`;
const refund = (o: TestOrder, body: Record<string, unknown>, key = refundKey()) => admin(h, 'POST', `/orders/${o.orderId}/refunds`, body, { authorization: `Bearer ${adminToken()}`, 'idempotency-key': key });
const adminToken = () => h.config.adminToken!;
const subjects = async (email: string) => (await emailsTo(h, email)).map((m) => m.subject);

describe('compensation after payment', () => {
  it('refunds at the provider and grants nothing when the buyer’s account cannot take the order', async () => {
    const email = uniqueEmail('disabled');
    await h.sql`INSERT INTO users (email, name, disabled_at) VALUES (${email}, 'Closed', now())`;
    const o = await buy(['chatbot-rag'], email);
    await waitForStatus(h, o.orderId, 'REFUNDED');
    expect(await activeEnrollments(h.sql, email)).toEqual([]);
    expect(await sandboxRefunds(o)).toEqual([{ idempotency_key: `refund:${o.orderId}:1`, amount: 14900 }]);
    const causes = (await h.sql`SELECT cause FROM order_events WHERE order_id = ${o.orderId} ORDER BY id`).map((e) => e.cause);
    expect(causes).toEqual(['checkout', 'payment:sandbox', 'fulfilment_failed', 'refund_requested:compensation', 'refund:compensation']);
    await eventually(() => subjects(email), (s) => s.some((x) => x.startsWith('Refund for order')), 'the refund email');
    await recordHistory(h, orderWorkflowId(o.orderId), 'compensation-user-creation');
  });

  describe('with a short fulfilment budget', () => {
    // Only this test needs fulfilment to give up quickly: its own worker gets 4 s.
    let short: Harness;
    beforeAll(async () => {
      short = await startHarness({ FULFILMENT_RETRY_SECONDS: '4' });
    });
    afterAll(async () => short?.close());

  it('compensates an enrolment that outlives its retry budget, holding the order while compensation is blocked too', async () => {
    const h = short;
    const email = uniqueEmail('locked');
    const slug = `lock-probe-${crypto.randomUUID().slice(0, 8)}`;
    const [pkg] = await h.sql`INSERT INTO packages (slug, title, category, price_amount, currency) VALUES (${slug}, 'Lock probe', 'test', 1000, 'PLN') RETURNING id`;
    const o = await openOrder(h, [slug], { email });
    const lock = await h.sql.reserve();
    await lock`BEGIN`;
    // Another session holds the package's row (a stuck catalog edit, say): enrolling in it waits, and the refund queues behind.
    await lock`SELECT 1 FROM packages WHERE id = ${pkg!.id} FOR UPDATE`;
    try {
      await sandboxAction(o.paymentUrl, 'pay');
      await waitForStatus(h, o.orderId, 'HELD', 30_000);
      const [row] = await h.sql`SELECT held_reason FROM orders WHERE id = ${o.orderId}`;
      expect(row!.held_reason).toBe('compensation_failed');
      // The compensation is still retrying behind the lock: its history, recorded open, ends mid-retry.
      await recordHistory(h, orderWorkflowId(o.orderId), 'open-compensation-retrying', { open: true });
    } finally {
      await lock`ROLLBACK`;
      lock.release();
    }
    await waitForStatus(h, o.orderId, 'REFUNDED', 60_000);
    expect(await activeEnrollments(h.sql, email)).toEqual([]);
    expect(await sandboxRefunds(o)).toHaveLength(1);
    await recordHistory(h, orderWorkflowId(o.orderId), 'compensation-enrolment-budget');
  }, 90_000);
  });
});

describe('email that cannot be delivered', () => {
  it('keeps the order FULFILLED, records the failure for operators, and a resend delivers it', async () => {
    const email = uniqueEmail('bounce');
    await setRejected(h, email, true);
    const o = await buy(['biuro-autopilot'], email);
    await waitForStatus(h, o.orderId, 'FULFILLED');
    expect(await activeEnrollments(h.sql, email)).toEqual(['biuro-autopilot']);
    const detail = await admin(h, 'GET', `/orders/${o.orderId}`);
    expect(detail.body.emails).toMatchObject([{ kind: 'welcome', status: 'failed', lastError: expect.stringContaining('550') }]);
    expect(detail.body.timeline.map((e: { cause: string }) => e.cause)).toContain('email_failed');

    await setRejected(h, email, false);
    const resent = await admin(h, 'POST', `/orders/${o.orderId}/emails/resend`);
    expect(resent).toEqual({ status: 200, body: { resent: { kind: 'welcome', ref: '' } } });
    expect(await subjects(email)).toHaveLength(1);
    expect((await admin(h, 'GET', `/orders/${o.orderId}`)).body.emails).toMatchObject([{ kind: 'welcome', status: 'sent', lastError: null }]);
    await recordHistory(h, orderWorkflowId(o.orderId), 'email-rejected');
    // The resend's id carries a fresh nonce the API does not answer with: visibility finds it (eventually consistent).
    const query = `WorkflowId STARTS_WITH "email-${o.orderId}-"`;
    const [resend] = await eventually(() => workflowIds(h, query), (ids) => ids.length === 1, 'the resend workflow in visibility');
    expect(await uiLines(h, resend!)).toEqual({ summary: expect.stringMatching(new RegExp(`^${o.orderNumber}: operator resends the newest email \\(`)), currentDetails: 'resent: welcome' });
    await recordHistory(h, resend!, 'email-resend');
  });
});

describe('cancellation', () => {
  it('cancels an unpaid order: the session closes and the order is CANCELLED; cancelling again is refused', async () => {
    const o = await openOrder(h, ['content-creator']);
    const res = await postJson(`${h.baseUrl}/api/v1/orders/${o.orderId}/cancel`, {});
    expect(res).toEqual({ status: 200, body: { orderId: o.orderId, orderNumber: o.orderNumber, status: 'CANCELLED' } });
    const [session] = await h.sql`SELECT status FROM sandbox_sessions WHERE id = ${o.sessionId}`;
    expect(session!.status).toBe('expired');
    const again = await postJson(`${h.baseUrl}/api/v1/orders/${o.orderId}/cancel`, {});
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('order_not_cancellable');
    await recordHistory(h, orderWorkflowId(o.orderId), 'cancelled');
  });

  it('answers 503 once its deadline passes when no worker can carry the cancel out, leaving the order as it was', async () => {
    const o = await openOrder(h, ['content-creator']);
    // The order's run moves to a task queue no worker polls: its updates wait for a worker that never comes.
    const workflowId = orderWorkflowId(o.orderId);
    await h.temporal.workflow.getHandle(workflowId).terminate('test: the order moves to a queue no worker serves');
    const stranded = await h.temporal.workflow.start('orderWorkflow', { workflowId, taskQueue: `nobody-${crypto.randomUUID()}`, args: [{}] });
    const deps = { ...apiDepsFrom(h.config, { sql: h.sql, temporal: h.temporal, payments: createPaymentProviders(h.config, h.sql), log: createLogger('silent'), metrics: createMetrics({ defaults: false }) }), updateDeadlineMs: 1000 };
    const http = await startHttpServer(deps, '127.0.0.1', 0);
    try {
      const res = await postJson(`http://127.0.0.1:${http.port}/api/v1/orders/${o.orderId}/cancel`, {});
      expect(res.status, JSON.stringify(res.body)).toBe(503);
      expect(res.body.error.code).toBe('order_busy');
      const [order] = await h.sql<{ status: string }[]>`SELECT status FROM orders WHERE id = ${o.orderId}`;
      expect(order!.status).toBe('PENDING');
    } finally {
      await http.close();
      await stranded.terminate('test over');
    }
  });

  it('refuses to cancel a paid order, and answers 404 for an unknown one', async () => {
    const o = await buy(['chatbot-rag']);
    await waitForStatus(h, o.orderId, 'FULFILLED');
    expect((await postJson(`${h.baseUrl}/api/v1/orders/${o.orderId}/cancel`, {})).status).toBe(409);
    expect((await postJson(`${h.baseUrl}/api/v1/orders/${crypto.randomUUID()}/cancel`, {})).status).toBe(404);
  });

  it('refunds a payment that arrives after the order was cancelled, and tells the customer', async () => {
    const o = await openOrder(h, ['sales-automation']);
    expect((await admin(h, 'POST', `/orders/${o.orderId}/cancel`, { reason: 'customer called' })).body.status).toBe('CANCELLED');
    expect((await postSandbox(h, sandboxSucceeded(o, o.total.amount))).body.outcome).toBe('queued');
    await waitForStatus(h, o.orderId, 'REFUNDED');
    expect(await sandboxRefunds(o)).toEqual([{ idempotency_key: `refund:${o.orderId}:1`, amount: o.total.amount }]);
    expect(await activeEnrollments(h.sql, o.email)).toEqual([]);
    await eventually(() => subjects(o.email), (s) => s.some((x) => x.startsWith('Refund for order')), 'the refund email');
    await recordHistory(h, orderWorkflowId(o.orderId), 'late-payment-after-cancel');
  });
});

describe('refunds', () => {
  it('refunds one child of a bundle: only that access goes, the order is PARTIALLY_REFUNDED', async () => {
    const o = await buy(['marketing-ai-bundle']);
    await waitForStatus(h, o.orderId, 'FULFILLED');
    expect(await activeEnrollments(h.sql, o.email)).toEqual(['content-creator', 'social-media']);
    const child = await packageId(h.sql, 'social-media');
    const missingAmount = await refund(o, { packageIds: [child], reason: 'did not use it' });
    expect(missingAmount.status).toBe(422);
    expect(missingAmount.body.error.code).toBe('amount_required');

    const res = await refund(o, { packageIds: [child], amount: 30000, reason: 'did not use it' });
    expect(res.status).toBe(202);
    expect(res.body.refund).toMatchObject({ seq: 1, amount: { amount: 30000, currency: 'PLN' }, packageIds: [child] });
    expect(res.body.workflowUrl).toContain(encodeURIComponent(res.body.workflowId));
    await waitForStatus(h, o.orderId, 'PARTIALLY_REFUNDED');
    await eventually(() => activeEnrollments(h.sql, o.email), (a) => a.length === 1, 'the revocation');
    expect(await activeEnrollments(h.sql, o.email)).toEqual(['content-creator']);
    await eventually(() => subjects(o.email), (s) => s.some((x) => x.startsWith('Partial refund')), 'the partial refund email');
    await recordHistory(h, res.body.workflowId, 'refund-bundle-child');
  });

  it('refunds once for the same request sent twice, and refuses a reused key with another request', async () => {
    const o = await buy(['biuro-autopilot']);
    await waitForStatus(h, o.orderId, 'FULFILLED');
    const key = refundKey();
    const first = await refund(o, { reason: 'duplicate purchase' }, key);
    const second = await refund(o, { reason: 'duplicate purchase' }, key);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.refund.refundId).toBe(first.body.refund.refundId);
    await waitForStatus(h, o.orderId, 'REFUNDED');
    expect(await h.sql`SELECT 1 FROM refunds WHERE order_id = ${o.orderId}`).toHaveLength(1);
    expect(await sandboxRefunds(o)).toHaveLength(1);
    const reused = await refund(o, { reason: 'something else' }, key);
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
    await recordHistory(h, first.body.workflowId, 'refund-full');
  });

  it('refuses a refund above what was paid, and one before payment, changing nothing', async () => {
    const o = await buy(['chatbot-rag']);
    await waitForStatus(h, o.orderId, 'FULFILLED');
    const above = await refund(o, { amount: o.total.amount + 1, reason: 'too much' });
    expect(above.status).toBe(422);
    expect(above.body.error).toMatchObject({ code: 'refund_exceeds_paid', details: { remaining: o.total.amount } });
    expect((await refund(o, { amount: 4900, reason: 'goodwill' })).status).toBe(202);
    const beyond = await refund(o, { amount: o.total.amount - 4900 + 1, reason: 'the rest and more' });
    expect(beyond.status).toBe(422);
    await waitForStatus(h, o.orderId, 'PARTIALLY_REFUNDED');
    expect(await activeEnrollments(h.sql, o.email)).toEqual(['chatbot-rag']);

    const unpaid = await openOrder(h, ['chatbot-rag']);
    const early = await refund(unpaid, { reason: 'not paid yet' });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('order_not_refundable');
    expect(await h.sql`SELECT 1 FROM refunds WHERE order_id = ${unpaid.orderId}`).toHaveLength(0);
  });
});

describe('held orders', () => {
  it.each(['fulfil', 'refund'] as const)('resolves a payment of the wrong amount with %s', async (action) => {
    const o = await openOrder(h, ['social-media']);
    await postSandbox(h, sandboxSucceeded(o, 100));
    await waitForStatus(h, o.orderId, 'HELD');
    // A run waiting for an operator, recorded as it waits: a release must replay runs that were open when it shipped.
    if (action === 'fulfil') await recordHistory(h, orderWorkflowId(o.orderId), 'open-held-waiting-resolve', { open: true });
    expect(await activeEnrollments(h.sql, o.email)).toEqual([]);
    // A held order is resolved, not refunded or cancelled directly.
    expect((await refund(o, { reason: 'x' })).body.error.code).toBe('order_held');
    expect((await admin(h, 'POST', `/orders/${o.orderId}/cancel`, {})).status).toBe(409);

    const res = await admin(h, 'POST', `/orders/${o.orderId}/resolve`, { action, note: 'checked with the customer' });
    expect(res).toEqual({ status: 200, body: { orderId: o.orderId, status: action === 'fulfil' ? 'FULFILLED' : 'REFUNDED' } });
    expect(await activeEnrollments(h.sql, o.email)).toEqual(action === 'fulfil' ? ['social-media'] : []);
    expect(await sandboxRefunds(o)).toEqual(action === 'refund' ? [{ idempotency_key: `refund:${o.orderId}:1`, amount: 100 }] : []);
    const again = await admin(h, 'POST', `/orders/${o.orderId}/resolve`, { action });
    expect(again.status).toBe(409);
    await recordHistory(h, orderWorkflowId(o.orderId), `held-${action}`);
  });
});

describe('events out of order', () => {
  it('keeps the first decisive event: a failure after the success changes nothing', async () => {
    const o = await openOrder(h, ['content-creator']);
    await postSandbox(h, sandboxSucceeded(o, o.total.amount));
    await postSandbox(h, { id: `evt_${crypto.randomUUID()}`, type: 'payment.failed', created: Math.floor(Date.now() / 1000), data: { sessionId: o.sessionId, orderId: o.orderId, amount: o.total.amount, currency: 'PLN' } });
    await waitForStatus(h, o.orderId, 'FULFILLED');
    // The run has handled both events once it ends: only then is "nothing changed" a finding.
    await finished(h, orderWorkflowId(o.orderId));
    expect((await h.sql`SELECT status FROM orders WHERE id = ${o.orderId}`)[0]!.status).toBe('FULFILLED');
    expect(await subjects(o.email)).toEqual([expect.stringMatching(/^Welcome/)]);
    await recordHistory(h, orderWorkflowId(o.orderId), 'failed-after-succeeded');
  });
});

describe('admin API', () => {
  it('refuses requests without the right bearer token', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: `Basic ${adminToken()}` }] as Record<string, string>[]) {
      const res = await admin(h, 'GET', '/orders', undefined, headers);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
  });

  it('lists and searches orders by status, email, order number and date, a page at a time', async () => {
    const email = uniqueEmail('search');
    const a = await openOrder(h, ['chatbot-rag'], { email });
    const b = await openOrder(h, ['social-media'], { email });
    const byEmail = await admin(h, 'GET', `/orders?email=${encodeURIComponent(email.toUpperCase())}&limit=1`);
    expect(byEmail.body.orders.map((o: { orderId: string }) => o.orderId)).toEqual([b.orderId]);
    const next = await admin(h, 'GET', `/orders?email=${encodeURIComponent(email)}&limit=1&cursor=${byEmail.body.nextCursor}`);
    expect(next.body).toMatchObject({ orders: [{ orderId: a.orderId, status: 'PENDING' }], nextCursor: null });
    expect((await admin(h, 'GET', `/orders?orderNumber=${a.orderNumber}`)).body.orders).toHaveLength(1);
    const since = new Date(Date.now() + 60_000).toISOString();
    expect((await admin(h, 'GET', `/orders?email=${encodeURIComponent(email)}&from=${since}`)).body.orders).toEqual([]);
    expect((await admin(h, 'GET', `/orders?status=PENDING&email=${encodeURIComponent(email)}`)).body.orders).toHaveLength(2);
    expect((await admin(h, 'GET', '/orders?status=NOPE')).status).toBe(400);
    // Year 1 ahead of UTC is year 0 in UTC, which PostgreSQL refuses (schemathesis found it as a 500).
    const yearZero = await admin(h, 'GET', `/orders?from=${encodeURIComponent('0001-01-01T00:00:00+01:02')}`);
    expect(yearZero.status).toBe(400);
    expect(yearZero.body.error.code).toBe('invalid_request');
    // Instants written in years 1000 to 8999 are accepted, whatever the offset (InstantSchema): none of ours is older.
    expect((await admin(h, 'GET', `/orders?to=${encodeURIComponent('1000-01-01T00:00:00+14:00')}`)).body.orders).toEqual([]);
    expect((await admin(h, 'GET', `/orders?to=${encodeURIComponent('0999-12-31T23:00:00-01:00')}`)).status).toBe(400);
    expect((await admin(h, 'GET', '/orders?cursor=garbage')).status).toBe(422);
  });

  it('shows an order with its items, timeline, payment, refunds, emails and a Temporal UI link', async () => {
    const o = await buy(['sales-automation']);
    await waitForStatus(h, o.orderId, 'FULFILLED');
    const { status, body } = await admin(h, 'GET', `/orders/${o.orderId}`);
    expect(status).toBe(200);
    expect(body.order).toMatchObject({ orderId: o.orderId, orderNumber: o.orderNumber, status: 'FULFILLED', items: [{ slug: 'sales-automation' }] });
    expect(body.timeline.map((e: { to: string }) => e.to)).toEqual(['PENDING', 'PAID', 'FULFILLED']);
    expect(body.payment).toMatchObject({ provider: 'sandbox', sessionId: o.sessionId, paid: o.total });
    expect(body.webhookEvents).toMatchObject([{ type: 'payment.succeeded', outcome: 'signalled' }]);
    expect(body.emails).toMatchObject([{ kind: 'welcome', status: 'sent' }]);
    expect(body.enrollments).toMatchObject([{ status: 'active' }]);
    expect(body.refunds).toEqual([]);
    expect(body.workflow.url).toBe(`${h.config.temporal.uiUrl}/namespaces/default/workflows/order-${o.orderId}`);
    expect((await admin(h, 'GET', `/orders/${crypto.randomUUID()}`)).status).toBe(404);
  });
});

describe('provider-initiated refunds and disputes (Stripe)', () => {
  async function paidStripeOrder(slugs: string[], opened?: TestOrder) {
    const o = opened ?? (await openOrder(h, slugs, { provider: 'stripe' }));
    const paymentIntent = `pi_${crypto.randomUUID().replaceAll('-', '')}`;
    expect((await postStripe(h, stripePaid(o, paymentIntent))).body.outcome).toBe('queued');
    return { ...o, paymentIntent };
  }
  // Stripe's charge carries no order id of ours: the payment intent finds the order.
  const chargeRefunded = (paymentIntent: string, amountRefunded: number) =>
    stripeEvent('charge.refunded', { id: `ch_${paymentIntent}`, object: 'charge', amount_refunded: amountRefunded, currency: 'pln', payment_intent: paymentIntent, metadata: {} });

  it('records a refund made in the Stripe dashboard and revokes access, once however often it is delivered', async () => {
    const o = await paidStripeOrder(['biuro-autopilot']);
    await waitForStatus(h, o.orderId, 'FULFILLED');
    const event = chargeRefunded(o.paymentIntent, o.total.amount);
    expect((await postStripe(h, event)).body.outcome).toBe('queued');
    expect((await postStripe(h, event)).body.outcome).toBe('duplicate');
    expect(await relayedOutcome(h, 'stripe', stripeEventId(event))).toBe('refund_started');
    await waitForStatus(h, o.orderId, 'REFUNDED');
    expect(await activeEnrollments(h.sql, o.email)).toEqual([]);
    const refunds = await h.sql`SELECT source, amount, status, provider_refund_id FROM refunds WHERE order_id = ${o.orderId}`;
    expect(refunds).toEqual([{ source: 'provider', amount: o.total.amount, status: 'succeeded', provider_refund_id: null }]);
    await eventually(() => subjects(o.email), (s) => s.some((x) => x.startsWith('Refund for order')), 'the refund email');
    await recordHistory(h, `refund-${o.orderId}-provider:ch_${o.paymentIntent}:${o.total.amount}`, 'provider-refund');
  });

  it('revokes everything on a dispute', async () => {
    const o = await paidStripeOrder(['marketing-ai-bundle']);
    await waitForStatus(h, o.orderId, 'FULFILLED');
    const dispute = stripeEvent('charge.dispute.created', { id: `dp_${o.paymentIntent}`, object: 'dispute', amount: o.total.amount, currency: 'pln', payment_intent: o.paymentIntent, metadata: {} });
    expect((await postStripe(h, dispute)).body.outcome).toBe('queued');
    expect(await relayedOutcome(h, 'stripe', stripeEventId(dispute))).toBe('refund_started');
    await waitForStatus(h, o.orderId, 'REFUNDED');
    expect(await activeEnrollments(h.sql, o.email)).toEqual([]);
    expect((await h.sql`SELECT source FROM refunds WHERE order_id = ${o.orderId}`).map((r) => r.source)).toEqual(['dispute']);
    await recordHistory(h, `refund-${o.orderId}-dispute:dp_${o.paymentIntent}`, 'dispute');
  });

  it('ends REFUNDED with no access when the refund overtakes fulfilment: nothing is granted, no welcome goes out', async () => {
    const opened = await openOrder(h, ['chatbot-rag'], { provider: 'stripe' });
    const lock = await h.sql.reserve();
    try {
      // The buyer's account is being created by another transaction: fulfilment's findOrCreateUser waits on it.
      await lock`BEGIN`;
      await lock`INSERT INTO users (email, name) VALUES (${opened.email}, 'Held')`;
      const paid = await paidStripeOrder([], opened);
      await eventually(
        () => h.sql`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO users%created_by_order_id%' AND pid <> pg_backend_pid()`,
        (rows) => rows.length > 0,
        'fulfilment to wait for the account',
      );
      // While it waits, the provider refunds the whole payment, and that refund runs to its end.
      const refunded = chargeRefunded(paid.paymentIntent, paid.total.amount);
      expect((await postStripe(h, refunded)).body.outcome).toBe('queued');
      expect(await relayedOutcome(h, 'stripe', stripeEventId(refunded))).toBe('refund_started');
      await finished(h, `refund-${paid.orderId}-provider:ch_${paid.paymentIntent}:${paid.total.amount}`);
      expect((await h.sql`SELECT status FROM orders WHERE id = ${paid.orderId}`)[0]!.status).toBe('REFUNDED');
    } finally {
      await lock`ROLLBACK`;
      lock.release();
    }
    const o = opened;
    await finished(h, orderWorkflowId(o.orderId));
    expect((await h.sql`SELECT status FROM orders WHERE id = ${o.orderId}`)[0]!.status).toBe('REFUNDED');
    // The branch that ran: grantEnrollments saw the full refund and granted nothing (not granted, then revoked).
    expect(await h.sql`SELECT status FROM enrollments WHERE order_id = ${o.orderId}`).toEqual([]);
    expect(await subjects(o.email)).toEqual([expect.stringMatching(/^Refund for order/)]);
    const causes = (await h.sql`SELECT cause FROM order_events WHERE order_id = ${o.orderId} ORDER BY id`).map((e) => e.cause);
    expect(causes).not.toContain('fulfilled');
  }, 60_000);
});

describe('reconciliation', () => {
  it('finds a payment whose webhook was lost and fulfils the order', async () => {
    const o = await openOrder(h, ['content-creator']);
    // The sandbox takes the money but never calls us, as when webhooks are dropped. It delivers its webhook before it answers the browser, so none can follow this answer.
    await sandboxAction(o.paymentUrl, 'pay-silently');
    expect((await h.sql`SELECT status FROM orders WHERE id = ${o.orderId}`)[0]!.status).toBe('PENDING');
    expect(await h.sql`SELECT 1 FROM webhook_events WHERE order_id = ${o.orderId}`).toHaveLength(0);
    const pass = await reconcile(h, [o.orderId]);
    expect(pass.result).toEqual({ checked: 1, signalled: 1, resumed: 0 });
    expect((await uiLines(h, pass.workflowId)).currentDetails).toBe('done: 1 of 1 pending orders asked about: 1 signalled, 0 resumed');
    await waitForStatus(h, o.orderId, 'FULFILLED');
    expect(await activeEnrollments(h.sql, o.email)).toEqual(['content-creator']);
    await recordHistory(h, orderWorkflowId(o.orderId), 'reconciled-dropped-webhook');
    await recordHistory(h, pass.workflowId, 'reconcile-pass-signalled');
  });

  it('acts only on the orders it is given: another file’s stale order is left to that file', async () => {
    const [mine, theirs] = [await openOrder(h, ['content-creator']), await openOrder(h, ['chatbot-rag'])];
    await sandboxAction(mine.paymentUrl, 'pay-silently');
    await sandboxAction(theirs.paymentUrl, 'pay-silently');
    expect((await reconcile(h, [mine.orderId])).result).toEqual({ checked: 1, signalled: 1, resumed: 0 });
    await waitForStatus(h, mine.orderId, 'FULFILLED');
    // The pass has ended, so whatever it would have done to the other order is done.
    expect((await h.sql`SELECT status FROM orders WHERE id = ${theirs.orderId}`)[0]!.status).toBe('PENDING');
    expect((await reconcile(h, [theirs.orderId])).result).toEqual({ checked: 1, signalled: 1, resumed: 0 });
    await waitForStatus(h, theirs.orderId, 'FULFILLED');
  });
});
