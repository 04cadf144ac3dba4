// PayPal webhooks: signatures verified locally against the fake's certificate, and each event type's normalised meaning.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { WEBHOOK_TOLERANCE_SECONDS, WebhookSignatureError, type HeaderLookup } from '../../src/payments/provider.js';
import { CERT_CACHE_SIZE, CERT_CACHE_TTL_MS, createCertificateSource, PAYPAL_TRANSMISSION_MAX_AGE_SECONDS } from '../../src/payments/paypalSignature.js';
import { paidOrder, sessionInput, startPaypalKit, type PaypalKit } from '../support/paypalKit.js';

let kit: PaypalKit;
beforeAll(async () => {
  kit = await startPaypalKit();
});
afterAll(() => kit.close());

const lookup = (headers: Record<string, string>): HeaderLookup => (name) => headers[name.toLowerCase()];
const lastReceived = () => kit.received.at(-1)!;
const lastWebhook = () => {
  const r = lastReceived();
  if (!r.ok) throw r.error;
  return r.webhook;
};
const body = JSON.stringify({ id: 'WH-TEST-1', event_type: 'PAYMENT.SALE.COMPLETED', resource: { id: 'X' } });
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

async function refused(promise: Promise<unknown>, reason: RegExp) {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WebhookSignatureError);
  expect((err as Error).message).toMatch(reason);
}

describe('signature', () => {
  it('accepts what the fake signs, and fetches the certificate once per URL', async () => {
    const provider = kit.providerWith({});
    const before = kit.fake.requests.filter((r) => r.path.includes('/certs/')).length;
    await expect(provider.verifyWebhook(body, lookup(kit.fake.sign(body)))).resolves.toEqual({ eventId: 'WH-TEST-1', eventType: 'PAYMENT.SALE.COMPLETED' });
    await provider.verifyWebhook(body, lookup(kit.fake.sign(body)));
    expect(kit.fake.requests.filter((r) => r.path.includes('/certs/')).length).toBe(before + 1);
  });

  it('keeps few certificates, by address without query or fragment, and reads them again after a day', async () => {
    const pem = readFileSync(new URL('../fakes/paypalSigningCert.pem', import.meta.url), 'utf8');
    const fetched: string[] = [];
    let clock = Date.parse('2026-06-01T00:00:00Z');
    const source = createCertificateSource(async (url) => (fetched.push(url.href), pem), () => clock);
    const cert = (path: string) => source(new URL(`https://api.paypal.com/v1/notifications/certs/${path}`));
    // Forged headers that vary only the query string get one download, of the address without it.
    for (let i = 0; i < 50; i++) await cert(`CERT-1?nonce=${i}#x${i}`);
    expect(fetched).toEqual(['https://api.paypal.com/v1/notifications/certs/CERT-1']);
    // More addresses than the cache holds push the least recently used one out: it is downloaded again.
    for (let i = 2; i <= CERT_CACHE_SIZE + 1; i++) await cert(`CERT-${i}`);
    expect(fetched).toHaveLength(CERT_CACHE_SIZE + 1);
    await cert(`CERT-${CERT_CACHE_SIZE + 1}`);
    expect(fetched).toHaveLength(CERT_CACHE_SIZE + 1);
    await cert('CERT-1');
    expect(fetched).toHaveLength(CERT_CACHE_SIZE + 2);
    clock += CERT_CACHE_TTL_MS + 1;
    await cert('CERT-1');
    expect(fetched).toHaveLength(CERT_CACHE_SIZE + 3);
  });

  it('refuses a signature made with another key', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await refused(kit.provider.verifyWebhook(body, lookup(kit.fake.sign(body, { key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string }))), /mismatch/);
  });

  it('refuses a tampered body, another webhook id, and a changed transmission id', async () => {
    const headers = kit.fake.sign(body);
    await refused(kit.provider.verifyWebhook(body.replace('X', 'Y'), lookup(headers)), /mismatch/);
    await refused(kit.providerWith({ webhookId: 'OTHERWEBHOOK' }).verifyWebhook(body, lookup(headers)), /mismatch/);
    await refused(kit.provider.verifyWebhook(body, lookup({ ...headers, 'paypal-transmission-id': 'another' })), /mismatch/);
  });

  it('refuses missing headers and an algorithm other than SHA256withRSA', async () => {
    const headers = kit.fake.sign(body);
    for (const name of ['paypal-transmission-id', 'paypal-transmission-time', 'paypal-transmission-sig', 'paypal-cert-url', 'paypal-auth-algo']) {
      const { [name]: _dropped, ...rest } = headers;
      await refused(kit.provider.verifyWebhook(body, lookup(rest)), /missing/);
    }
    await refused(kit.provider.verifyWebhook(body, lookup({ ...headers, 'paypal-auth-algo': 'SHA1withRSA' })), /PAYPAL-AUTH-ALGO/);
  });

  it('takes certificates only from allowed hosts, over https unless the host is loopback', async () => {
    await refused(kit.providerWith({ certHosts: ['api.paypal.com'] }).verifyWebhook(body, lookup(kit.fake.sign(body))), /not allowed/);
    await refused(kit.provider.verifyWebhook(body, lookup(kit.fake.sign(body, { certUrl: 'https://evil.example/cert.pem' }))), /not allowed/);
    await refused(kit.provider.verifyWebhook(body, lookup(kit.fake.sign(body, { certUrl: 'http://api.paypal.com/v1/notifications/certs/CERT-1' }))), /https/);
  });

  it('refuses transmissions from the future beyond the tolerance or older than the redelivery window', async () => {
    const now = Date.now();
    await refused(kit.provider.verifyWebhook(body, lookup(kit.fake.sign(body, { transmissionTime: iso(now + (WEBHOOK_TOLERANCE_SECONDS + 60) * 1000) }))), /tolerance/);
    await refused(kit.provider.verifyWebhook(body, lookup(kit.fake.sign(body, { transmissionTime: iso(now - (PAYPAL_TRANSMISSION_MAX_AGE_SECONDS + 60) * 1000) }))), /tolerance/);
    // A redelivery that kept its first transmission time an hour ago is still PayPal's.
    await expect(kit.provider.verifyWebhook(body, lookup(kit.fake.sign(body, { transmissionTime: iso(now - 3_600_000) })))).resolves.toMatchObject({ eventId: 'WH-TEST-1' });
  });

  it('refuses a certificate outside its validity dates', async () => {
    const in2200 = Date.UTC(2200, 0, 1);
    await refused(kit.providerWith({}, () => in2200).verifyWebhook(body, lookup(kit.fake.sign(body, { transmissionTime: iso(in2200) }))), /not valid now/);
  });

  it('a signed body that is not a PayPal event is invalid_payload', async () => {
    for (const raw of ['not json', JSON.stringify({ hello: 'world' })]) {
      const err = await kit.provider.verifyWebhook(raw, lookup(kit.fake.sign(raw))).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DomainError);
      expect(err).not.toBeInstanceOf(WebhookSignatureError);
      expect(err).toMatchObject({ code: 'invalid_payload', kind: 'bad_request' });
    }
  });
});

