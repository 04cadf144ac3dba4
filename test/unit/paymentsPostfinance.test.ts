// The PostFinance adapter against the local fake: sessions, refunds, look-ups and expiry (auth and webhooks beside).
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { createPostfinanceCall, PostfinanceApiError } from '../../src/payments/postfinanceApi.js';
import { createPostfinanceProvider } from '../../src/payments/postfinance.js';
import { ProviderRefusal, type PaymentProvider } from '../../src/payments/provider.js';
import { startPostfinanceFake, type PostfinanceFake } from '../fakes/postfinance.js';
import { ORDER_ID, rejection, sessionInput, usePostfinance } from '../support/postfinance.js';

const { ctx, openSession, requestsTo } = usePostfinance();
let fake: PostfinanceFake;
let provider: PaymentProvider;
beforeAll(() => {
  ({ fake, provider } = ctx);
});

describe('createSession', () => {
  it('creates a transaction with the documented fields and returns its payment page', async () => {
    const { id, orderId, session } = await openSession();
    const create = requestsTo(/^POST \/payment\/transactions$/).at(-1)!;
    expect(create.headers['content-type']).toBe('application/json');
    expect(create.json).toEqual({
      lineItems: [
        { uniqueId: 'pkg-ts', name: 'TypeScript od podstaw', sku: 'typescript', quantity: 1, amountIncludingTax: 69, type: 'PRODUCT' },
        { uniqueId: 'pkg-sql', name: 'SQL w praktyce', sku: 'sql', quantity: 1, amountIncludingTax: 12.5, type: 'PRODUCT' },
      ],
      currency: 'CHF',
      merchantReference: orderId,
      metaData: { orderId, orderNumber: 'ORD-20250101-ABCD', checkoutKey: `session:${orderId}` },
      successUrl: `https://shop.example/orders/${ORDER_ID}`,
      failedUrl: `https://shop.example/orders/${ORDER_ID}?cancelled=1`,
      customerEmailAddress: 'buyer@example.com',
      language: 'pl-PL',
      autoConfirmationEnabled: true,
    });
    expect(session.sessionId).toBe(String(id));
    expect(session.url).toMatch(new RegExp(`/s/${fake.settings.spaceId}/payment/transaction/pay/${id}\\?securityToken=`));
    expect(fake.transaction(id)).toMatchObject({ state: 'PENDING', authorizationAmount: 81.5 });
    expect(provider.currencies).toEqual(['CHF', 'EUR']);
  });

  it('shows a coupon as one negative DISCOUNT line, so the lines sum to the discounted total', async () => {
    const lines = sessionInput().lines.map((l, i) => ({ ...l, discountAmount: [1380, 250][i]! }));
    const { id } = await openSession({ lines, total: { amount: 6520, currency: 'CHF' } });
    const items = requestsTo(/^POST \/payment\/transactions$/).at(-1)!.json.lineItems;
    expect(items.map((l: { type: string; amountIncludingTax: number }) => [l.type, l.amountIncludingTax])).toEqual([['PRODUCT', 69], ['PRODUCT', 12.5], ['DISCOUNT', -16.3]]);
    expect(fake.transaction(id)).toMatchObject({ authorizationAmount: 65.2 });
  });

  it('is refused by the fake, as by PostFinance, with a positive DISCOUNT or a negative PRODUCT line', async () => {
    const base = { currency: 'CHF', merchantReference: 'x', lineItems: [{ uniqueId: 'a', name: 'A', quantity: 1, amountIncludingTax: 10, type: 'PRODUCT' }] };
    for (const bad of [{ uniqueId: 'd', name: 'D', quantity: 1, amountIncludingTax: 2, type: 'DISCOUNT' }, { uniqueId: 'd', name: 'D', quantity: 1, amountIncludingTax: -2, type: 'PRODUCT' }]) {
      const err = await rejection(createPostfinanceCall(fake.settings)('POST', '/payment/transactions', { body: { ...base, lineItems: [...base.lineItems, bad] } }));
      expect(err).toBeInstanceOf(PostfinanceApiError);
      expect(err).toMatchObject({ status: 400 });
    }
  });

  it('speaks en-US to English buyers', async () => {
    await openSession({ locale: 'en' });
    expect(requestsTo(/^POST \/payment\/transactions$/).at(-1)!.json.language).toBe('en-US');
  });

  it('finds the transaction it made when retried with the same key, and makes a new one for a new key', async () => {
    const first = await openSession();
    const creates = requestsTo(/^POST \/payment\/transactions$/).length;
    const again = await provider.createSession(sessionInput({ orderId: first.orderId, idempotencyKey: `session:${first.orderId}` }));
    expect(again.sessionId).toBe(first.session.sessionId);
    expect(requestsTo(/^POST \/payment\/transactions$/)).toHaveLength(creates);
    const other = await provider.createSession(sessionInput({ orderId: first.orderId, idempotencyKey: `session:${first.orderId}:2` }));
    expect(other.sessionId).not.toBe(first.session.sessionId);
  });

  it('reads the page URL when it comes as a JSON string', async () => {
    const jsonFake = await startPostfinanceFake({ stringsAs: 'json' });
    try {
      const session = await createPostfinanceProvider(jsonFake.settings).createSession(sessionInput());
      expect(session.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/s\/\d+\/payment\/transaction\/pay\/\d+\?securityToken=/);
    } finally {
      await jsonFake.close();
    }
  });

  it('refuses lines that do not add up to the total before calling PostFinance', async () => {
    const before = fake.requests.length;
    await expect(provider.createSession(sessionInput({ total: { amount: 9999, currency: 'CHF' } }))).rejects.toThrow(/lines sum to 8150/);
    expect(fake.requests).toHaveLength(before);
  });

  it('surfaces the fake refusing a currency the space does not accept', async () => {
    const lines = sessionInput().lines.map((l) => ({ ...l, currency: 'PLN' }));
    const err = await rejection(openSession({ lines, total: { amount: 8150, currency: 'PLN' } }));
    expect(err).toMatchObject({ status: 400 });
  });
});

