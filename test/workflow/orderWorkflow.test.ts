// orderWorkflow's decisions on a local Temporal server, with every activity replaced by a recording fake.
import { Context } from '@temporalio/activity';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PaymentEvent } from '../../src/domain/orders.js';
import { cancelUpdate, resolveUpdate, ORDER_NUMBER, ORDER_STATUS, orderWorkflowId, paymentSignal, statusQuery } from '../../src/workflows/definitions.js';
import type { orderWorkflow } from '../../src/workflows/order.js';
import { recordHistory } from '../support/harness.js';
import { env, fakes, input, open, paid, useWorkflowEnv, withWorker } from './support.js';

useWorkflowEnv();

describe('orderWorkflow', () => {
  it('opens checkout, then fulfils a new customer: paid, user, enrollments, welcome email, fulfilled', async () => {
    const f = fakes();
    const args = input();
    const result = await withWorker(f.activities, async (tq) => {
      const { view, handle } = await open(tq, args);
      expect(view).toEqual({ orderId: args.orderId, orderNumber: 'ORD-20260101-ABCD', status: 'PENDING', total: { amount: 6900, currency: 'PLN' }, paymentUrl: 'https://pay.example/sess_1' });
      await handle.signal(paymentSignal, paid(args.orderId));
      const out = await handle.result();
      const described = await handle.describe();
      expect(described.typedSearchAttributes.get(ORDER_STATUS)).toBe('FULFILLED');
      expect(described.typedSearchAttributes.get(ORDER_NUMBER)).toBe('ORD-20260101-ABCD');
      // Numbered at its start: the run never upserts the number, only its patch and each status.
      const upserts = ((await handle.fetchHistory()).events ?? []).flatMap((e) => (e.upsertWorkflowSearchAttributesEventAttributes ? [Object.keys(e.upsertWorkflowSearchAttributesEventAttributes.searchAttributes!.indexedFields!).sort()] : []));
      expect(upserts).toEqual([['TemporalChangeVersion'], ['OrderStatus'], ['OrderStatus']]);
      return out;
    });
    expect(result.status).toBe('FULFILLED');
    expect(f.names()).toEqual(['createOrder', 'createPaymentSession', 'transitionOrder:PAID', 'deliverOrder', 'findOrCreateUser', 'grantEnrollments', 'sendOrderEmail:welcome', 'transitionOrder:FULFILLED']);
    const paidCall = f.calls.find(([n, i]) => n === 'transitionOrder' && i.to === 'PAID')!;
    expect(paidCall[1]).toMatchObject({ payment: { paymentId: 'pay_1', amount: { amount: 6900, currency: 'PLN' } } });
  });

  it('shows the number the order got when another order had taken the one the run started with', async () => {
    const f = fakes({ createOrder: async (i: { orderId: string }) => ({ orderId: i.orderId, orderNumber: 'ORD-20260101-WXYZ', status: 'PENDING', total: { amount: 6900, currency: 'PLN' }, items: [] }) });
    const args = input();
    await withWorker(f.activities, async (tq) => {
      const { view, handle } = await open(tq, args);
      expect(view.orderNumber).toBe('ORD-20260101-WXYZ');
      expect((await handle.describe()).typedSearchAttributes.get(ORDER_NUMBER)).toBe('ORD-20260101-WXYZ');
      await recordHistory({ temporal: env.client }, handle.workflowId, 'numbered-at-start-number-taken', { open: true });
    });
  });

  it('records the number its order got when the run started without one (an API of an earlier release)', async () => {
    const f = fakes();
    const args = input({ orderNumber: undefined });
    await withWorker(f.activities, async (tq) => {
      const { view, handle } = await open(tq, args);
      expect(view.orderNumber).toBe('ORD-20260101-ABCD');
      expect((await handle.describe()).typedSearchAttributes.get(ORDER_NUMBER)).toBe('ORD-20260101-ABCD');
      const events = (await handle.fetchHistory()).events ?? [];
      const patches = events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch').map((e) => Buffer.from(e.markerRecordedEventAttributes!.details!['patch-data']!.payloads![0]!.data!).toString());
      expect(patches).toEqual([expect.stringContaining('order-local-steps')]);
    });
  });

  it('sends a returning customer a purchase confirmation', async () => {
    const f = fakes({ findOrCreateUser: async () => ({ userId: 'user_2', created: false }) });
    const args = input();
    await withWorker(f.activities, async (tq) => {
      const { handle } = await open(tq, args);
      await handle.signal(paymentSignal, paid(args.orderId));
      await handle.result();
    });
    expect(f.names()).toContain('sendOrderEmail:purchase_confirmation');
    expect(f.names()).not.toContain('sendOrderEmail:welcome');
  });

  it('marks a declined payment FAILED and sends the failure email, creating no user', async () => {
    const f = fakes();
    const args = input();
    const out = await withWorker(f.activities, async (tq) => {
      const { handle } = await open(tq, args);
      await handle.signal(paymentSignal, { ...paid(args.orderId), kind: 'failed' });
      return handle.result();
    });
    expect(out.status).toBe('FAILED');
    expect(f.names().slice(2)).toEqual(['transitionOrder:FAILED', 'sendOrderEmail:payment_failed']);
  });

  it('expires the provider session when the checkout TTL passes without payment', async () => {
    const f = fakes();
    const out = await withWorker(f.activities, async (tq) => (await open(tq, input({ checkoutTtlMs: 1000 }))).handle.result());
    expect(out.status).toBe('EXPIRED');
    expect(f.names().slice(2)).toEqual(['expirePaymentSession', 'transitionOrder:EXPIRED', 'sendOrderEmail:checkout_expired']);
  });

  it('gives a coupon use back after the order expires unpaid, as createOrder\'s compensation', async () => {
    const order = { orderNumber: 'ORD-20260101-ABCD', status: 'PENDING', total: { amount: 5520, currency: 'PLN' }, items: [], couponCode: 'WIOSNA20' };
    const f = fakes({ createOrder: async (i: { orderId: string }) => ({ orderId: i.orderId, ...order }) });
    const out = await withWorker(f.activities, async (tq) => (await open(tq, input({ checkoutTtlMs: 1000 }))).handle.result());
    expect(out.status).toBe('EXPIRED');
    expect(f.names().slice(2)).toEqual(['expirePaymentSession', 'transitionOrder:EXPIRED', 'releaseCouponRedemption', 'sendOrderEmail:checkout_expired']);
  });

  it('pays a free order (100% coupon) at once without waiting for a provider, and fulfils it', async () => {
    const f = fakes({ createOrder: async (i: { orderId: string }) => ({ orderId: i.orderId, orderNumber: 'ORD-20260101-ABCD', status: 'PENDING', total: { amount: 0, currency: 'PLN' }, items: [], couponCode: 'FREE' }) });
    const out = await withWorker(f.activities, async (tq) => (await open(tq, input({ checkoutTtlMs: 60_000 }))).handle.result());
    expect(out.status).toBe('FULFILLED');
    expect(f.names()).toEqual(['createOrder', 'createPaymentSession', 'transitionOrder:PAID', 'deliverOrder', 'findOrCreateUser', 'grantEnrollments', 'sendOrderEmail:welcome', 'transitionOrder:FULFILLED']);
    expect(f.calls.find(([n, i]) => n === 'transitionOrder' && i.to === 'PAID')![1]).toMatchObject({ payment: { amount: { amount: 0, currency: 'PLN' } } });
  });

  it('settles a payment that arrives while the expired session is being closed', async () => {
    const f = fakes({
      expirePaymentSession: async (i: { orderId: string }) => {
        await env.client.workflow.getHandle(orderWorkflowId(i.orderId)).signal(paymentSignal, paid(i.orderId));
      },
    });
    const out = await withWorker(f.activities, async (tq) => (await open(tq, input({ checkoutTtlMs: 500 }))).handle.result());
    expect(out.status).toBe('FULFILLED');
    expect(f.names().slice(2, 4)).toEqual(['expirePaymentSession', 'transitionOrder:PAID']);
    expect(f.names()).not.toContain('transitionOrder:EXPIRED');
  });

  it('after an outage while opening checkout, answers 503 but keeps the run open; a retry with the same key gets the URL once the provider is back', async () => {
    let outage = true;
    const f = fakes({
      createPaymentSession: async () => {
        if (outage) throw new Error('provider unreachable');
        return { sessionId: 'sess_2', paymentUrl: 'https://pay.example/sess_2' };
      },
    });
    const args = input();
    await withWorker(f.activities, async (tq) => {
      const err = await open(tq, args).catch((e: unknown) => e);
      expect(((err as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('checkout_unavailable');
      const handle = env.client.workflow.getHandle(orderWorkflowId(args.orderId));
      expect((await handle.describe()).status.name).toBe('RUNNING');
      // Still down: the retry asks for an attempt at once and hears that it failed too.
      const before = f.names().filter((n) => n === 'createPaymentSession').length;
      const again = await open(tq, args).catch((e: unknown) => e);
      expect(((again as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('checkout_unavailable');
      expect(f.names().filter((n) => n === 'createPaymentSession').length).toBeGreaterThan(before);
      outage = false;
      const retry = await open(tq, args);
      expect(retry.view.paymentUrl).toBe('https://pay.example/sess_2');
      await retry.handle.signal(paymentSignal, paid(args.orderId));
      expect((await retry.handle.result()).status).toBe('FULFILLED');
    });
    expect(f.names().filter((n) => n === 'createOrder')).toHaveLength(1);
    expect(f.names()).not.toContain('transitionOrder:FAILED');
  }, 30_000);

  it('expires an order whose session never opened within the TTL, and completes the run', async () => {
    const f = fakes({ createPaymentSession: async () => Promise.reject(new Error('provider unreachable')) });
    const args = input({ checkoutTtlMs: 4000 });
    const out = await withWorker(f.activities, async (tq) => {
      const err = await open(tq, args).catch((e: unknown) => e);
      expect(((err as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('checkout_unavailable');
      return env.client.workflow.getHandle<typeof orderWorkflow>(orderWorkflowId(args.orderId)).result();
    });
    expect(out).toMatchObject({ status: 'EXPIRED', failure: { code: 'checkout_expired', kind: 'conflict' } });
    expect(f.names().slice(-3)).toEqual(['expirePaymentSession', 'transitionOrder:EXPIRED', 'sendOrderEmail:checkout_expired']);
    expect(f.calls.find(([n, i]) => n === 'transitionOrder' && i.to === 'EXPIRED')![1]).toMatchObject({ cause: 'checkout_unavailable' });
  }, 30_000);

  it('completes the run when the order could not even be created before the TTL', async () => {
    const f = fakes({ createOrder: async () => Promise.reject(new Error('database unreachable')) });
    const args = input({ checkoutTtlMs: 4000 });
    const out = await withWorker(f.activities, async (tq) => {
      const err = await open(tq, args).catch((e: unknown) => e);
      expect(((err as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('checkout_unavailable');
      const handle = env.client.workflow.getHandle<typeof orderWorkflow>(orderWorkflowId(args.orderId));
      const result = await handle.result();
      expect((await handle.describe()).typedSearchAttributes.get(ORDER_NUMBER)).toBeUndefined();
      await recordHistory({ temporal: env.client }, handle.workflowId, 'numbered-at-start-expired-without-order');
      return result;
    });
    expect(out).toMatchObject({ status: 'PENDING', failure: { code: 'checkout_expired' } });
    expect(new Set(f.names())).toEqual(new Set(['createOrder']));
  }, 30_000);

  it('takes the provider at its word when it reports the session expired', async () => {
    const f = fakes();
    const args = input();
    const out = await withWorker(f.activities, async (tq) => {
      const { handle } = await open(tq, args);
      await handle.signal(paymentSignal, { provider: 'stripe', eventId: 'evt_exp', kind: 'expired', orderId: args.orderId });
      return handle.result();
    });
    expect(out.status).toBe('EXPIRED');
    expect(f.names().slice(2)).toEqual(['transitionOrder:EXPIRED', 'sendOrderEmail:checkout_expired']);
  });

  it.each([
    ['a different amount', 6800, 'PLN', 'fulfil'],
    ['a different currency', 6900, 'EUR', 'refund'],
  ] as const)('holds a payment of %s for an operator, who resolves it with %s', async (_what, amount, currency, action) => {
    const f = fakes();
    const args = input();
    const out = await withWorker(f.activities, async (tq) => {
      const { handle } = await open(tq, args);
      await handle.signal(paymentSignal, paid(args.orderId, amount, currency));
      await eventually(async () => (await handle.query(statusQuery)).status === 'HELD');
      expect(f.names()).not.toContain('grantEnrollments');
      // Impossible actions are refused by the validator and change nothing.
      const refused = await handle.executeUpdate(cancelUpdate, { args: [{ by: 'operator' }] }).catch((e: unknown) => e);
      expect(((refused as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('order_not_cancellable');
      const resolved = await handle.executeUpdate(resolveUpdate, { args: [{ action }] });
      expect(resolved.status).toBe(action === 'fulfil' ? 'FULFILLED' : 'REFUNDED');
      return handle.result();
    });
    expect(out.status).toBe(action === 'fulfil' ? 'FULFILLED' : 'REFUNDED');
    expect(f.calls[2]![1]).toMatchObject({ heldReason: 'amount_mismatch', details: { expected: { amount: 6900, currency: 'PLN' }, received: { amount, currency } } });
    const after = f.names().slice(f.names().indexOf('transitionOrder:HELD') + 1);
    expect(after).toEqual(
      action === 'fulfil'
        ? ['recordOrderEvent', 'transitionOrder:PAID', 'deliverOrder', 'findOrCreateUser', 'grantEnrollments', 'sendOrderEmail:welcome', 'transitionOrder:FULFILLED']
        : ['recordOrderEvent', 'reserveRefund', 'revokeEnrollments', 'refundAtProvider', 'settleRefund', 'sendOrderEmail:refund_issued'],
    );
  });

  it('compensates a fulfilment that fails for good: revoke, refund, email, REFUNDED', async () => {
    const f = fakes({ grantEnrollments: async () => Promise.reject(ApplicationFailure.nonRetryable('package gone', 'package_unavailable', { kind: 'unprocessable' })) });
    const args = input();
    const out = await withWorker(f.activities, async (tq) => {
      const { handle } = await open(tq, args);
      await handle.signal(paymentSignal, paid(args.orderId));
      return handle.result();
    });
    expect(out.status).toBe('REFUNDED');
    expect(f.names().slice(f.names().indexOf('grantEnrollments'))).toEqual([
      'grantEnrollments', 'recordOrderEvent', 'revokeEnrollments', 'reserveRefund', 'revokeEnrollments', 'refundAtProvider', 'settleRefund', 'sendOrderEmail:refund_issued',
    ]);
    expect(f.calls.find(([n]) => n === 'reserveRefund')![1]).toMatchObject({ key: 'compensation', source: 'compensation', reason: 'fulfilment_failed' });
  });

  it('compensates a delivery that hangs past the fulfilment budget, however often it was tried', async () => {
    const attempts: number[] = [];
    // Hangs until its timeout cancels it, as a query stuck on a lock does once activities/index.ts races it.
    const f = fakes({ deliverOrder: async () => Promise.reject(await Context.current().cancelled.catch((e: unknown) => (attempts.push(Date.now()), e))) });
    const args = input({ fulfilmentRetryMs: 3_000 });
    const out = await withWorker(f.activities, async (tq) => {
      const { handle } = await open(tq, args);
      await handle.signal(paymentSignal, paid(args.orderId));
      return handle.result();
    });
    expect(out.status).toBe('REFUNDED');
    // The budget ends the tries: one attempt takes all of it here, and the order is compensated.
    expect(attempts).toHaveLength(1);
    expect(f.names().slice(f.names().indexOf('deliverOrder'))).toEqual([
      'deliverOrder', 'recordOrderEvent', 'revokeEnrollments', 'reserveRefund', 'revokeEnrollments', 'refundAtProvider', 'settleRefund', 'sendOrderEmail:refund_issued',
    ]);
  }, 30_000);

  it('holds the order while a compensation keeps failing, and finishes it once it succeeds', async () => {
    let refundAttempts = 0;
    const f = fakes({
      findOrCreateUser: async () => Promise.reject(ApplicationFailure.nonRetryable('disabled', 'account_disabled', { kind: 'conflict' })),
      refundAtProvider: async () => {
        // Fails for longer than the 3 s budget, then the provider answers again.
        if (++refundAttempts < 5) throw new Error('provider down');
        return { status: 'succeeded' };
      },
    });
    const args = input();
    const out = await withWorker(f.activities, async (tq) => {
      const { handle } = await open(tq, args);
      await handle.signal(paymentSignal, paid(args.orderId));
      return handle.result();
    });
    expect(out.status).toBe('REFUNDED');
    expect(f.names()).toContain('transitionOrder:HELD');
    expect(f.calls.find(([n, i]) => n === 'transitionOrder' && i.to === 'HELD')![1]).toMatchObject({ heldReason: 'compensation_failed' });
    expect(f.names()).not.toContain('grantEnrollments');
  }, 30_000);

  it('records an email the mail server refuses and still fulfils', async () => {
    const f = fakes({ sendOrderEmail: async () => Promise.reject(ApplicationFailure.nonRetryable('550 no such user', 'email_rejected', { kind: 'unprocessable' })) });
    const args = input();
    const out = await withWorker(f.activities, async (tq) => {
      const { handle } = await open(tq, args);
      await handle.signal(paymentSignal, paid(args.orderId));
      return handle.result();
    });
    expect(out.status).toBe('FULFILLED');
    expect(f.names().slice(-3)).toEqual(['sendOrderEmail:welcome', 'recordEmailFailure', 'transitionOrder:FULFILLED']);
  });

  it('cancels an unpaid order through its update, and refuses once paid', async () => {
    const f = fakes();
    const cancelled = input();
    const paidOrder = input();
    await withWorker(f.activities, async (tq) => {
      const { handle } = await open(tq, cancelled);
      expect((await handle.executeUpdate(cancelUpdate, { args: [{ by: 'customer' }] })).status).toBe('CANCELLED');
      expect((await handle.result()).status).toBe('CANCELLED');
      const other = await open(tq, paidOrder);
      await other.handle.signal(paymentSignal, paid(paidOrder.orderId));
      await other.handle.result();
    });
    expect(f.calls.filter(([n]) => n === 'expirePaymentSession').map(([, i]) => i.orderId)).toEqual([cancelled.orderId]);
  });

  it('refunds a payment that reaches an expired order (policy refund) and records it', async () => {
    const f = fakes({
      loadOrderState: async () => ({ state: { status: 'EXPIRED', orderNumber: 'ORD-20260101-ABCD', total: { amount: 6900, currency: 'PLN' } }, paymentId: null }),
    });
    const orderId = randomUUID();
    const out = await withWorker(f.activities, async (tq) => {
      const handle = await env.client.workflow.signalWithStart<typeof orderWorkflow, [PaymentEvent]>('orderWorkflow', {
        workflowId: orderWorkflowId(orderId),
        taskQueue: tq,
        args: [{ orderId, resume: true, events: [], fulfilmentRetryMs: 3000, latePaymentPolicy: 'refund' }],
        signal: paymentSignal,
        signalArgs: [paid(orderId)],
      });
      return handle.result();
    });
    expect(out.status).toBe('REFUNDED');
    expect(f.names()).toEqual(['loadOrderState', 'recordOrderEvent', 'recordLatePayment', 'reserveRefund', 'revokeEnrollments', 'refundAtProvider', 'settleRefund', 'sendOrderEmail:refund_issued']);
  });

  it('fulfils once however often the payment is signalled, and ignores events for other orders', async () => {
    const f = fakes();
    const args = input();
    await withWorker(f.activities, async (tq) => {
      const { handle } = await open(tq, args);
      await handle.signal(paymentSignal, paid(randomUUID()));
      expect((await handle.query(statusQuery)).status).toBe('PENDING');
      const event = paid(args.orderId);
      await handle.signal(paymentSignal, event);
      await handle.signal(paymentSignal, event);
      await handle.signal(paymentSignal, { ...paid(args.orderId), kind: 'failed' });
      await handle.result();
    });
    expect(f.names().filter((n) => n === 'grantEnrollments')).toHaveLength(1);
    expect(f.names()).not.toContain('transitionOrder:FAILED');
  });

  it('answers a repeated checkout with the same view and refuses a different request on the same key', async () => {
    const f = fakes();
    const args = input();
    await withWorker(f.activities, async (tq) => {
      const first = await open(tq, args);
      const again = await open(tq, args);
      expect(again.view).toEqual(first.view);
      const err = await open(tq, args, 'another-fingerprint').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(((err as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('idempotency_key_reused');
      await first.handle.signal(paymentSignal, paid(args.orderId));
      await first.handle.result();
    });
    expect(f.names().filter((n) => n === 'createOrder')).toHaveLength(1);
  });

  it('fails checkout with the business error when the order cannot be created, and ends', async () => {
    const f = fakes({
      createOrder: async () => {
        throw ApplicationFailure.nonRetryable('Some packages do not exist or are not for sale.', 'package_unavailable', { kind: 'unprocessable' });
      },
    });
    const args = input();
    await withWorker(f.activities, async (tq) => {
      const err = await open(tq, args).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      const failure = (err as WorkflowUpdateFailedError).cause as ApplicationFailure;
      expect(failure.type).toBe('package_unavailable');
      expect(failure.details?.[0]).toEqual({ kind: 'unprocessable' });
      const handle = env.client.workflow.getHandle(orderWorkflowId(args.orderId));
      const out = await handle.result();
      expect(out.failure).toEqual({ code: 'package_unavailable', message: 'Some packages do not exist or are not for sale.', kind: 'unprocessable' });
      // Started with a number no order got: a search by it finds nothing.
      expect((await handle.describe()).typedSearchAttributes.get(ORDER_NUMBER)).toBeUndefined();
      await recordHistory({ temporal: env.client }, handle.workflowId, 'numbered-at-start-refused');
    });
    expect(f.names()).toEqual(['createOrder']);
  });

  it('marks the order FAILED when the payment session cannot be opened', async () => {
    const f = fakes({
      createPaymentSession: async () => {
        throw ApplicationFailure.nonRetryable('Payment provider stripe is not configured.', 'provider_unavailable', { kind: 'unprocessable' });
      },
    });
    const args = input();
    await withWorker(f.activities, async (tq) => {
      const err = await open(tq, args).catch((e: unknown) => e);
      expect(((err as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('provider_unavailable');
      const out = await env.client.workflow.getHandle(orderWorkflowId(args.orderId)).result();
      expect(out.status).toBe('FAILED');
    });
    expect(f.names()).toEqual(['createOrder', 'createPaymentSession', 'transitionOrder:FAILED']);
  });
});

async function eventually(probe: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
