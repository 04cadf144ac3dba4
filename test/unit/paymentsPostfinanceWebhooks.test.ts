// PostFinance webhooks through the adapter: signatures checked against the fake's key, entities read back and mapped.
import { generateKeyPairSync, sign } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { createPostfinanceProvider } from '../../src/payments/postfinance.js';
import { createPostfinanceCall } from '../../src/payments/postfinanceApi.js';
import { WebhookSignatureError, type PaymentProvider } from '../../src/payments/provider.js';
import type { FakeTransactionState, PostfinanceFake } from '../fakes/postfinance.js';
import { rejection, usePostfinance } from '../support/postfinance.js';

const { ctx, openSession, requestsTo } = usePostfinance();
let fake: PostfinanceFake;
let provider: PaymentProvider;
let receiver: (typeof ctx)['receiver'];
beforeAll(() => {
  ({ fake, provider, receiver } = ctx);
});

const notice = (entityId: number, over: Record<string, unknown> = {}) =>
  JSON.stringify({ entityId, eventId: 1, listenerEntityId: 1472041829003, listenerEntityTechnicalName: 'Transaction', spaceId: fake.settings.spaceId, state: 'PROCESSING', timestamp: '2025-01-01T00:00:00+0000', webhookListenerId: 7, ...over });
const verify = (body: string, signature: string | undefined) => provider.verifyWebhook(body, (h) => (h.toLowerCase() === 'x-signature' ? signature : undefined));
async function refused(body: string, signature: string | undefined, reason: RegExp) {
  const err = await rejection(verify(body, signature));
  expect(err).toBeInstanceOf(WebhookSignatureError);
  expect((err as Error).message).toMatch(reason);
}

