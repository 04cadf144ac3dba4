// Every gateway through its real protocol (local fakes that speak it): purchase, decline, delayed, repeats, forgeries, refunds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOrder, type TestOrder } from '../support/events.js';
import { activeEnrollments, admin, ADMIN_TOKEN, emailsTo, eventually, recordHistory, startHarness, uniqueEmail, waitForStatus, type Harness } from '../support/harness.js';
import { ensureChfPackage, startGateways, type Gateway, type Gateways } from '../support/providers.js';

let h: Harness;
let gw: Gateways;
beforeAll(async () => {
  gw = await startGateways();
  h = await startHarness(gw.env);
  gw.connect(h);
  await ensureChfPackage(h.sql);
});
afterAll(async () => {
  await h?.close();
  await gw?.close();
});

const outcomes = async (o: TestOrder) =>
  (await h.sql<{ outcome: string }[]>`SELECT outcome FROM webhook_events WHERE order_id = ${o.orderId} ORDER BY id`).map((r) => r.outcome);
const idem = (key: string) => ({ authorization: `Bearer ${ADMIN_TOKEN}`, 'idempotency-key': key });
const kinds = async (email: string) => (await emailsTo(h, email)).map((m) => m.subject);

describe.each(['payu', 'paypal', 'postfinance'] as const)('%s', (name) => {
  const g = (): Gateway => gw.all.find((x) => x.name === name)!;
  const open = async (email = uniqueEmail(name)) => openOrder(h, [g().slug], { email, provider: name as never });

  it('a purchase ends FULFILLED, with access and one welcome email', async () => {
    const o = await open();
    expect(o.paymentUrl).toMatch(/^http/);
    expect(await g().pays(o)).toBe(200);
    await waitForStatus(h, o.orderId, 'FULFILLED');
    expect(await activeEnrollments(h.sql, o.email)).toEqual([g().slug]);
    await eventually(() => kinds(o.email), (k) => k.length === 1, 'the welcome email');
  });

  it('charges the discounted total when a coupon applies: the fake takes the discount the way the gateway expects', async () => {
    const code = `MATRIX-${name}-${crypto.randomUUID().slice(0, 8)}`;
    expect((await admin(h, 'POST', '/coupons', { code, kind: 'percent', percent: 15 })).status).toBe(201);
    const email = uniqueEmail(name);
    const o = await openOrder(h, [g().slug], { email, provider: name as never, couponCode: code });
    const [item] = await h.sql<{ unit_amount: number; discount_amount: number }[]>`SELECT unit_amount, discount_amount FROM order_items WHERE order_id = ${o.orderId}`;
    expect(item!.discount_amount).toBe(Math.floor((item!.unit_amount * 15 + 50) / 100));
    expect(o.total.amount).toBe(item!.unit_amount - item!.discount_amount);
    expect(await g().pays(o)).toBe(200);
    // Paid in full (not held for a mismatch): the provider charged exactly the discounted total.
    await waitForStatus(h, o.orderId, 'FULFILLED');
    const [paid] = await h.sql<{ paid_amount: number }[]>`SELECT paid_amount FROM orders WHERE id = ${o.orderId}`;
    expect(paid!.paid_amount).toBe(o.total.amount);
  });

  it('a decline ends FAILED, grants nothing and tells the buyer', async () => {
    const o = await open();
    expect(await g().declines(o)).toBe(200);
    await waitForStatus(h, o.orderId, 'FAILED');
    expect(await activeEnrollments(h.sql, o.email)).toEqual([]);
  });

  it('a delayed payment is PROCESSING, then FULFILLED when it settles', async () => {
    const o = await open();
    expect(await g().startsSettling(o)).toBe(200);
    await waitForStatus(h, o.orderId, 'PROCESSING');
    await recordHistory(h, `order-${o.orderId}`, `${name}-open-processing`, { open: true });
    expect(await g().settles(o)).toBe(200);
    await waitForStatus(h, o.orderId, 'FULFILLED');
    expect(await activeEnrollments(h.sql, o.email)).toEqual([g().slug]);
    await recordHistory(h, `order-${o.orderId}`, `${name}-processing-fulfilled`);
  });

  it('a delayed payment is PROCESSING, then FAILED when it does not settle', async () => {
    const o = await open();
    await g().startsSettling(o);
    await waitForStatus(h, o.orderId, 'PROCESSING');
    expect(await g().failsSettling(o)).toBe(200);
    await waitForStatus(h, o.orderId, 'FAILED');
    expect(await activeEnrollments(h.sql, o.email)).toEqual([]);
  });

  it('has exactly one effect from repeated notifications, and records an older one as stale', async () => {
    const o = await open();
    await g().pays(o);
    await waitForStatus(h, o.orderId, 'FULFILLED');
    expect(await g().redelivers(o)).toBe(200);
    expect(await g().sendsStale(o)).toBe(200);
    const recorded = await outcomes(o);
    expect(recorded.at(-1)).toBe('stale');
    expect((await h.sql`SELECT count(*)::int AS n FROM webhook_events WHERE order_id = ${o.orderId}`)[0]!.n).toBe(recorded.length);
    expect((await h.sql`SELECT status FROM orders WHERE id = ${o.orderId}`)[0]!.status).toBe('FULFILLED');
    expect(await activeEnrollments(h.sql, o.email)).toEqual([g().slug]);
    expect(await kinds(o.email)).toHaveLength(1);
  });

  it('refuses a forged notification with 400 and records nothing', async () => {
    const o = await open();
    const before = (await h.sql`SELECT count(*)::int AS n FROM webhook_events WHERE provider = ${name}`)[0]!.n;
    expect(await g().sendsForged(o)).toBe(400);
    expect((await h.sql`SELECT count(*)::int AS n FROM webhook_events WHERE provider = ${name}`)[0]!.n).toBe(before);
    expect((await h.sql`SELECT status FROM orders WHERE id = ${o.orderId}`)[0]!.status).toBe('PENDING');
  });

  it('refunds part, then the rest, sending the idempotency field once per refund', async () => {
    const o = await open();
    await g().pays(o);
    await waitForStatus(h, o.orderId, 'FULFILLED');
    const part = { amount: 1000, reason: 'goodwill' };
    const first = await admin(h, 'POST', `/orders/${o.orderId}/refunds`, part, idem(`part-${o.orderId}`));
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    await waitForStatus(h, o.orderId, 'PARTIALLY_REFUNDED');
    const again = await admin(h, 'POST', `/orders/${o.orderId}/refunds`, part, idem(`part-${o.orderId}`));
    expect(again.body.refund.refundId).toBe(first.body.refund.refundId);
    await admin(h, 'POST', `/orders/${o.orderId}/refunds`, { reason: 'the rest' }, idem(`rest-${o.orderId}`));
    await waitForStatus(h, o.orderId, 'REFUNDED');
    const keys = g().refundKeys().filter((k) => k.includes(o.orderId));
    expect(keys).toEqual([`refund:${o.orderId}:1`, `refund:${o.orderId}:2`]);
    expect(await activeEnrollments(h.sql, o.email)).toEqual([]);
  });

  it('holds the order when the provider refuses a refund, until an operator retries it', async () => {
    const o = await open();
    await g().pays(o);
    await waitForStatus(h, o.orderId, 'FULFILLED');
    g().failNextRefund();
    const res = await admin(h, 'POST', `/orders/${o.orderId}/refunds`, { reason: 'buyer asked' }, idem(`full-${o.orderId}`));
    expect(res.status).toBe(202);
    await waitForStatus(h, o.orderId, 'HELD');
    const [held] = await h.sql`SELECT held_reason FROM orders WHERE id = ${o.orderId}`;
    expect(held!.held_reason).toBe('refund_failed');
    const retry = await admin(h, 'POST', `/orders/${o.orderId}/refunds/${res.body.refund.refundId}/retry`);
    expect(retry.status, JSON.stringify(retry.body)).toBe(202);
    await waitForStatus(h, o.orderId, 'REFUNDED');
    expect(g().refundKeys().filter((k) => k.includes(o.orderId))).toEqual([`refund:${o.orderId}:1`, `refund:${o.orderId}:1:2`]);
    await recordHistory(h, res.body.workflowId, `${name}-refund-failed-retried`);
  });
});
