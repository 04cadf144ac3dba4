// PayU adapter against the fake PayU: OAuth token reuse, order creation and its lost-answer retry, refunds, lookup and cancel.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPayuProvider } from '../../src/payments/payu.js';
import { payuFailure, toPayuAmount } from '../../src/payments/payuWire.js';
import { ProviderRefusal, type CreateSessionInput, type PaymentProvider } from '../../src/payments/provider.js';
import { startPayuFake, type PayuFake } from '../fakes/payu.js';

let fake: PayuFake;
let payu: PaymentProvider;

beforeAll(async () => {
  fake = await startPayuFake();
  payu = createPayuProvider(fake.settings);
});
afterAll(() => fake.close());

function sessionInput(over: Partial<CreateSessionInput> = {}): CreateSessionInput {
  const orderId = over.orderId ?? randomUUID();
  return {
    orderId,
    orderNumber: 'ORD-20250101-AB2C',
    email: 'buyer@example.com',
    locale: 'pl',
    lines: [
      { packageId: 'p1', slug: 'kurs-a', title: 'Kurs A', unitAmount: 10000, discountAmount: 0, currency: 'PLN' },
      { packageId: 'p2', slug: 'kurs-b', title: 'Kurs B', unitAmount: 5000, discountAmount: 0, currency: 'PLN' },
    ],
    total: { amount: 15000, currency: 'PLN' },
    expiresAt: new Date(Date.now() + 30 * 60_000),
    idempotencyKey: `session:${orderId}`,
    successUrl: `https://shop.example/orders/${orderId}`,
    cancelUrl: `https://shop.example/orders/${orderId}?cancelled=1`,
    notifyUrl: 'https://shop.example/api/v1/webhooks/payu',
    ...over,
  };
}

const since = (mark: number) => fake.requests.slice(mark);
const oauthCalls = (mark: number) => since(mark).filter((r) => r.path === '/pl/standard/user/oauth/authorize');
const rejection = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as Error);

async function paidOrder(): Promise<{ sessionId: string; orderId: string }> {
  const input = sessionInput();
  const { sessionId } = await payu.createSession(input);
  fake.pay(sessionId);
  return { sessionId, orderId: input.orderId };
}

describe('PayU OAuth', () => {
  it('asks for one client-credentials token, form-encoded, and reuses it for several calls', async () => {
    const provider = createPayuProvider(fake.settings);
    const mark = fake.requests.length;
    const { sessionId } = await provider.createSession(sessionInput());
    await provider.retrieveSession(sessionId);
    await provider.expireSession(sessionId);
    const [auth, ...more] = oauthCalls(mark);
    expect(more).toHaveLength(0);
    expect(auth!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(auth!.body))).toEqual({ grant_type: 'client_credentials', client_id: fake.settings.clientId, client_secret: fake.settings.clientSecret });
    const api = since(mark).filter((r) => r.path.startsWith('/api/'));
    expect(api).toHaveLength(3);
    for (const r of api) expect(r.headers.authorization).toMatch(/^Bearer [0-9a-f-]{36}$/);
  });

  it('renews the token shortly before expires_in runs out, not earlier', async () => {
    let clock = Date.now();
    const provider = createPayuProvider(fake.settings, { now: () => clock });
    const { sessionId } = await provider.createSession(sessionInput());
    const mark = fake.requests.length;
    clock += 43_000_000;
    await provider.retrieveSession(sessionId);
    expect(oauthCalls(mark)).toHaveLength(0);
    clock += 150_000;
    await provider.retrieveSession(sessionId);
    expect(oauthCalls(mark)).toHaveLength(1);
  });

  it('fetches a new token once and retries when PayU answers 401', async () => {
    const { sessionId } = await payu.createSession(sessionInput());
    fake.revokeTokens();
    const mark = fake.requests.length;
    await expect(payu.retrieveSession(sessionId)).resolves.toEqual({ state: 'open' });
    expect(oauthCalls(mark)).toHaveLength(1);
    expect(since(mark).filter((r) => r.method === 'GET')).toHaveLength(2);
  });

  it('fails with wrong credentials, naming the client but never the secret', async () => {
    const provider = createPayuProvider({ ...fake.settings, clientSecret: 'wrong-secret-value' });
    const err = await rejection(provider.createSession(sessionInput()));
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toMatch(/OAuth.*401.*invalid_client/);
    expect(err!.message).not.toContain('wrong-secret-value');
  });
});

