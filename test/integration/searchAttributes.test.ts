// What the Temporal UI shows of an order stays true: its number from the run's start, runs resumed by a webhook or by reconciliation,
// and refunds after the run closed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderActivities } from '../../src/activities/orders.js';
import { customerKey } from '../../src/auth/customerKeys.js';
import { randomOrderNumber } from '../../src/db/orders.js';
import { ORDER_NUMBER_PATTERN } from '../../src/domain/orders.js';
import { CUSTOMER_EMAIL, ORDER_NUMBER, ORDER_STATUS, orderWorkflowId } from '../../src/workflows/definitions.js';
import { openOrder, postSandbox, sandboxSucceeded } from '../support/events.js';
import { fakeActivityDeps } from '../support/fakeDeps.js';
import { admin, ADMIN_TOKEN, finished, packageId, reconcile, recordHistory, sandboxAction, startHarness, uniqueEmail, waitForStatus, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

/** CustomerEmail holds the customer key (src/auth/customerKeys.ts), never the address. */
const key = (email: string) => customerKey(h.config.customerKeySecret, email);

/** The search attributes of the order workflow's newest run, read from the server (describe), once that run has ended. */
async function attributes(orderId: string) {
  await finished(h, orderWorkflowId(orderId));
  const { typedSearchAttributes: a } = await h.temporal.workflow.getHandle(orderWorkflowId(orderId)).describe();
  return { email: a.get(CUSTOMER_EMAIL), status: a.get(ORDER_STATUS), orderNumber: a.get(ORDER_NUMBER) };
}

describe('search attributes', () => {
  it('a checkout run starts with its order number searchable and never records it again; a taken number gives way', async () => {
    const o = await openOrder(h, ['chatbot-rag']);
    const handle = h.temporal.workflow.getHandle(orderWorkflowId(o.orderId));
    // Still waiting for payment: the number came with the run's start, as the API proposed it and the order took it.
    expect((await handle.describe()).typedSearchAttributes.get(ORDER_NUMBER)).toBe(o.orderNumber);
    const upserted = ((await handle.fetchHistory()).events ?? []).filter((e) => e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.OrderNumber);
    expect(upserted).toEqual([]);
    const found = await h.temporal.workflow.count(`OrderNumber = "${o.orderNumber}"`);
    expect(found.count).toBe(1);

    // Another order proposing the same number (two APIs drew it on the same day) gets a fresh one.
    const request = { name: 'Collision', locale: 'en' as const, provider: 'sandbox' as const, packageIds: [await packageId(h.sql, 'chatbot-rag')] };
    const activities = orderActivities(fakeActivityDeps({ sql: h.sql }));
    const other = crypto.randomUUID();
    const taken = await activities.createOrder({ ...request, orderId: other, email: uniqueEmail('collision'), fingerprint: `fp-${other}`, orderNumber: o.orderNumber });
    expect(taken.orderNumber).toMatch(ORDER_NUMBER_PATTERN);
    expect(taken.orderNumber).not.toBe(o.orderNumber);
    const fresh = crypto.randomUUID();
    const proposed = randomOrderNumber();
    expect((await activities.createOrder({ ...request, orderId: fresh, email: uniqueEmail('proposed'), fingerprint: `fp-${fresh}`, orderNumber: proposed })).orderNumber).toBe(proposed);
  });

  it('a run resumed by a webhook (a payment after the order was cancelled) carries the buyer and the status', async () => {
    const email = uniqueEmail('Late-Payer');
    const o = await openOrder(h, ['sales-automation'], { email });
    expect((await admin(h, 'POST', `/orders/${o.orderId}/cancel`, {})).body.status).toBe('CANCELLED');
    await finished(h, orderWorkflowId(o.orderId));
    expect((await postSandbox(h, sandboxSucceeded(o, o.total.amount))).body.outcome).toBe('queued');
    await waitForStatus(h, o.orderId, 'REFUNDED');
    expect(await attributes(o.orderId)).toEqual({ email: key(email), status: 'REFUNDED', orderNumber: o.orderNumber });
    await recordHistory(h, orderWorkflowId(o.orderId), 'resumed-by-webhook-late-payment');
  });

  it('a run resumed by reconciliation (the checkout run ended while the order was open) carries the buyer', async () => {
    const email = uniqueEmail('reconciled');
    const o = await openOrder(h, ['content-creator'], { email });
    await sandboxAction(o.paymentUrl, 'pay-silently');
    // The checkout run is gone (as after an outage): reconciliation resumes the order in a new run.
    await h.temporal.workflow.getHandle(orderWorkflowId(o.orderId)).terminate('test: the checkout run ended early');
    const pass = await reconcile(h, [o.orderId]);
    expect(pass.result).toEqual({ checked: 1, signalled: 0, resumed: 1 });
    await waitForStatus(h, o.orderId, 'FULFILLED');
    expect(await attributes(o.orderId)).toEqual({ email: key(email), status: 'FULFILLED', orderNumber: o.orderNumber });
    await recordHistory(h, pass.workflowId, 'reconcile-pass-resumed');
    await recordHistory(h, orderWorkflowId(o.orderId), 'resumed-by-reconciliation');
  });

  it('a refund after the order’s run closed shows REFUNDED on the order workflow', async () => {
    const email = uniqueEmail('refunded-later');
    const o = await openOrder(h, ['chatbot-rag'], { email });
    await sandboxAction(o.paymentUrl, 'pay');
    await waitForStatus(h, o.orderId, 'FULFILLED');
    expect(await attributes(o.orderId)).toEqual({ email: key(email), status: 'FULFILLED', orderNumber: o.orderNumber });
    const res = await admin(h, 'POST', `/orders/${o.orderId}/refunds`, { reason: 'changed my mind' }, { authorization: `Bearer ${ADMIN_TOKEN}`, 'idempotency-key': `refund-${crypto.randomUUID()}` });
    expect(res.status).toBe(202);
    await finished(h, res.body.workflowId);
    await waitForStatus(h, o.orderId, 'REFUNDED');
    expect(await attributes(o.orderId)).toEqual({ email: key(email), status: 'REFUNDED', orderNumber: o.orderNumber });
    await recordHistory(h, res.body.workflowId, 'refund-after-close-refreshes-order');
    await recordHistory(h, orderWorkflowId(o.orderId), 'refreshed-after-refund');
  });
});
