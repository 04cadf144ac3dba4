// The PayPal adapter against the fake PayPal: OAuth, orders, capture outcomes, refunds, session reads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderRefusal } from '../../src/payments/provider.js';
import { paidOrder, sessionInput, startPaypalKit, type PaypalKit } from '../support/paypalKit.js';

let kit: PaypalKit;
beforeAll(async () => {
  kit = await startPaypalKit();
});
afterAll(() => kit.close());

const calls = (method: string, path: RegExp) => kit.fake.requests.filter((r) => r.method === method && path.test(r.path));
const tokenCalls = () => calls('POST', /^\/v1\/oauth2\/token$/).length;

describe('OAuth', () => {
  it('asks for a client-credentials token with Basic auth once, then reuses it', async () => {
    const before = tokenCalls();
    const provider = kit.providerWith({});
    await provider.createSession(sessionInput());
    await provider.createSession(sessionInput());
    expect(tokenCalls()).toBe(before + 1);
    const call = calls('POST', /^\/v1\/oauth2\/token$/).at(-1)!;
    expect(call.headers.authorization).toBe(`Basic ${Buffer.from(`${kit.fake.clientId}:${kit.fake.clientSecret}`).toString('base64')}`);
    expect(call.body).toBe('grant_type=client_credentials');
  });

  it('fetches a new token shortly before expires_in runs out', async () => {
    let now = Date.now();
    const provider = kit.providerWith({}, () => now);
    await provider.createSession(sessionInput());
    const before = tokenCalls();
    now += 32_400_000 - 30_000; // within the last minute of the fake's 9-hour token
    await provider.createSession(sessionInput());
    expect(tokenCalls()).toBe(before + 1);
  });

  it('on 401 fetches a fresh token once and retries the call', async () => {
    const provider = kit.providerWith({});
    await provider.createSession(sessionInput());
    kit.fake.revokeTokens();
    const before = tokenCalls();
    await expect(provider.createSession(sessionInput())).resolves.toMatchObject({ sessionId: expect.any(String) });
    expect(tokenCalls()).toBe(before + 1);
  });

  it('wrong credentials fail without leaking the secret', async () => {
    const err = (await kit.providerWith({ clientSecret: 'wrong-secret' }).createSession(sessionInput()).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toContain('401');
    expect(err.message).not.toContain('wrong-secret');
  });
});

describe('createSession', () => {
  it('creates a CAPTURE order with our ids, item breakdown and experience context, keyed by PayPal-Request-Id', async () => {
    const input = sessionInput();
    const session = await kit.provider.createSession(input);
    const call = calls('POST', /^\/v2\/checkout\/orders$/).at(-1)!;
    expect(call.headers['paypal-request-id']).toBe(input.idempotencyKey);
    expect(call.json).toMatchObject({
      intent: 'CAPTURE',
      purchase_units: [
        {
          custom_id: input.orderId,
          invoice_id: input.orderNumber,
          amount: { currency_code: 'PLN', value: '69.00', breakdown: { item_total: { currency_code: 'PLN', value: '69.00' } } },
          items: [
            { name: 'Kurs pierwszy', quantity: '1', unit_amount: { currency_code: 'PLN', value: '49.00' } },
            { name: 'Kurs drugi', quantity: '1', unit_amount: { currency_code: 'PLN', value: '20.00' } },
          ],
        },
      ],
      payment_source: {
        paypal: { experience_context: { return_url: kit.settings.returnUrl, cancel_url: input.cancelUrl, user_action: 'PAY_NOW', shipping_preference: 'NO_SHIPPING', locale: 'pl-PL' } },
      },
    });
    expect(session).toEqual({ sessionId: expect.stringMatching(/^[A-Z0-9]{17}$/), url: `${kit.fake.url}/checkoutnow?token=${session.sessionId}` });
  });

  it('the same idempotency key answers the same order (PayPal replays with 200)', async () => {
    const input = sessionInput();
    const first = await kit.provider.createSession(input);
    const again = await kit.provider.createSession(input);
    expect(again).toEqual(first);
    expect([...kit.fake.ledger.orders.values()].filter((o) => o.request.purchase_units[0].custom_id === input.orderId)).toHaveLength(1);
  });

  it('sends JPY in whole units and a discount when the total is below the lines', async () => {
    const input = sessionInput({ lines: [{ packageId: 'p', slug: 'p', title: 'Yen', unitAmount: 600, discountAmount: 100, currency: 'JPY' }], total: { amount: 500, currency: 'JPY' }, locale: 'en' });
    await kit.provider.createSession(input);
    const unit = calls('POST', /^\/v2\/checkout\/orders$/).at(-1)!.json.purchase_units[0];
    expect(unit.amount).toEqual({ currency_code: 'JPY', value: '500', breakdown: { item_total: { currency_code: 'JPY', value: '600' }, discount: { currency_code: 'JPY', value: '100' } } });
  });

  it('declares the currencies PayPal takes', () => {
    expect(kit.provider.currencies).toEqual(expect.arrayContaining(['PLN', 'EUR', 'USD', 'CHF', 'GBP', 'CZK', 'HUF', 'JPY']));
  });
});

describe('capture', () => {
  it('COMPLETED is succeeded, with the capture id and amount; a retry with the same key replays it', async () => {
    const { input, sessionId, captureId, captured } = await paidOrder(kit);
    expect(captured).toEqual({ kind: 'succeeded', sessionId, paymentId: captureId, amount: { amount: 6900, currency: 'PLN' } });
    expect(calls('POST', /\/capture$/).at(-1)!.headers['paypal-request-id']).toBe(`capture:${input.orderId}`);
    await expect(kit.provider.capture!({ orderId: input.orderId, sessionId, idempotencyKey: `capture:${input.orderId}` })).resolves.toEqual(captured);
  });

  it('PENDING is processing and DECLINED is failed', async () => {
    kit.fake.setNextCaptureStatus('PENDING');
    expect((await paidOrder(kit)).captured).toMatchObject({ kind: 'processing', paymentId: expect.any(String) });
    kit.fake.setNextCaptureStatus('DECLINED');
    expect((await paidOrder(kit)).captured).toMatchObject({ kind: 'failed', paymentId: expect.any(String) });
  });

  it('INSTRUMENT_DECLINED (422) is a failed payment', async () => {
    kit.fake.setNextCaptureStatus('INSTRUMENT_DECLINED');
    expect((await paidOrder(kit)).captured).toMatchObject({ kind: 'failed' });
  });

  it('ORDER_ALREADY_CAPTURED under another key is answered from the order', async () => {
    const { input, sessionId, captured } = await paidOrder(kit);
    const reads = () => calls('GET', new RegExp(`/v2/checkout/orders/${sessionId}$`)).length;
    const before = reads();
    const again = await kit.provider.capture!({ orderId: input.orderId, sessionId, idempotencyKey: 'another-key' });
    expect(again).toEqual(captured);
    // Answered by reading the order once.
    expect(reads() - before).toBe(1);
  });

  it('an order the buyer has not approved yet is no answer at all (null), and can be captured once approved', async () => {
    const input = sessionInput();
    const { sessionId } = await kit.provider.createSession(input);
    expect(await kit.provider.capture!({ orderId: input.orderId, sessionId, idempotencyKey: 'k' })).toBeNull();
    await kit.fake.approve(sessionId, { webhook: false });
    expect(await kit.provider.capture!({ orderId: input.orderId, sessionId, idempotencyKey: 'k2' })).toMatchObject({ kind: 'succeeded' });
  });

  it('an order PayPal refuses to capture for another reason is a ProviderRefusal', async () => {
    const err = await kit.provider.capture!({ orderId: sessionInput().orderId, sessionId: 'NO-SUCH-ORDER', idempotencyKey: 'k' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderRefusal);
  });
});

describe('refund', () => {
  it('sends PayPal-Request-Id and our order id, and a retry with the same key gets the same refund', async () => {
    const { input, sessionId, captureId } = await paidOrder(kit);
    const req = { orderId: input.orderId, sessionId, paymentId: captureId, amount: { amount: 1000, currency: 'PLN' }, idempotencyKey: `refund:${input.orderId}:1` };
    const first = await kit.provider.refund(req);
    expect(first).toEqual({ refundId: expect.any(String), status: 'succeeded' });
    const call = calls('POST', /\/refund$/).at(-1)!;
    expect(call.headers['paypal-request-id']).toBe(req.idempotencyKey);
    expect(call.json).toEqual({ amount: { currency_code: 'PLN', value: '10.00' }, custom_id: input.orderId });
    expect(await kit.provider.refund(req)).toEqual(first);
    expect([...kit.fake.ledger.refunds.values()].filter((r) => r.captureId === captureId)).toHaveLength(1);
  });

  it('maps PENDING to pending and FAILED to failed', async () => {
    const { input, sessionId, captureId } = await paidOrder(kit);
    const req = (n: number) => ({ orderId: input.orderId, sessionId, paymentId: captureId, amount: { amount: 100, currency: 'PLN' }, idempotencyKey: `refund:${input.orderId}:${n}` });
    kit.fake.setNextRefundStatus('PENDING');
    expect(await kit.provider.refund(req(1))).toMatchObject({ status: 'pending', reason: 'ECHECK' });
    kit.fake.setNextRefundStatus('FAILED');
    expect(await kit.provider.refund(req(2))).toMatchObject({ status: 'failed' });
  });

  it('a capture already refunded in full (CAPTURE_FULLY_REFUNDED) counts as refunded, not as a refusal', async () => {
    const { input, sessionId, captureId } = await paidOrder(kit);
    await kit.fake.refundFromDashboard(captureId);
    const answer = await kit.provider.refund({ orderId: input.orderId, sessionId, paymentId: captureId, amount: { amount: 6900, currency: 'PLN' }, idempotencyKey: `refund:${input.orderId}:1:2` });
    expect(answer).toMatchObject({ status: 'succeeded', reason: 'CAPTURE_FULLY_REFUNDED' });
  });

  it('more than is left to refund is a ProviderRefusal', async () => {
    const { input, sessionId, captureId } = await paidOrder(kit);
    const err = await kit.provider.refund({ orderId: input.orderId, sessionId, paymentId: captureId, amount: { amount: 7000, currency: 'PLN' }, idempotencyKey: 'too-much' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderRefusal);
    expect((err as Error).message).toContain('REFUND_AMOUNT_EXCEEDED');
  });
});

describe('retrieveSession and expireSession', () => {
  it('reads open, approved, paid, processing and failed orders, and an unknown one as expired', async () => {
    const open = await kit.provider.createSession(sessionInput());
    expect(await kit.provider.retrieveSession(open.sessionId)).toEqual({ state: 'open' });
    await kit.fake.approve(open.sessionId, { webhook: false });
    expect(await kit.provider.retrieveSession(open.sessionId)).toEqual({ state: 'approved' });
    const paid = await paidOrder(kit);
    expect(await kit.provider.retrieveSession(paid.sessionId)).toEqual({ state: 'paid', paymentId: paid.captureId, amount: { amount: 6900, currency: 'PLN' } });
    kit.fake.setNextCaptureStatus('PENDING');
    expect(await kit.provider.retrieveSession((await paidOrder(kit)).sessionId)).toMatchObject({ state: 'processing' });
    kit.fake.setNextCaptureStatus('DECLINED');
    expect(await kit.provider.retrieveSession((await paidOrder(kit)).sessionId)).toMatchObject({ state: 'failed' });
    expect(await kit.provider.retrieveSession('NOSUCHORDER000000')).toEqual({ state: 'expired' });
  });

  it('expireSession only reads the order (Orders v2 cannot void it) and leaves it as it was', async () => {
    const { sessionId } = await kit.provider.createSession(sessionInput());
    const before = kit.fake.requests.length;
    await kit.provider.expireSession(sessionId);
    expect(kit.fake.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([`GET /v2/checkout/orders/${sessionId}`]);
    expect(kit.fake.ledger.order(sessionId).status).toBe('PAYER_ACTION_REQUIRED');
  });
});
