// Refunds and disputes when the provider's answers come late, twice or never, and a PayPal return before approval.
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { disputeWonWorkflowId, paymentSignal, refundOutcomeSignal, refundWorkflowId, retryRefundSignal, statusQuery } from '../../src/workflows/definitions.js';
import type { disputeWonWorkflow } from '../../src/workflows/disputeWon.js';
import type { refundWorkflow } from '../../src/workflows/refund.js';
import { recordHistory } from '../support/harness.js';
import { env, fakes, input, open, useWorkflowEnv, withWorker, type Call } from './support.js';

useWorkflowEnv();

const REFUND_ID = 'refund_1';

async function until(calls: Call[], what: (c: Call) => boolean, n = 1) {
  for (let i = 0; i < 200; i++) {
    if (calls.filter(what).length >= n) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the workflow never got there');
}
/** Until the run waits with nothing in flight (its last task done, no activity pending): what it does next is up to us. */
async function waiting(handle: WorkflowHandle) {
  for (let i = 0; i < 200; i++) {
    const [{ raw }, { events }] = await Promise.all([handle.describe(), handle.fetchHistory()]);
    if (!raw.pendingActivities?.length && events?.at(-1)?.workflowTaskCompletedEventAttributes) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the workflow never came to rest');
}
/** The refund run's own activities, without the order refresh run it starts (which shares the fakes). */
const refundSteps = (f: ReturnType<typeof fakes>) => f.names().filter((n) => n !== 'loadOrderState');
const held = (c: Call) => c[0] === 'transitionOrder' && c[1].to === 'HELD';
const asked = (c: Call) => c[0] === 'refundAtProvider';

/** A refund of a fulfilled, paid order (as the fakes' database knows it). */
function startRefund(f: ReturnType<typeof fakes>, taskQueue: string, orderId = randomUUID()) {
  f.db.paid.add(orderId);
  f.db.status.set(orderId, 'FULFILLED');
  return env.client.workflow.start<typeof refundWorkflow>('refundWorkflow', {
    workflowId: refundWorkflowId(orderId, 'operator:k'),
    taskQueue,
    args: [{ orderId, key: 'operator:k', source: 'operator', reason: 'requested', fulfilmentRetryMs: 3_000 }],
  });
}

describe('a refund the provider refused', () => {
  it('never lets a second notice about the refused attempt decide the retried one', async () => {
    const f = fakes({ refundAtProvider: async () => ({ refundId: REFUND_ID, status: 'pending' }) });
    const out = await withWorker(f.activities, async (tq) => {
      const handle = await startRefund(f, tq);
      await until(f.calls, asked);
      await handle.signal(refundOutcomeSignal, { refundId: REFUND_ID, status: 'failed', reason: 'refund.updated' });
      await until(f.calls, held);
      // Stripe reports one failure twice (refund.updated, then refund.failed): the second waits in the inbox.
      await handle.signal(refundOutcomeSignal, { refundId: REFUND_ID, status: 'failed', reason: 'refund.failed' });
      await handle.signal(retryRefundSignal, { refundId: REFUND_ID });
      await until(f.calls, asked, 2);
      await waiting(handle);
      await handle.signal(refundOutcomeSignal, { refundId: REFUND_ID, status: 'succeeded' });
      return handle.result();
    });
    expect(out.orderStatus).toBe('REFUNDED');
    // The order's refresh run (its checkout run is not running here) loads the order whenever it gets to: not the refund's.
    expect(refundSteps(f).slice(1)).toEqual(['revokeEnrollments', 'refundAtProvider', 'recordRefundOutcome', 'transitionOrder:HELD', 'retryRefund', 'refundAtProvider', 'recordRefundOutcome', 'settleRefund', 'sendOrderEmail:refund_issued']);
    expect(f.calls.filter(([n]) => n === 'recordRefundOutcome').map(([, i]) => i.status)).toEqual(['failed', 'succeeded']);
  });

  it('settles when an operator confirms it was refunded outside the provider, without a retry', async () => {
    const f = fakes({ refundAtProvider: async () => ({ refundId: REFUND_ID, status: 'failed', lastError: 'REFUND_NOT_ALLOWED' }) });
    const out = await withWorker(f.activities, async (tq) => {
      const handle = await startRefund(f, tq);
      await until(f.calls, held);
      await handle.signal(refundOutcomeSignal, { refundId: REFUND_ID, status: 'succeeded', reason: 'refunded outside the provider, confirmed by ala: wire 42' });
      return handle.result();
    });
    expect(out.orderStatus).toBe('REFUNDED');
    expect(f.names()).not.toContain('retryRefund');
    expect(refundSteps(f).slice(-3)).toEqual(['recordRefundOutcome', 'settleRefund', 'sendOrderEmail:refund_issued']);
  });
});

describe('a dispute won', () => {
  it('ends a dispute refund reversed before it was through, without settling the order or emailing', async () => {
    const f = fakes({ refundAtProvider: async () => ({ refundId: REFUND_ID, status: 'reversed' }) });
    const out = await withWorker(f.activities, async (tq) => {
      const handle = await startRefund(f, tq);
      await handle.result();
      await recordHistory({ temporal: env.client }, handle.workflowId, 'refund-reversed-by-dispute-won');
      return handle.result();
    });
    expect(out.refund?.status).toBe('reversed');
    expect(f.names()).not.toContain('settleRefund');
    expect(f.names().filter((n) => n.startsWith('sendOrderEmail'))).toEqual([]);
  });

  it('gives up after the fulfilment budget when the dispute it reverses was never recorded, and records that', async () => {
    const f = fakes({
      reverseDispute: async () => {
        throw new Error('dispute dispute:PP-D-1 of the order is not recorded yet; retrying');
      },
    });
    const orderId = randomUUID();
    const out = await withWorker(f.activities, async (tq) =>
      env.client.workflow.execute<typeof disputeWonWorkflow>('disputeWonWorkflow', {
        workflowId: disputeWonWorkflowId(orderId, 'dispute_won:PP-D-1'),
        taskQueue: tq,
        args: [{ orderId, disputeKey: 'dispute:PP-D-1', amount: { amount: 6900, currency: 'PLN' }, fulfilmentRetryMs: 2_000 }],
      }),
    );
    expect(out).toBeNull();
    expect(f.calls.find(([n]) => n === 'recordOrderEvent')?.[1]).toMatchObject({ orderId, cause: 'dispute_won_unmatched' });
  });
});

describe('a PayPal return before the buyer approved', () => {
  const approved = (orderId: string, eventId: string) => ({ provider: 'paypal' as const, eventId, kind: 'approved' as const, orderId, sessionId: 'sess_1' });

  it('captures nothing and goes on waiting: a later approval fulfils the order', async () => {
    let approvedYet = false;
    const f = fakes({
      capturePayment: async (i: { orderId: string }) =>
        approvedYet ? { provider: 'paypal', eventId: `capture:${i.orderId}:succeeded`, kind: 'succeeded', orderId: i.orderId, paymentId: 'cap_1', amount: { amount: 6900, currency: 'PLN' } } : null,
    });
    const args = input({ provider: 'paypal' });
    const out = await withWorker(f.activities, async (tq) => {
      const { handle } = await open(tq, args);
      await handle.signal(paymentSignal, approved(args.orderId, 'return:early'));
      await until(f.calls, (c) => c[0] === 'capturePayment');
      expect((await handle.query(statusQuery)).status).toBe('PENDING');
      approvedYet = true;
      await handle.signal(paymentSignal, approved(args.orderId, 'WH-approved'));
      return handle.result();
    });
    expect(out.status).toBe('FULFILLED');
    expect(f.names().filter((n) => n === 'transitionOrder:FAILED')).toEqual([]);
  });

  it('expires at the checkout TTL when the buyer never approves', async () => {
    const f = fakes({ capturePayment: async () => null });
    const args = input({ provider: 'paypal', checkoutTtlMs: 800 });
    const out = await withWorker(f.activities, async (tq) => {
      const { handle } = await open(tq, args);
      await handle.signal(paymentSignal, approved(args.orderId, 'return:early'));
      return handle.result();
    });
    expect(out.status).toBe('EXPIRED');
    expect(f.names().slice(2)).toEqual(['capturePayment', 'expirePaymentSession', 'transitionOrder:EXPIRED', 'sendOrderEmail:checkout_expired']);
  });
});
