// PayU notifications: signatures the fake PayU makes (MD5, SHA-256), forgeries refused, every status mapped, header parsing.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { createPayuProvider } from '../../src/payments/payu.js';
import { parsePayuSignature, readPayuSignatureHeader } from '../../src/payments/payuSignature.js';
import { WebhookSignatureError, type PaymentProvider } from '../../src/payments/provider.js';
import { signPayuBody, startPayuFake, type PayuFake } from '../fakes/payu.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';

let fake: PayuFake;
let payu: PaymentProvider;
let receiver: WebhookReceiver;

beforeAll(async () => {
  fake = await startPayuFake();
  payu = createPayuProvider(fake.settings);
  receiver = await startWebhookReceiver(payu);
});
afterAll(async () => {
  await receiver.close();
  await fake.close();
});

async function openOrder(): Promise<{ orderId: string; sessionId: string }> {
  const orderId = randomUUID();
  const { sessionId } = await payu.createSession({
    orderId,
    orderNumber: 'ORD-20250101-XY2Z',
    email: 'buyer@example.com',
    locale: 'en',
    lines: [{ packageId: 'p', slug: 's', title: 'Course', unitAmount: 6900, discountAmount: 0, currency: 'PLN' }],
    total: { amount: 6900, currency: 'PLN' },
    expiresAt: new Date(Date.now() + 30 * 60_000),
    idempotencyKey: `session:${orderId}`,
    successUrl: 'https://shop.example/done',
    cancelUrl: 'https://shop.example/cancel',
    notifyUrl: receiver.url,
  });
  return { orderId, sessionId };
}

const last = () => receiver.received.at(-1)!;
const headerOf = (headers: Record<string, string>) => (name: string) => headers[name];
const rejection = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as Error);

describe('PayU order notifications', () => {
  it('accepts MD5 and SHA-256 signatures and maps COMPLETED to a succeeded payment', async () => {
    const { orderId, sessionId } = await openOrder();
    fake.pay(sessionId);
    expect(await fake.notify(sessionId, { algorithm: 'MD5' })).toBe(200);
    expect(await fake.notify(sessionId, { algorithm: 'SHA-256' })).toBe(200);
    expect(last()).toEqual({
      eventId: `${sessionId}:COMPLETED`,
      eventType: 'order.COMPLETED',
      orderId,
      event: { provider: 'payu', eventId: `${sessionId}:COMPLETED`, kind: 'succeeded', orderId, sessionId, paymentId: sessionId, amount: { amount: 6900, currency: 'PLN' } },
    });
  });

  it('maps PENDING and WAITING_FOR_CONFIRMATION to processing, CANCELED to failed, each a distinct event', async () => {
    const { sessionId } = await openOrder();
    const seen: [string, string | undefined][] = [];
    for (const set of [fake.pending, fake.waitingForConfirmation, fake.decline]) {
      set(sessionId);
      expect(await fake.notify(sessionId)).toBe(200);
      seen.push([last().eventId, last().event?.kind]);
    }
    expect(seen).toEqual([
      [`${sessionId}:PENDING`, 'processing'],
      [`${sessionId}:WAITING_FOR_CONFIRMATION`, 'processing'],
      [`${sessionId}:CANCELED`, 'failed'],
    ]);
  });

  it('records NEW without an event, maps REJECTED to failed, and reads a successor extOrderId as ours', async () => {
    const { orderId, sessionId } = await openOrder();
    expect(await fake.notify(sessionId)).toBe(200);
    expect(last()).toEqual({ eventId: `${sessionId}:NEW`, eventType: 'order.NEW', orderId });
    const body = JSON.stringify({ order: { orderId: 'X1', extOrderId: `${orderId}_2`, totalAmount: '6900', currencyCode: 'PLN', status: 'REJECTED' } });
    const hook = await payu.verifyWebhook(body, headerOf({ 'OpenPayu-Signature': signPayuBody(body, fake.settings.secondKey) }));
    expect(hook.event).toMatchObject({ kind: 'failed', orderId, sessionId: 'X1' });
  });

  it('records an order of another integration without naming an order', async () => {
    const body = JSON.stringify({ order: { orderId: 'X2', extOrderId: 'shop-123', totalAmount: '100', currencyCode: 'PLN', status: 'COMPLETED' } });
    const hook = await payu.verifyWebhook(body, headerOf({ 'OpenPayu-Signature': signPayuBody(body, fake.settings.secondKey) }));
    expect(hook).toEqual({ eventId: 'X2:COMPLETED', eventType: 'order.COMPLETED' });
  });
});