describe('refund', () => {
  const refundOf = (sessionId: string, amount: number, key: string) => ({ orderId: ORDER_ID, sessionId, paymentId: sessionId, amount: { amount, currency: 'CHF' }, idempotencyKey: key });

  it('sends externalId, type, transaction and a decimal amount, and maps SUCCESSFUL', async () => {
    const { id, session } = await openSession();
    await fake.fulfill(id);
    const result = await provider.refund(refundOf(session.sessionId, 1250, `refund:${id}:1`));
    expect(requestsTo(/^POST \/payment\/refunds$/).at(-1)!.json).toEqual({ externalId: `refund:${id}:1`, type: 'MERCHANT_INITIATED_ONLINE', transaction: id, amount: 12.5 });
    expect(result).toEqual({ refundId: expect.stringMatching(/^\d+$/), status: 'succeeded' });
    expect(fake.transaction(id).refundedAmount).toBe(12.5);
  });

  it('maps PENDING and FAILED', async () => {
    const { id, session } = await openSession();
    await fake.fulfill(id);
    fake.setNextRefundState('PENDING');
    expect(await provider.refund(refundOf(session.sessionId, 100, `refund:${id}:p`))).toMatchObject({ status: 'pending' });
    fake.setNextRefundState('FAILED');
    expect(await provider.refund(refundOf(session.sessionId, 100, `refund:${id}:f`))).toEqual({ refundId: expect.any(String), status: 'failed', reason: 'The processor refused the refund.' });
  });

  it('replays the original result for a repeated externalId', async () => {
    const { id, session } = await openSession();
    await fake.fulfill(id);
    const first = await provider.refund(refundOf(session.sessionId, 8150, `refund:${id}:all`));
    const again = await provider.refund(refundOf(session.sessionId, 8150, `refund:${id}:all`));
    expect(again).toEqual(first);
    expect(fake.refundIds().filter((r) => fake.refund(r).transaction.id === id)).toHaveLength(1);
  });

  it('is a ProviderRefusal above what is left to refund', async () => {
    const { id, session } = await openSession();
    await fake.fulfill(id);
    await provider.refund(refundOf(session.sessionId, 8000, `refund:${id}:a`));
    const err = await rejection(provider.refund(refundOf(session.sessionId, 151, `refund:${id}:b`)));
    expect(err).toBeInstanceOf(ProviderRefusal);
    expect((err as ProviderRefusal).details).toMatchObject({ status: 400 });
  });

  it('is a plain error, not a refusal, when PostFinance does not accept our credentials', async () => {
    const { id, session } = await openSession();
    await fake.fulfill(id);
    const wrong = createPostfinanceProvider({ ...fake.settings, authKey: randomBytes(32).toString('base64') });
    const err = await rejection(wrong.refund(refundOf(session.sessionId, 100, `refund:${id}:k`)));
    expect(err).toMatchObject({ status: 401 });
    expect(err).not.toBeInstanceOf(DomainError);
  });

  it('is a plain, retryable error when PostFinance is down', async () => {
    const { id, session } = await openSession();
    await fake.fulfill(id);
    fake.failNext(/^POST \/payment\/refunds$/, 503);
    const err = await rejection(provider.refund(refundOf(session.sessionId, 100, `refund:${id}:x`)));
    expect(err).toBeInstanceOf(PostfinanceApiError);
    expect(err).not.toBeInstanceOf(DomainError);
  });
});

