// Activities alone, in Temporal's MockActivityEnvironment with hand-written parts: how their errors leave for the workflow.
import { describe, it, expect } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities } from '../../src/activities/index.js';
import type { PaymentProviders } from '../../src/payments/index.js';
import { fakeActivityDeps, fakeSql } from '../support/fakeDeps.js';

const ORDER_ID = '0b7c9f2e-1d4a-4c3b-9e5f-a1b2c3d4e5f6';
const orderRow = {
  id: ORDER_ID,
  order_number: 'ORD-20260101-ABCD',
  status: 'PENDING',
  email: 'ala@example.com',
  customer_name: 'Ala',
  locale: 'pl',
  provider: 'stripe',
  total_amount: 6900,
  currency: 'PLN',
  provider_session_id: 'cs_1',
  payment_url: 'https://pay.test/cs_1',
  provider_payment_id: null,
  user_id: null,
  request_fingerprint: 'f',
  held_reason: null,
  created_at: new Date(),
  // The order's items, read with it.
  items: [],
};

/** Temporal's activity context without a worker; its logger only speaks up for errors. */
const mockEnv = () => new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') });

async function failureOf(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => expect.unreachable('the activity should have failed'),
    (err: unknown) => err,
  );
}

describe('business errors leave activities as non-retryable failures', () => {
  it('an order that does not exist is a non-retryable order_not_found carrying its kind', async () => {
    const activities = createActivities(fakeActivityDeps({ sql: fakeSql([[]]) }));
    const err = await failureOf(mockEnv().run(activities.expirePaymentSession, { orderId: ORDER_ID }));
    expect(err).toBeInstanceOf(ApplicationFailure);
    const failure = err as ApplicationFailure;
    expect(failure.nonRetryable).toBe(true);
    expect(failure.type).toBe('order_not_found');
    expect(failure.details).toEqual([{ kind: 'not_found', details: undefined }]);
  });

  it('an order for a provider this worker lacks is non-retryable provider_unavailable', async () => {
    const activities = createActivities(fakeActivityDeps({ sql: fakeSql([[orderRow]]), payments: {} as PaymentProviders }));
    const err = await failureOf(mockEnv().run(activities.expirePaymentSession, { orderId: ORDER_ID }));
    expect((err as ApplicationFailure).type).toBe('provider_unavailable');
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
  });

  it('a disabled account is a non-retryable account_disabled (the workflow compensates at once)', async () => {
    const disabled = { id: 'u1', email: 'ala@example.com', name: 'Ala', role: 'customer', password_hash: null, created_by_order_id: null, disabled_at: new Date(), created_at: new Date() };
    // The insert that found the email taken, then the account (not linked to the order, being disabled).
    const activities = createActivities(fakeActivityDeps({ sql: fakeSql([[], [disabled]]) }));
    const err = await failureOf(mockEnv().run(activities.findOrCreateUser, { orderId: ORDER_ID }));
    expect((err as ApplicationFailure).type).toBe('account_disabled');
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
  });

  it('anything else (an outage) is thrown as it is, so Temporal retries it', async () => {
    const outage = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const activities = createActivities(fakeActivityDeps({ sql: fakeSql([outage]) }));
    const err = await failureOf(mockEnv().run(activities.expirePaymentSession, { orderId: ORDER_ID }));
    expect(err).toBe(outage);
  });
});

describe('activities that need no database row', () => {
  it('expirePaymentSession closes the stored session at the order provider', async () => {
    const expired: string[] = [];
    const payments = { stripe: { expireSession: async (id: string) => void expired.push(id) } } as unknown as PaymentProviders;
    const activities = createActivities(fakeActivityDeps({ sql: fakeSql([[orderRow]]), payments }));
    await mockEnv().run(activities.expirePaymentSession, { orderId: ORDER_ID });
    expect(expired).toEqual(['cs_1']);
  });

  it('sendSetupLink for an email without an account ends quietly and sends nothing', async () => {
    const activities = createActivities(fakeActivityDeps({ sql: fakeSql([[]]) }));
    expect(await mockEnv().run(activities.sendSetupLink, { email: 'nobody@example.com' })).toEqual({ status: 'no_account' });
  });
});