describe('events', () => {
  it('CHECKOUT.ORDER.APPROVED is an approval of our order, posted by the fake and accepted by our endpoint', async () => {
    const input = sessionInput();
    const { sessionId } = await kit.provider.createSession(input);
    const delivery = await kit.fake.approve(sessionId);
    expect(delivery?.status).toBe(200);
    expect(lastWebhook()).toEqual({
      eventId: delivery!.eventId,
      eventType: 'CHECKOUT.ORDER.APPROVED',
      orderId: input.orderId,
      event: { provider: 'paypal', eventId: delivery!.eventId, kind: 'approved', orderId: input.orderId, sessionId, amount: { amount: 6900, currency: 'PLN' } },
    });
  });

  it('capture COMPLETED, PENDING and DENIED are succeeded, processing and failed', async () => {
    const { input, sessionId, captureId } = await paidOrder(kit);
    const expected = (kind: string, eventId: string) => ({ provider: 'paypal', eventId, kind, orderId: input.orderId, sessionId, paymentId: captureId, amount: { amount: 6900, currency: 'PLN' } });
    for (const [send, kind] of [[kit.fake.sendCaptureCompleted, 'succeeded'], [kit.fake.sendCapturePending, 'processing'], [kit.fake.sendCaptureDenied, 'failed']] as const) {
      const d = await send(captureId);
      expect(d.status).toBe(200);
      expect(lastWebhook()).toMatchObject({ orderId: input.orderId, event: expected(kind, d.eventId) });
    }
  });

  it('a pending capture that completes later is reported as succeeded', async () => {
    kit.fake.setNextCaptureStatus('PENDING');
    const { input, captureId } = await paidOrder(kit);
    await kit.fake.completePendingCapture(captureId);
    expect(lastWebhook()).toMatchObject({ eventType: 'PAYMENT.CAPTURE.COMPLETED', event: { kind: 'succeeded', orderId: input.orderId, paymentId: captureId } });
  });

  it('PAYMENT.CAPTURE.REFUNDED follows our refund, pending then completed, with the capture from the up link', async () => {
    const { input, sessionId, captureId } = await paidOrder(kit);
    kit.fake.setNextRefundStatus('PENDING');
    const { refundId } = await kit.provider.refund({ orderId: input.orderId, sessionId, paymentId: captureId, amount: { amount: 1500, currency: 'PLN' }, idempotencyKey: 'r1' });
    await kit.fake.sendRefundCompleted(refundId);
    expect(lastWebhook().refundUpdate).toEqual({ providerRefundId: refundId, status: 'pending', reason: 'ECHECK', orderId: input.orderId, paymentId: captureId, amount: { amount: 1500, currency: 'PLN' } });
    await kit.fake.settleRefund(refundId, 'COMPLETED');
    expect(lastWebhook()).toMatchObject({ orderId: input.orderId, refundUpdate: { providerRefundId: refundId, status: 'succeeded', paymentId: captureId } });
  });

  it('a failed or cancelled refund is failed; a dashboard refund carries no order id but names the capture', async () => {
    const { input, sessionId, captureId } = await paidOrder(kit);
    kit.fake.setNextRefundStatus('PENDING');
    const { refundId } = await kit.provider.refund({ orderId: input.orderId, sessionId, paymentId: captureId, amount: { amount: 1000, currency: 'PLN' }, idempotencyKey: 'r2' });
    await kit.fake.settleRefund(refundId, 'CANCELLED');
    expect(lastWebhook().refundUpdate).toMatchObject({ status: 'failed' });
    const d = await kit.fake.refundFromDashboard(captureId, '5.00');
    expect(lastWebhook()).toEqual({ eventId: d.eventId, eventType: 'PAYMENT.CAPTURE.REFUNDED', refundUpdate: { providerRefundId: d.refundId, status: 'succeeded', paymentId: captureId, amount: { amount: 500, currency: 'PLN' } } });
  });

  it('a dispute opened is a dispute notice; resolved for the seller is dispute_won; resolved for the buyer is only recorded', async () => {
    const { input, captureId } = await paidOrder(kit);
    const created = await kit.fake.sendDisputeCreated(captureId, '20.00');
    const notice = (kind: string) => ({ kind, key: `${kind}:${created.disputeId}`, orderId: input.orderId, paymentId: captureId, amount: { amount: 2000, currency: 'PLN' } });
    expect(lastWebhook()).toEqual({ eventId: created.eventId, eventType: 'CUSTOMER.DISPUTE.CREATED', orderId: input.orderId, refund: notice('dispute') });
    await kit.fake.sendDisputeResolved(created.disputeId);
    expect(lastWebhook()).toMatchObject({ eventType: 'CUSTOMER.DISPUTE.RESOLVED', refund: notice('dispute_won') });
    const lost = await kit.fake.sendDisputeResolved(created.disputeId, 'RESOLVED_BUYER_FAVOUR');
    expect(lastWebhook()).toEqual({ eventId: lost.eventId, eventType: 'CUSTOMER.DISPUTE.RESOLVED' });
  });

  it('other event types and orders not ours are recorded without an event', async () => {
    const other = await kit.fake.sendWebhook('PAYMENT.CAPTURE.REVERSED', { id: 'CAP', status: 'REVERSED' });
    expect(lastWebhook()).toEqual({ eventId: other.eventId, eventType: 'PAYMENT.CAPTURE.REVERSED' });
    const foreign = await kit.fake.sendWebhook('CHECKOUT.ORDER.APPROVED', { id: 'O1', purchase_units: [{ custom_id: 'shop-42' }] });
    expect(lastWebhook()).toEqual({ eventId: foreign.eventId, eventType: 'CHECKOUT.ORDER.APPROVED' });
  });

  it('a known event type with an unusable resource is invalid_payload; a redelivery verifies again', async () => {
    const bad = await kit.fake.sendWebhook('PAYMENT.CAPTURE.COMPLETED', { id: 'CAP' });
    expect(bad.status).toBe(400);
    expect(lastReceived()).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    const again = await kit.fake.resend(bad.eventId);
    expect(again.body).toBe(bad.body);
  });
});