describe('retrieveSession', () => {
  it.each([
    ['PENDING', { state: 'open' }],
    ['PROCESSING', { state: 'processing', amount: { amount: 8150, currency: 'CHF' } }],
    ['AUTHORIZED', { state: 'processing', amount: { amount: 8150, currency: 'CHF' } }],
    ['FULFILL', { state: 'paid', amount: { amount: 8150, currency: 'CHF' } }],
    ['DECLINE', { state: 'failed' }],
    ['VOIDED', { state: 'failed' }],
  ] as const)('%s → %o', async (state, outcome) => {
    const { id, session } = await openSession();
    fake.setState(id, state);
    const found = await provider.retrieveSession(session.sessionId);
    expect(found).toEqual(state === 'PENDING' ? outcome : { paymentId: String(id), ...outcome });
  });
});

describe('expireSession', () => {
  it('leaves an unauthorized transaction to time out by itself (there is no cancel), without error', async () => {
    const { id, session } = await openSession();
    await provider.expireSession(session.sessionId);
    expect(requestsTo(/void-online$/).filter((r) => r.path.includes(String(id)))).toHaveLength(0);
    expect(fake.transaction(id).state).toBe('PENDING');
  });

  it('voids an authorization', async () => {
    const { id, session } = await openSession();
    fake.setState(id, 'AUTHORIZED');
    await provider.expireSession(session.sessionId);
    expect(fake.transaction(id).state).toBe('VOIDED');
  });

  it('is no error for a transaction already closed, nor for one completed while voiding', async () => {
    const { id, session } = await openSession();
    fake.setState(id, 'FULFILL');
    await expect(provider.expireSession(session.sessionId)).resolves.toBeUndefined();
    const raced = await openSession();
    fake.setState(raced.id, 'AUTHORIZED');
    fake.failNext(/void-online$/, 409, () => fake.setState(raced.id, 'FULFILL'));
    await expect(provider.expireSession(raced.session.sessionId)).resolves.toBeUndefined();
  });

  it('fails when the void is refused and the authorization still stands', async () => {
    const { id, session } = await openSession();
    fake.setState(id, 'AUTHORIZED');
    fake.failNext(/void-online$/, 409);
    await expect(provider.expireSession(session.sessionId)).rejects.toBeInstanceOf(PostfinanceApiError);
  });
});