describe('PayU createSession', () => {
  it('sends products carrying their share of a coupon, summing to the discounted total, which the fake (like PayU) insists on', async () => {
    const lines = sessionInput().lines.map((l, i) => ({ ...l, discountAmount: [2000, 1000][i]! }));
    const mark = fake.requests.length;
    await payu.createSession(sessionInput({ lines, total: { amount: 12000, currency: 'PLN' } }));
    const sent = JSON.parse(since(mark).find((r) => r.method === 'POST' && r.path === '/api/v2_1/orders')!.body);
    expect(sent.totalAmount).toBe('12000');
    expect(sent.products.map((p: { unitPrice: string }) => p.unitPrice)).toEqual(['8000', '4000']);
    // Catalog prices with the discounted total would not add up: PayU refuses that order.
    const err = await rejection(payu.createSession(sessionInput({ total: { amount: 12000, currency: 'PLN' } })));
    expect(err!.message).toMatch(/400|ERROR_VALUE_INVALID|sum/);
  });

  it('sends the documented order fields and hands back the 302 Location without following it', async () => {
    const input = sessionInput({ customerIp: '203.0.113.9' });
    const mark = fake.requests.length;
    const session = await payu.createSession(input);
    const post = since(mark).find((r) => r.method === 'POST' && r.path === '/api/v2_1/orders')!;
    expect(post.headers['content-type']).toBe('application/json');
    const { validityTime, ...body } = JSON.parse(post.body);
    expect(body).toEqual({
      extOrderId: input.orderId,
      notifyUrl: input.notifyUrl,
      continueUrl: input.successUrl,
      customerIp: '203.0.113.9',
      merchantPosId: fake.settings.posId,
      description: input.orderNumber,
      currencyCode: 'PLN',
      totalAmount: '15000',
      buyer: { email: 'buyer@example.com', language: 'pl' },
      products: [
        { name: 'Kurs A', unitPrice: '10000', quantity: '1' },
        { name: 'Kurs B', unitPrice: '5000', quantity: '1' },
      ],
    });
    expect(Number(validityTime)).toBeGreaterThan(1790);
    expect(Number(validityTime)).toBeLessThanOrEqual(1800);
    expect(session.sessionId).toBe(fake.orderFor(input.orderId)!.orderId);
    expect(session.url).toMatch(new RegExp(`^${fake.url}/pay/\\?orderId=${session.sessionId}&token=`));
    expect(since(mark).some((r) => r.path.startsWith('/pay/'))).toBe(false);
  });

  it('defaults customerIp to 127.0.0.1 and counts HUF in hundredths', async () => {
    const input = sessionInput({ lines: [{ packageId: 'p', slug: 's', title: 'T', unitAmount: 1000, discountAmount: 0, currency: 'HUF' }], total: { amount: 1000, currency: 'HUF' } });
    const { sessionId } = await payu.createSession(input);
    const order = fake.orders.get(sessionId)!;
    expect(order.customerIp).toBe('127.0.0.1');
    expect(order.totalAmount).toBe('100000');
    expect(toPayuAmount({ amount: 1000, currency: 'HUF' })).toBe('100000');
  });

  it('after a lost answer, finds the order PayU kept and opens a successor the buyer can pay', async () => {
    const input = sessionInput();
    fake.loseNextAnswer();
    await expect(payu.createSession(input)).rejects.toThrow();
    const first = fake.orderFor(input.orderId)!;
    const mark = fake.requests.length;
    const session = await payu.createSession(input);
    const calls = since(mark).filter((r) => r.path.startsWith('/api/'));
    expect(calls.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/v2_1/orders', `GET /api/v2_1/orders/${first.orderId}`, 'POST /api/v2_1/orders']);
    expect(JSON.parse(calls[2]!.body).extOrderId).toBe(`${input.orderId}_2`);
    expect(session.sessionId).not.toBe(first.orderId);
    expect(fake.orders.get(session.sessionId)!.extOrderId).toBe(`${input.orderId}_2`);
    expect(first.status).toBe('NEW');
  });

  it('after a lost answer the buyer somehow paid into, returns that order as processing', async () => {
    const input = sessionInput();
    const { sessionId } = await payu.createSession(input);
    fake.pending(sessionId);
    await expect(payu.createSession(input)).resolves.toEqual({ sessionId, url: input.successUrl, state: 'processing' });
  });

  it('turns a request PayU refuses for good into a ProviderRefusal', async () => {
    const input = sessionInput({ total: { amount: 14000, currency: 'PLN' } });
    const err = await rejection(payu.createSession(input));
    expect(err).toBeInstanceOf(ProviderRefusal);
    expect(err!.message).toMatch(/ERROR_VALUE_INVALID/);
  });

  it('declares the currencies PayU settles', () => {
    expect(payu.currencies).toEqual(expect.arrayContaining(['PLN', 'EUR', 'USD', 'CZK', 'GBP', 'HUF', 'RON']));
  });
});

describe('PayU refund', () => {
  it('sends extRefundId and the amount in minor units; a retry with the same key makes no second refund', async () => {
    const { sessionId, orderId } = await paidOrder();
    const refund = { orderId, sessionId, amount: { amount: 5000, currency: 'PLN' }, idempotencyKey: `refund:${orderId}:1` };
    const mark = fake.requests.length;
    const first = await payu.refund(refund);
    const again = await payu.refund(refund);
    expect(first).toEqual({ refundId: again.refundId, status: 'succeeded' });
    const posts = since(mark).filter((r) => r.method === 'POST');
    expect(posts[0]!.path).toBe(`/api/v2_1/orders/${sessionId}/refunds`);
    expect(JSON.parse(posts[0]!.body).refund).toMatchObject({ amount: '5000', extRefundId: refund.idempotencyKey });
    expect([...fake.refunds.values()].filter((r) => r.orderId === sessionId)).toHaveLength(1);
  });

  it('maps PENDING, then FINALIZED or CANCELED at the end', async () => {
    const { sessionId, orderId } = await paidOrder();
    fake.holdRefunds();
    try {
      const pending = await payu.refund({ orderId, sessionId, amount: { amount: 1000, currency: 'PLN' }, idempotencyKey: 'k-pending' });
      expect(pending.status).toBe('pending');
      expect(fake.finalizeRefund(pending.refundId).status).toBe('FINALIZED');
    } finally {
      fake.holdRefunds(false);
    }
    fake.failNextRefund();
    const failed = await payu.refund({ orderId, sessionId, amount: { amount: 1000, currency: 'PLN' }, idempotencyKey: 'k-failed' });
    expect(failed.status).toBe('failed');
  });

  it('refuses an over-refund and a refund of an unknown order as ProviderRefusal', async () => {
    const { sessionId, orderId } = await paidOrder();
    await payu.refund({ orderId, sessionId, amount: { amount: 10000, currency: 'PLN' }, idempotencyKey: 'k1' });
    expect(await rejection(payu.refund({ orderId, sessionId, amount: { amount: 5001, currency: 'PLN' }, idempotencyKey: 'k2' }))).toBeInstanceOf(ProviderRefusal);
    expect(await rejection(payu.refund({ orderId, sessionId: 'NOSUCHORDER', amount: { amount: 1, currency: 'PLN' }, idempotencyKey: 'k3' }))).toBeInstanceOf(ProviderRefusal);
  });

  it('leaves outages retryable: a 5xx or 401 is a plain Error', () => {
    expect(payuFailure('refund', 503, {})).not.toBeInstanceOf(ProviderRefusal);
    expect(payuFailure('refund', 401, {})).not.toBeInstanceOf(ProviderRefusal);
    expect(payuFailure('refund', 400, {})).toBeInstanceOf(ProviderRefusal);
  });
});

describe('PayU retrieveSession and expireSession', () => {
  it('maps every order status', async () => {
    const { sessionId } = await payu.createSession(sessionInput());
    await expect(payu.retrieveSession(sessionId)).resolves.toEqual({ state: 'open' });
    for (const [set, state] of [[fake.pending, 'processing'], [fake.waitingForConfirmation, 'processing'], [fake.decline, 'failed']] as const) {
      set(sessionId);
      await expect(payu.retrieveSession(sessionId)).resolves.toEqual({ state });
    }
    fake.pay(sessionId);
    await expect(payu.retrieveSession(sessionId)).resolves.toEqual({ state: 'paid', paymentId: sessionId, amount: { amount: 15000, currency: 'PLN' } });
  });

  it('cancels an open order and takes an order already completed or cancelled as closed', async () => {
    const { sessionId } = await payu.createSession(sessionInput());
    await payu.expireSession(sessionId);
    expect(fake.orders.get(sessionId)!.status).toBe('CANCELED');
    await expect(payu.expireSession(sessionId)).resolves.toBeUndefined();
    const paid = await paidOrder();
    await expect(payu.expireSession(paid.sessionId)).resolves.toBeUndefined();
    expect(fake.orders.get(paid.sessionId)!.status).toBe('COMPLETED');
  });
});
