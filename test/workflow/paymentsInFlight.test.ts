// Payments that take time: PROCESSING, its settlement deadline, a bank transfer from checkout, and an approval we capture.
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import type { PaymentEvent } from '../../src/domain/orders.js';
import { cancelUpdate, ORDER_STATUS, orderWorkflowId, paymentSignal, statusQuery } from '../../src/workflows/definitions.js';
import { env, fakes, input, open, paid, useWorkflowEnv, withWorker } from './support.js';

useWorkflowEnv();

const event = (orderId: string, kind: PaymentEvent['kind'], eventId: string): PaymentEvent => ({ provider: 'payu', eventId, kind, orderId, sessionId: 'sess_1' });

async function untilStatus(handle: WorkflowHandle, status: string) {
  for (let i = 0; i < 100; i++) {
    if ((await handle.query(statusQuery)).status === status) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the order never became ${status}`);
}

describe('a payment the provider accepted but has not settled', () => {
  it('turns the order PROCESSING past its checkout TTL, then fulfils it when the money settles', async () => {
    const f = fakes();
    const args = input({ provider: 'payu', checkoutTtlMs: 300 });
    const out = await withWorker(f.activities, async (tq) => {
      const { handle } = await open(tq, args);
      await handle.signal(paymentSignal, event(args.orderId, 'processing', 'payu-1:PENDING'));
      await untilStatus(handle, 'PROCESSING');
      expect((await handle.describe()).typedSearchAttributes.get(ORDER_STATUS)).toBe('PROCESSING');
      // Longer than the checkout TTL: a PROCESSING order is not expired by it.
      await new Promise((r) => setTimeout(r, 600));
      await handle.signal(paymentSignal, event(args.orderId, 'processing', 'payu-1:WAITING_FOR_CONFIRMATION'));
      await handle.signal(paymentSignal, { ...paid(args.orderId), provider: 'payu', eventId: 'payu-1:COMPLETED' });
      return handle.result();
    });
    expect(out.status).toBe('FULFILLED');
    expect(f.names().slice(2)).toEqual(['transitionOrder:PROCESSING', 'transitionOrder:PAID', 'deliverOrder', 'findOrCreateUser', 'grantEnrollments', 'sendOrderEmail:welcome', 'transitionOrder:FULFILLED']);
  });

  it('fails a PROCESSING order the provider declines in the end', async () => {
    const f = fakes();
    const args = input({ provider: 'payu' });
    const out = await withWorker(f.activities, async (tq) => {
      const { handle } = await open(tq, args);
      await handle.signal(paymentSignal, event(args.orderId, 'processing', 'e1'));
      await handle.signal(paymentSignal, event(args.orderId, 'failed', 'e2'));
      return handle.result();
    });
    expect(out.status).toBe('FAILED');
    expect(f.names().slice(2)).toEqual(['transitionOrder:PROCESSING', 'transitionOrder:FAILED', 'sendOrderEmail:payment_failed']);
  });

  it("expires a PROCESSING order at its provider's settlement deadline and tells the buyer", async () => {
    const f = fakes();
    const args = input({ provider: 'payu', checkoutTtlMs: 60_000, settlementMs: { payu: 800, bank_transfer: 60_000 } });
    const out = await withWorker(f.activities, async (tq) => {
      const { handle } = await open(tq, args);
      await handle.signal(paymentSignal, event(args.orderId, 'processing', 'e1'));
      return handle.result();
    });
    expect(out.status).toBe('EXPIRED');
    expect(f.names().slice(2)).toEqual(['transitionOrder:PROCESSING', 'expirePaymentSession', 'transitionOrder:EXPIRED', 'sendOrderEmail:payment_expired']);
    expect(f.calls.find(([n, i]) => n === 'transitionOrder' && i.to === 'EXPIRED')![1]).toMatchObject({ cause: 'settlement_deadline' });
  });

  it('refuses to cancel a PROCESSING order', async () => {
    const f = fakes();
    const args = input({ provider: 'payu' });
    await withWorker(f.activities, async (tq) => {
      const { handle } = await open(tq, args);
      await handle.signal(paymentSignal, event(args.orderId, 'processing', 'e1'));
      await untilStatus(handle, 'PROCESSING');
      const err = await handle.executeUpdate(cancelUpdate, { args: [{ by: 'customer' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(((err as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('order_not_cancellable');
      await handle.signal(paymentSignal, { ...paid(args.orderId), eventId: 'e2' });
      expect((await handle.result()).status).toBe('FULFILLED');
    });
  });
});

describe('a bank transfer', () => {
  it('answers checkout PROCESSING, sends the transfer details, and fulfils when an operator records the money', async () => {
    const f = fakes({ createPaymentSession: async () => ({ sessionId: 'bt_1', paymentUrl: 'https://shop.example/pay/bank-transfer/1', status: 'PROCESSING' }) });
    const args = input({ provider: 'bank_transfer', checkoutTtlMs: 300 });
    const out = await withWorker(f.activities, async (tq) => {
      const { view, handle } = await open(tq, args);
      expect(view.status).toBe('PROCESSING');
      // The run started numbered; its PROCESSING status is shown in the checkout's one workflow task, once.
      const events = (await handle.fetchHistory()).events ?? [];
      const upserts = events.flatMap((e) => (e.upsertWorkflowSearchAttributesEventAttributes ? [Object.keys(e.upsertWorkflowSearchAttributesEventAttributes.searchAttributes!.indexedFields!).sort()] : []));
      expect(upserts).toEqual([['TemporalChangeVersion'], ['OrderStatus']]);
      await new Promise((r) => setTimeout(r, 600));
      await handle.signal(paymentSignal, { ...paid(args.orderId), provider: 'bank_transfer', eventId: 'manual:key-1' });
      return handle.result();
    });
    expect(out.status).toBe('FULFILLED');
    expect(f.names().slice(2)).toEqual(['sendOrderEmail:bank_transfer_instructions', 'transitionOrder:PAID', 'deliverOrder', 'findOrCreateUser', 'grantEnrollments', 'sendOrderEmail:welcome', 'transitionOrder:FULFILLED']);
  });
});

describe('an approval the merchant captures (PayPal)', () => {
  it('captures once and fulfils with the capture as the payment', async () => {
    const f = fakes();
    const args = input({ provider: 'paypal' });
    const out = await withWorker(f.activities, async (tq) => {
      const { handle } = await open(tq, args);
      // The buyer's return and the webhook both report the approval: one capture.
      await handle.signal(paymentSignal, { ...event(args.orderId, 'approved', 'return:1'), provider: 'paypal' });
      await handle.signal(paymentSignal, { ...event(args.orderId, 'approved', 'WH-approved'), provider: 'paypal' });
      return handle.result();
    });
    expect(out.status).toBe('FULFILLED');
    expect(f.names().filter((n) => n === 'capturePayment')).toHaveLength(1);
    expect(f.calls.find(([n, i]) => n === 'transitionOrder' && i.to === 'PAID')![1]).toMatchObject({ payment: { paymentId: 'cap_1' } });
  });

  it('waits on a capture the provider left pending, and fails a declined one', async () => {
    const f = fakes({ capturePayment: async (i: { orderId: string }) => ({ provider: 'paypal', eventId: `capture:${i.orderId}:processing`, kind: 'processing', orderId: i.orderId, paymentId: 'cap_2' }) });
    const args = input({ provider: 'paypal' });
    const out = await withWorker(f.activities, async (tq) => {
      const { handle } = await open(tq, args);
      await handle.signal(paymentSignal, { ...event(args.orderId, 'approved', 'WH-1'), provider: 'paypal' });
      await untilStatus(handle, 'PROCESSING');
      await handle.signal(paymentSignal, { ...event(args.orderId, 'failed', 'WH-2'), provider: 'paypal' });
      return handle.result();
    });
    expect(out.status).toBe('FAILED');
    expect(f.names().slice(2)).toEqual(['capturePayment', 'transitionOrder:PROCESSING', 'transitionOrder:FAILED', 'sendOrderEmail:payment_failed']);
  });

  it('never captures an approval that arrives while the expired order is being closed', async () => {
    const f = fakes({
      expirePaymentSession: async (i: { orderId: string }) => {
        await env.client.workflow.getHandle(orderWorkflowId(i.orderId)).signal(paymentSignal, { ...event(i.orderId, 'approved', 'WH-late'), provider: 'paypal' });
      },
    });
    const args = input({ provider: 'paypal', checkoutTtlMs: 300 });
    const out = await withWorker(f.activities, async (tq) => (await open(tq, args)).handle.result());
    expect(out.status).toBe('EXPIRED');
    expect(f.names()).not.toContain('capturePayment');
  });
});