describe('PayU refund notifications', () => {
  it('maps FINALIZED, CANCELED and PENDING to a refund update carrying our key', async () => {
    const { orderId, sessionId } = await openOrder();
    fake.pay(sessionId);
    fake.holdRefunds();
    const pending = await payu.refund({ orderId, sessionId, amount: { amount: 900, currency: 'PLN' }, idempotencyKey: `refund:${orderId}:1` });
    expect(await fake.notifyRefund(pending.refundId)).toBe(200);
    expect(last().refundUpdate).toMatchObject({ status: 'pending', providerRefundId: pending.refundId });
    fake.finalizeRefund(pending.refundId);
    expect(await fake.notifyRefund(pending.refundId)).toBe(200);
    expect(last()).toEqual({
      eventId: `refund:${pending.refundId}:FINALIZED`,
      eventType: 'refund.FINALIZED',
      orderId,
      refundUpdate: { providerRefundId: pending.refundId, ourKey: `refund:${orderId}:1`, status: 'succeeded', orderId, paymentId: sessionId, amount: { amount: 900, currency: 'PLN' } },
    });
    fake.failNextRefund();
    const failing = await payu.refund({ orderId, sessionId, amount: { amount: 900, currency: 'PLN' }, idempotencyKey: `refund:${orderId}:2` });
    fake.holdRefunds(false);
    fake.finalizeRefund(failing.refundId);
    expect(await fake.notifyRefund(failing.refundId)).toBe(200);
    expect(last().refundUpdate).toMatchObject({ status: 'failed', ourKey: `refund:${orderId}:2`, reason: expect.any(String) });
  });
});

describe('PayU notification authenticity', () => {
  const body = JSON.stringify({ order: { orderId: 'X3', extOrderId: randomUUID(), totalAmount: '100', currencyCode: 'PLN', status: 'COMPLETED' } });

  it('refuses a signature made with another key, a tampered body, and a missing or malformed header', async () => {
    const good = signPayuBody(body, fake.settings.secondKey, 'SHA-256');
    const cases: [string, Record<string, string>, RegExp][] = [
      [body, { 'OpenPayu-Signature': signPayuBody(body, 'not-the-second-key') }, /mismatch/],
      [body.replace('"100"', '"1"'), { 'OpenPayu-Signature': good }, /mismatch/],
      [body, {}, /missing/],
      [body, { 'OpenPayu-Signature': 'sender=checkout;algorithm=MD5' }, /malformed/],
      [body, { 'OpenPayu-Signature': good.replace('SHA-256', 'CRC32') }, /malformed/],
    ];
    for (const [raw, headers, reason] of cases) {
      const err = await rejection(payu.verifyWebhook(raw, headerOf(headers)));
      expect(err).toBeInstanceOf(WebhookSignatureError);
      expect(err!.message).toMatch(reason);
    }
  });

  it('answers a forged notification with 400 at the route', async () => {
    const { sessionId } = await openOrder();
    const before = receiver.refused.length;
    const forged = JSON.stringify({ order: { ...fake.orders.get(sessionId)!, status: 'COMPLETED' } });
    const res = await fetch(receiver.url, { method: 'POST', headers: { 'OpenPayu-Signature': signPayuBody(forged, 'forger-key', 'SHA-256') }, body: forged });
    expect(res.status).toBe(400);
    expect(receiver.refused.slice(before)[0]).toBeInstanceOf(WebhookSignatureError);
  });

  it('refuses a signed body that is not JSON or not a PayU notification as invalid_payload', async () => {
    for (const raw of ['not json', JSON.stringify({ hello: 'world' })]) {
      const err = await rejection(payu.verifyWebhook(raw, headerOf({ 'OpenPayu-Signature': signPayuBody(raw, fake.settings.secondKey) })));
      expect(err).toBeInstanceOf(DomainError);
      expect(err).not.toBeInstanceOf(WebhookSignatureError);
      expect((err as DomainError).code).toBe('invalid_payload');
    }
  });
});

describe('PayU signature header parsing', () => {
  const sig = 'd47d8a771d558c29285887febddd9327';

  it('finds the header under either name, whatever its case', () => {
    for (const name of ['OpenPayu-Signature', 'X-OpenPayU-Signature', 'openpayu-signature', 'x-openpayu-signature']) {
      expect(readPayuSignatureHeader((n) => (n === name ? 'v' : undefined))).toBe('v');
    }
    expect(readPayuSignatureHeader(() => undefined)).toBeUndefined();
  });

  it('reads keys and algorithm names in any case, and every algorithm alias PayU uses', () => {
    expect(parsePayuSignature(`sender=checkout;signature=${sig};algorithm=MD5;content=DOCUMENT`)).toEqual({ signature: sig, digest: 'md5', sender: 'checkout' });
    expect(parsePayuSignature(`SIGNATURE=${sig.toUpperCase()};Algorithm=sha-256;`)).toMatchObject({ signature: sig, digest: 'sha256' });
    const digests = ['MD5', 'SHA1', 'SHA-1', 'SHA', 'SHA256', 'SHA-256', 'SHA-384', 'SHA-512'].map((a) => parsePayuSignature(`signature=${sig};algorithm=${a}`)?.digest);
    expect(digests).toEqual(['md5', 'sha1', 'sha1', 'sha256', 'sha256', 'sha256', 'sha384', 'sha512']);
  });

  it('refuses parts without a value, a non-hex signature, and a missing algorithm', () => {
    expect(parsePayuSignature(`signature=${sig};algorithm`)).toBeUndefined();
    expect(parsePayuSignature('signature=zz;algorithm=MD5')).toBeUndefined();
    expect(parsePayuSignature(`signature=${sig}`)).toBeUndefined();
  });
});
