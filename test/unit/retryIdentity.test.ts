// What makes a retried email or timeline entry the same one: stable Message-IDs, re-issued setup tokens and activity-call keys.
import { describe, it, expect } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { activityInfo } from '@temporalio/activity';
import { createActivities } from '../../src/activities/index.js';
import { issueEmailSetupToken } from '../../src/auth/setupTokens.js';
import type { Sql } from '../../src/db/client.js';
import { senderDomain, type Mailer, type SendOptions } from '../../src/email/transport.js';
import { fakeActivityDeps, fakeSql } from '../support/fakeDeps.js';

const ORDER_ID = '0b7c9f2e-1d4a-4c3b-9e5f-a1b2c3d4e5f6';
const orderRow = {
  id: ORDER_ID, order_number: 'ORD-20260101-ABCD', status: 'FULFILLED', email: 'ala@example.com', customer_name: 'Ala', locale: 'en',
  provider: 'stripe', total_amount: 6900, currency: 'PLN', provider_session_id: 'cs_1', payment_url: null, provider_payment_id: 'pi_1',
  user_id: 'u1', request_fingerprint: 'f', held_reason: null, created_at: new Date(),
  // The order's items, read with it.
  items: [],
};

const env = (info: Partial<ReturnType<typeof activityInfo>> = {}) => new MockActivityEnvironment(info, { logger: new DefaultLogger('ERROR') });
const inWorkflow = (workflowId: string, activityId = '1') => env({ activityId, workflowExecution: { workflowId, runId: 'run-1' } });

/** Sends one purchase confirmation with a mailer that records the options it was given. */
async function sentOptions(run: MockActivityEnvironment, input: { force?: boolean } = {}): Promise<SendOptions | undefined> {
  let options: SendOptions | undefined;
  const mailer = { send: async (_to: string, _e: unknown, _h: unknown, o?: SendOptions) => ((options = o), { messageId: 'x' }) } as unknown as Mailer;
  // The order with its items, then the ledger’s answer: not sent yet.
  const activities = createActivities(fakeActivityDeps({ sql: fakeSql([[orderRow], [{ status: 'sending' }]]), mailer }));
  await run.run(activities.sendOrderEmail, { orderId: ORDER_ID, kind: 'purchase_confirmation' as const, ...input });
  return options;
}

describe('an order email is one message across retries', () => {
  it('is sent under a Message-ID made of its order, kind and ref, the same on every attempt', async () => {
    const first = await sentOptions(inWorkflow(`order-${ORDER_ID}`));
    const retry = await sentOptions(inWorkflow(`order-${ORDER_ID}`));
    expect(first?.messageKey).toBe(`order-${ORDER_ID}.purchase_confirmation`);
    expect(retry?.messageKey).toBe(first?.messageKey);
  });

  it("an operator's resend is a new message: its own id per resend request, stable across that request's retries", async () => {
    const a = await sentOptions(inWorkflow(`email-resend-${ORDER_ID}-a`), { force: true });
    const again = await sentOptions(inWorkflow(`email-resend-${ORDER_ID}-a`), { force: true });
    const b = await sentOptions(inWorkflow(`email-resend-${ORDER_ID}-b`), { force: true });
    expect(a?.messageKey).toMatch(new RegExp(`^order-${ORDER_ID}\\.purchase_confirmation\\.resend-[0-9a-f]{16}$`));
    expect(again?.messageKey).toBe(a?.messageKey);
    expect(b?.messageKey).not.toBe(a?.messageKey);
  });

  it('takes the Message-ID domain from the sender address', () => {
    expect(senderDomain('Sklep <sklep@shop.example>')).toBe('shop.example');
    expect(senderDomain('noreply@mail.example')).toBe('mail.example');
  });
});

describe('the setup token of an emailed link', () => {
  const issue = (answers: { state: string }[][]) => issueEmailSetupToken(fakeSql(answers), 'secret', 'u1', `${ORDER_ID}/welcome/`);

  it('is the same token again while the earlier one is unused and fresh', async () => {
    const first = await issue([[{ state: 'issued' }]]);
    expect(await issue([[{ state: 'reusable' }]])).toBe(first);
  });

  it('moves to a new token when the earlier one was used or is about to expire', async () => {
    const first = await issue([[{ state: 'issued' }]]);
    const next = await issue([[{ state: 'spent' }], [{ state: 'issued' }]]);
    expect(next).not.toBe(first);
    expect(next).toMatch(/^[\w-]{43}$/);
  });
});

describe('a timeline entry is keyed by the activity call', () => {
  /** A tagged template that records each query's parameters. */
  function recordingSql() {
    const params: unknown[][] = [];
    const sql = Object.assign((_s: TemplateStringsArray, ...values: unknown[]) => (params.push(values), Promise.resolve([])), { json: (v: unknown) => v });
    return { sql: sql as unknown as Sql, params };
  }
  const keyOf = async (run: MockActivityEnvironment, input: { key?: string } = {}) => {
    const { sql, params } = recordingSql();
    await run.run(createActivities(fakeActivityDeps({ sql })).recordOrderEvent, { orderId: ORDER_ID, cause: 'note', details: { a: 1 }, ...input });
    // The insert's parameters: cause, details, key, then the order it selects.
    return params[0]!.at(-2);
  };

  it('a retry of the same call has the same key; another step recording equal content has its own', async () => {
    const key = await keyOf(inWorkflow('order-1', '5'));
    expect(key).toBe('order-1/run-1/5');
    expect(await keyOf(inWorkflow('order-1', '5'))).toBe(key);
    expect(await keyOf(inWorkflow('order-1', '6'))).not.toBe(key);
    expect(await keyOf(inWorkflow('order-1', '6'), { key: 'mine' })).toBe('mine');
  });
});
