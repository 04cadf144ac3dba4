// What the Temporal UI shows of an order stays true: runs resumed by a webhook or by reconciliation, and refunds after the run closed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerKey } from '../../src/auth/customerKeys.js';
import { CUSTOMER_EMAIL, ORDER_NUMBER, ORDER_STATUS, orderWorkflowId } from '../../src/workflows/definitions.js';
import { openOrder, postSandbox, sandboxSucceeded } from '../support/events.js';
import { admin, ADMIN_TOKEN, finished, reconcile, recordHistory, sandboxAction, startHarness, uniqueEmail, waitForStatus, type Harness } from '../support/harness.js';

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
