// The payment provider unreachable while checkout opens: the buyer hears 503 at once, and the order's run stays open until it opens or expires.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { orderIdForKey } from '../../src/api/orderIds.js';
import { orderWorkflowId } from '../../src/workflows/definitions.js';
import { postStripe, stripePaid } from '../support/events.js';
import { checkout, emailsTo, eventually, packageId, recordHistory, startHarness, uniqueEmail, waitForStatus, type Harness } from '../support/harness.js';
import { tcpProxy, type TcpProxy } from '../support/tcpProxy.js';

const TTL_SECONDS = 25;
let h: Harness;
let stripeApi: TcpProxy;
beforeAll(async () => {
  // Stripe (stripe-mock) is reached through a proxy the tests can take away and bring back.
  stripeApi = await tcpProxy({ host: '127.0.0.1', port: inject('stripeMockPort') });
  await stripeApi.open();
  h = await startHarness({ STRIPE_API_PORT: String(stripeApi.port), CHECKOUT_TTL_SECONDS: String(TTL_SECONDS) });
});
afterAll(async () => {
  await h?.close();
  await stripeApi?.close();
});

async function stripeCheckout() {
  const key = `outage-${randomUUID()}`;
  const email = uniqueEmail('outage');
  const body = { packageIds: [await packageId(h.sql, 'chatbot-rag')], email, locale: 'en', provider: 'stripe' };
  const orderId = orderIdForKey(h.config.orderIdSecret, email, key);
  return { key, email, body, orderId, handle: h.temporal.workflow.getHandle(orderWorkflowId(orderId)), send: () => checkout(h, body, key) };
}

async function orderRow(orderId: string) {
  const [row] = await h.sql<{ status: string; provider_session_id: string | null; order_number: string }[]>`SELECT status, provider_session_id, order_number FROM orders WHERE id = ${orderId}`;
  return row!;
}

/** With the provider away, the buyer hears 503 within seconds and the order's run is still open, not failed. */
async function openDuringOutage(o: Awaited<ReturnType<typeof stripeCheckout>>) {
  await stripeApi.close();
  const asked = Date.now();
  const first = await o.send();
  expect(first).toMatchObject({ status: 503, body: { error: { code: 'checkout_unavailable' } } });
  const answeredMs = Date.now() - asked;
  expect(answeredMs).toBeLessThan(15_000);
  console.info(`checkout-outage: 503 after ${answeredMs} ms`);
  expect((await o.handle.describe()).status.name).toBe('RUNNING');
  expect(await orderRow(o.orderId)).toMatchObject({ status: 'PENDING', provider_session_id: null });
}

describe('checkout while the payment provider is unreachable', () => {
  it('keeps the run open; a retry with the same key after the provider returns gets the payment URL, and the order is paid', async () => {
    const o = await stripeCheckout();
    await openDuringOutage(o);
    // Still away: the retry asks the run for an attempt now, and hears 503 again.
    expect(await o.send()).toMatchObject({ status: 503, body: { error: { code: 'checkout_unavailable' } } });

    await stripeApi.open();
    const retry = await o.send();
    expect(retry.status, JSON.stringify(retry.body)).toBe(201);
    const view = retry.body as { orderId: string; orderNumber: string; paymentUrl: string; total: { amount: number; currency: string } };
    expect(view.orderId).toBe(o.orderId);
    const { provider_session_id: sessionId } = await orderRow(o.orderId);
    expect(sessionId).toBeTruthy();

    expect((await postStripe(h, stripePaid({ ...view, email: o.email, sessionId: sessionId! }, `pi_${randomUUID().slice(0, 8)}`))).status).toBe(200);
    await waitForStatus(h, o.orderId, 'FULFILLED');
    // The FULFILLED row is written by the run's last activity, a moment before the run itself completes: wait for it.
    expect((await o.handle.result()).status).toBe('FULFILLED');
    expect((await o.handle.describe()).status.name).toBe('COMPLETED');
    await recordHistory(h, orderWorkflowId(o.orderId), 'checkout-outage-recovered');
  }, 90_000);

  it('expires the order and completes the run when the provider stays away for the whole checkout TTL', async () => {
    const o = await stripeCheckout();
    await openDuringOutage(o);
    try {
      const result = await o.handle.result();
      expect(result).toMatchObject({ status: 'EXPIRED', failure: { code: 'checkout_expired' } });
    } finally {
      await stripeApi.open();
    }
    expect((await o.handle.describe()).status.name).toBe('COMPLETED');
    const [closed] = await h.sql`SELECT cause FROM order_events WHERE order_id = ${o.orderId} AND to_status = 'EXPIRED'`;
    expect(closed!.cause).toBe('checkout_unavailable');
    // The buyer heard only 503: the expiry email says the order is closed and nothing was charged.
    await eventually(() => emailsTo(h, o.email), (m) => m.some((x) => x.subject.includes('expired')), 'the checkout_expired email');
    // A late retry with the same key is answered from the database: this order is closed.
    expect(await o.send()).toMatchObject({ status: 409, body: { error: { code: 'order_closed' } } });
    await recordHistory(h, orderWorkflowId(o.orderId), 'checkout-outage-expired');
  }, 90_000);
});