describe('transactions', () => {
  it('maps the transaction as read to our event, and fetches the signing key once', async () => {
    const { id, orderId } = await openSession();
    expect(await fake.processing(id)).toBe(200);
    expect(receiver.last().event).toMatchObject({ kind: 'processing', orderId });
    expect(await fake.fulfill(id)).toBe(200);
    expect(receiver.last()).toEqual({
      eventId: `transaction:${id}:FULFILL`,
      eventType: 'transaction.FULFILL',
      orderId,
      event: { provider: 'postfinance', eventId: `transaction:${id}:FULFILL`, kind: 'succeeded', orderId, sessionId: String(id), paymentId: String(id), amount: { amount: 8150, currency: 'CHF' } },
    });
    expect(requestsTo(/^GET \/webhooks\/encryption-keys\//)).toHaveLength(1);
  });

  const table: [FakeTransactionState, string | undefined][] = [
    ['FULFILL', 'succeeded'], ['FAILED', 'failed'], ['DECLINE', 'failed'], ['VOIDED', 'failed'],
    ['PROCESSING', 'processing'], ['AUTHORIZED', 'processing'], ['COMPLETED', 'processing'],
    ['CREATE', undefined], ['PENDING', undefined], ['CONFIRMED', undefined],
  ];
  it.each(table)('state %s → %s', async (state, kind) => {
    const { id, orderId } = await openSession();
    fake.setState(id, state);
    expect(await fake.notifyTransaction(id)).toBe(200);
    const hook = receiver.last();
    expect(hook.eventId).toBe(`transaction:${id}:${state}`);
    expect(hook.orderId).toBe(orderId);
    expect(hook.event?.kind).toBe(kind);
  });

  it('reports the completed amount, not the authorized one, after a partial completion', async () => {
    const { id } = await openSession();
    fake.setState(id, 'FULFILL', 8000);
    await fake.notifyTransaction(id);
    expect(receiver.last().event?.amount).toEqual({ amount: 8000, currency: 'CHF' });
  });

  it('takes the state from the entity, not from the notice', async () => {
    const { id } = await openSession();
    fake.setState(id, 'FULFILL');
    const body = notice(id);
    expect(await fake.postWebhook(body, { 'x-signature': fake.sign(body) })).toBe(200);
    expect(receiver.last().event?.kind).toBe('succeeded');
  });
});

describe('signature', () => {
  it('refuses a signature made with another key under the right key id', async () => {
    const body = notice(1);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const forged = sign('sha256', Buffer.from(body), privateKey).toString('base64');
    await refused(body, `algorithm=SHA256withECDSA, keyId=${fake.keyId}, signature=${forged}`, /signature mismatch/);
  });

  it('refuses a body changed after signing', async () => {
    const body = notice(1);
    await refused(body.replace('PROCESSING', 'FULFILL'), fake.sign(body), /signature mismatch/);
  });

  it('refuses a missing or malformed header and a key id PostFinance does not know', async () => {
    const body = notice(1);
    await refused(body, undefined, /missing X-Signature/);
    await refused(body, fake.sign(body).replace('SHA256withECDSA', 'SHA1withRSA'), /algorithm/);
    await refused(body, fake.sign(body).replace(/keyId=[^,]+/, 'keyId=../../payment/transactions/1'), /keyId/);
    await refused(body, fake.sign(body).replace(/signature=.*/, 'signature=%%%'), /malformed signature/);
    await refused(body, fake.sign(body, 'a1b2c3d4-0000-4000-8000-000000000000'), /unknown signing key/);
  });

  it('is an outage, not a forgery, when the key cannot be fetched; the key is cached once fetched', async () => {
    const fresh = createPostfinanceProvider(fake.settings);
    const body = notice((await openSession()).id);
    fake.failNext(/encryption-keys/, 503);
    const err = await rejection(fresh.verifyWebhook(body, () => fake.sign(body)));
    expect(err).not.toBeInstanceOf(DomainError);
    const fetches = requestsTo(/encryption-keys/).length;
    await fresh.verifyWebhook(body, () => fake.sign(body));
    await fresh.verifyWebhook(body, () => fake.sign(body));
    expect(requestsTo(/encryption-keys/)).toHaveLength(fetches + 1);
  });

  it('is invalid_payload for a signed body that is not a PostFinance notice', async () => {
    for (const body of ['not json', JSON.stringify({ hello: 'world' })]) {
      const err = await rejection(verify(body, fake.sign(body)));
      expect(err).not.toBeInstanceOf(WebhookSignatureError);
      expect(err).toMatchObject({ code: 'invalid_payload', kind: 'bad_request' });
    }
  });
});

describe('entities', () => {
  it('records other entity types and other spaces without acting', async () => {
    const reads = fake.requests.length;
    const completion = notice(5, { listenerEntityTechnicalName: 'TransactionCompletion', state: 'SUCCESSFUL' });
    expect(await verify(completion, fake.sign(completion))).toEqual({ eventId: 'TransactionCompletion:5:1', eventType: 'TransactionCompletion.SUCCESSFUL' });
    const foreign = notice(5, { spaceId: fake.settings.spaceId + 1 });
    expect((await verify(foreign, fake.sign(foreign))).event).toBeUndefined();
    expect(fake.requests.length).toBe(reads);
  });

  it('records a transaction that is not one of our orders', async () => {
    const call = createPostfinanceCall(fake.settings);
    const tx = await call<{ id: number }>('POST', '/payment/transactions', { body: { currency: 'CHF', merchantReference: 'POS-17', lineItems: [{ uniqueId: 'x', name: 'X', quantity: 1, amountIncludingTax: 5, type: 'PRODUCT' }] } });
    fake.setState(tx.id, 'FULFILL');
    expect(await fake.notifyTransaction(tx.id)).toBe(200);
    expect(receiver.last()).toEqual({ eventId: `transaction:${tx.id}:FULFILL`, eventType: 'transaction.FULFILL' });
  });

  it('follows a refund from pending to settled, with our key, the order and the transaction', async () => {
    const { id, orderId, session } = await openSession();
    await fake.fulfill(id);
    fake.setNextRefundState('PENDING');
    const { refundId } = await provider.refund({ orderId, sessionId: session.sessionId, amount: { amount: 1250, currency: 'CHF' }, idempotencyKey: `refund:${orderId}:1` });
    expect(await fake.notifyRefund(Number(refundId))).toBe(200);
    const update = { providerRefundId: refundId, ourKey: `refund:${orderId}:1`, orderId, paymentId: String(id), amount: { amount: 1250, currency: 'CHF' } };
    expect(receiver.last()).toEqual({ eventId: `refund:${refundId}:PENDING`, eventType: 'refund.PENDING', orderId, refundUpdate: { ...update, status: 'pending' } });
    fake.settleRefund(Number(refundId), 'SUCCESSFUL');
    await fake.notifyRefund(Number(refundId));
    expect(receiver.last()).toMatchObject({ eventId: `refund:${refundId}:SUCCESSFUL`, refundUpdate: { ...update, status: 'succeeded' } });
  });

  it('reports a failed refund with its reason', async () => {
    const { id, orderId, session } = await openSession();
    await fake.fulfill(id);
    fake.setNextRefundState('PENDING');
    const { refundId } = await provider.refund({ orderId, sessionId: session.sessionId, amount: { amount: 100, currency: 'CHF' }, idempotencyKey: `refund:${orderId}:f` });
    fake.settleRefund(Number(refundId), 'FAILED');
    await fake.notifyRefund(Number(refundId));
    expect(receiver.last().refundUpdate).toMatchObject({ status: 'failed', reason: 'The processor refused the refund.', ourKey: `refund:${orderId}:f` });
  });
});
