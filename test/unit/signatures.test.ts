// Webhook authenticity: the sandbox's own HMAC scheme, and Stripe's, checked with headers made by the real Stripe library.
import { describe, it, expect } from 'vitest';
import { domainError } from '../support/domainError.js';
import Stripe from 'stripe';
import { WEBHOOK_TOLERANCE_SECONDS, WebhookSignatureError, type HeaderLookup } from '../../src/payments/provider.js';
import { signSandboxPayload, verifySandboxSignature } from '../../src/payments/sandbox.js';
import { createStripeProvider } from '../../src/payments/stripe.js';
import { normaliseStripeEvent } from '../../src/payments/stripeEvents.js';

const ORDER_ID = '5f0c1d2e-3a4b-8c5d-9e6f-0a1b2c3d4e5f';


async function expectRejectedSignature(promise: Promise<unknown>, reason?: RegExp): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WebhookSignatureError);
  if (reason) expect((err as Error).message).toMatch(reason);
}

function expectInvalidSignature(fn: () => unknown, reason?: RegExp): void {
  const err = domainError(fn);
  expect(err).toBeInstanceOf(WebhookSignatureError);
  expect(err.code).toBe('invalid_signature');
  expect(err.kind).toBe('bad_request');
  if (reason) expect(err.message).toMatch(reason);
}

describe('sandbox signatures', () => {
  const secret = 'sandbox-secret-0123456789';
  const body = JSON.stringify({ id: 'evt_1', type: 'payment.succeeded', data: { orderId: ORDER_ID, amount: 6900 } });
  const now = 1_750_000_000;

  it('signs as t=<seconds>,v1=<64 hex digits>', () => {
    expect(signSandboxPayload(body, secret, now)).toMatch(new RegExp(`^t=${now},v1=[0-9a-f]{64}$`));
  });

  it('is deterministic for the same body, secret and time, and differs when any of them changes', () => {
    const header = signSandboxPayload(body, secret, now);
    expect(signSandboxPayload(body, secret, now)).toBe(header);
    expect(signSandboxPayload(body, `${secret}x`, now)).not.toBe(header);
    expect(signSandboxPayload(`${body} `, secret, now)).not.toBe(header);
    expect(signSandboxPayload(body, secret, now + 1).split(',v1=')[1]).not.toBe(header.split(',v1=')[1]);
  });

  it('verifies its own signature', () => {
    expect(() => verifySandboxSignature(body, signSandboxPayload(body, secret, now), secret, now)).not.toThrow();
  });

  it('tolerates whitespace after the comma', () => {
    const header = signSandboxPayload(body, secret, now).replace(',', ', ');
    expect(() => verifySandboxSignature(body, header, secret, now)).not.toThrow();
  });

  it('rejects a signature made with another secret', () => {
    const header = signSandboxPayload(body, 'another-secret-0123456789', now);
    expectInvalidSignature(() => verifySandboxSignature(body, header, secret, now), /signature mismatch/);
  });

  it('rejects a body changed by one byte', () => {
    const header = signSandboxPayload(body, secret, now);
    const tampered = body.replace('6900', '6901');
    expect(tampered).toHaveLength(body.length);
    expectInvalidSignature(() => verifySandboxSignature(tampered, header, secret, now), /signature mismatch/);
  });

  it('rejects a signature whose v1 is not the full digest', () => {
    const header = signSandboxPayload(body, secret, now).slice(0, -1);
    expectInvalidSignature(() => verifySandboxSignature(body, header, secret, now), /signature mismatch/);
  });

  it(`accepts a timestamp exactly ${WEBHOOK_TOLERANCE_SECONDS} s old or ahead`, () => {
    expect(WEBHOOK_TOLERANCE_SECONDS).toBe(300);
    expect(() => verifySandboxSignature(body, signSandboxPayload(body, secret, now - 300), secret, now)).not.toThrow();
    expect(() => verifySandboxSignature(body, signSandboxPayload(body, secret, now + 300), secret, now)).not.toThrow();
  });

  it('rejects a timestamp 301 s old', () => {
    const header = signSandboxPayload(body, secret, now - 301);
    expectInvalidSignature(() => verifySandboxSignature(body, header, secret, now), /timestamp outside the tolerance/);
  });

  it('rejects a timestamp 301 s in the future', () => {
    const header = signSandboxPayload(body, secret, now + 301);
    expectInvalidSignature(() => verifySandboxSignature(body, header, secret, now), /timestamp outside the tolerance/);
  });

  it('rejects a missing header', () => {
    expectInvalidSignature(() => verifySandboxSignature(body, undefined, secret, now), /missing sandbox-signature header/);
    expectInvalidSignature(() => verifySandboxSignature(body, '', secret, now), /missing sandbox-signature header/);
  });

  it('rejects malformed headers', () => {
    const mac = signSandboxPayload(body, secret, now).split(',v1=')[1]!;
    for (const header of ['garbage', `v1=${mac}`, `t=${now}`, `t=${now},v1=`, `t=soon,v1=${mac}`, `t=${now}.5,v1=${mac}`]) {
      expectInvalidSignature(() => verifySandboxSignature(body, header, secret, now), /malformed signature header/);
    }
  });
});

describe('Stripe webhook verification', () => {
  const webhookSecret = 'whsec_test';
  const provider = createStripeProvider({ secretKey: 'sk_test_x', webhookSecret });
  const lookup =
    (signature: string | undefined): HeaderLookup =>
    (name) =>
      name === 'stripe-signature' ? signature : undefined;

  const payload = JSON.stringify({
    id: 'evt_test_completed',
    object: 'event',
    type: 'checkout.session.completed',
    created: 1_750_000_000,
    data: {
      object: {
        id: 'cs_test_1',
        object: 'checkout.session',
        client_reference_id: ORDER_ID,
        metadata: { orderId: ORDER_ID, orderNumber: 'ORD-20250615-AAAA' },
        payment_status: 'paid',
        amount_total: 6900,
        currency: 'pln',
        payment_intent: 'pi_test_1',
      },
    },
  });

  it('accepts a header signed with the webhook secret and normalises the event', async () => {
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret });
    const verified = await provider.verifyWebhook(payload, lookup(header));
    expect(verified.eventId).toBe('evt_test_completed');
    expect(verified.eventType).toBe('checkout.session.completed');
    expect(verified.orderId).toBe(ORDER_ID);
    expect(verified.event).toEqual({
      provider: 'stripe',
      eventId: 'evt_test_completed',
      kind: 'succeeded',
      orderId: ORDER_ID,
      sessionId: 'cs_test_1',
      paymentId: 'pi_test_1',
      amount: { amount: 6900, currency: 'PLN' },
    });
  });

  it('rejects a header signed with another secret', async () => {
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_forged' });
    await expectRejectedSignature(provider.verifyWebhook(payload, lookup(header)));
  });

  it('rejects a body changed after signing', async () => {
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret });
    const tampered = payload.replace('6900', '6901');
    await expectRejectedSignature(provider.verifyWebhook(tampered, lookup(header)));
  });

  it('rejects a correctly signed but stale event', async () => {
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret, timestamp: Math.floor(Date.now() / 1000) - 3600 });
    await expectRejectedSignature(provider.verifyWebhook(payload, lookup(header)), /tolerance/i);
  });

  it('rejects a missing or malformed header', async () => {
    await expectRejectedSignature(provider.verifyWebhook(payload, lookup(undefined)), /missing Stripe-Signature header/);
    await expectRejectedSignature(provider.verifyWebhook(payload, lookup('nonsense')));
  });
});

describe('normaliseStripeEvent', () => {
  function event(type: string, object: unknown, id = `evt_${type}`): Stripe.Event {
    return { id, object: 'event', type, created: 1_750_000_000, data: { object } } as unknown as Stripe.Event;
  }
  const session = {
    id: 'cs_test_1',
    object: 'checkout.session',
    client_reference_id: ORDER_ID,
    metadata: { orderId: ORDER_ID },
    payment_status: 'paid',
    amount_total: 12900,
    currency: 'eur',
    payment_intent: 'pi_test_9',
  };

  it('maps a paid checkout.session.completed to succeeded with the amount and payment intent', () => {
    const e = event('checkout.session.completed', session);
    expect(normaliseStripeEvent(e)).toEqual({
      eventId: 'evt_checkout.session.completed',
      eventType: 'checkout.session.completed',
      orderId: ORDER_ID,
      event: {
        provider: 'stripe',
        eventId: 'evt_checkout.session.completed',
        kind: 'succeeded',
        orderId: ORDER_ID,
        sessionId: 'cs_test_1',
        paymentId: 'pi_test_9',
        amount: { amount: 12900, currency: 'EUR' },
      },
    });
  });

  it('takes the payment id from an expanded payment_intent object', () => {
    const result = normaliseStripeEvent(event('checkout.session.completed', { ...session, payment_intent: { id: 'pi_expanded', object: 'payment_intent' } }));
    expect(result.event?.paymentId).toBe('pi_expanded');
  });

  it('falls back to client_reference_id when metadata has no orderId', () => {
    const result = normaliseStripeEvent(event('checkout.session.completed', { ...session, metadata: {} }));
    expect(result.orderId).toBe(ORDER_ID);
    expect(result.event?.orderId).toBe(ORDER_ID);
  });

  it('maps a completed but unpaid session (a delayed method) to processing: the money has not settled', () => {
    const result = normaliseStripeEvent(event('checkout.session.completed', { ...session, payment_status: 'unpaid' }));
    expect(result.orderId).toBe(ORDER_ID);
    expect(result.event).toMatchObject({ kind: 'processing', orderId: ORDER_ID, sessionId: 'cs_test_1' });
    expect(result.eventType).toBe('checkout.session.completed');
  });

  it('treats a completed session that needed no payment as succeeded (no later event will come)', () => {
    const result = normaliseStripeEvent(event('checkout.session.completed', { ...session, payment_status: 'no_payment_required', amount_total: 0, currency: 'pln' }));
    expect(result.event).toMatchObject({ kind: 'succeeded', amount: { amount: 0, currency: 'PLN' } });
  });

  it('maps async_payment_succeeded to succeeded', () => {
    expect(normaliseStripeEvent(event('checkout.session.async_payment_succeeded', session)).event?.kind).toBe('succeeded');
  });

  it('maps async_payment_failed to failed, whatever the payment status says', () => {
    const result = normaliseStripeEvent(event('checkout.session.async_payment_failed', { ...session, payment_status: 'unpaid', payment_intent: null }));
    expect(result.event).toEqual({
      provider: 'stripe',
      eventId: 'evt_checkout.session.async_payment_failed',
      kind: 'failed',
      orderId: ORDER_ID,
      sessionId: 'cs_test_1',
      paymentId: undefined,
      amount: { amount: 12900, currency: 'EUR' },
    });
  });

  it('maps expired to expired, without an amount when the session has none', () => {
    const result = normaliseStripeEvent(event('checkout.session.expired', { id: 'cs_test_2', metadata: { orderId: ORDER_ID }, payment_status: 'unpaid', amount_total: null, currency: null }));
    expect(result.orderId).toBe(ORDER_ID);
    expect(result.event).toEqual({ provider: 'stripe', eventId: 'evt_checkout.session.expired', kind: 'expired', orderId: ORDER_ID, sessionId: 'cs_test_2', paymentId: undefined, amount: undefined });
  });

  it('records an unrelated event type with the orderId from its metadata and no event', () => {
    const e = event('payment_intent.created', { id: 'pi_1', object: 'payment_intent', metadata: { orderId: ORDER_ID } });
    expect(normaliseStripeEvent(e)).toEqual({ eventId: 'evt_payment_intent.created', eventType: 'payment_intent.created', orderId: ORDER_ID });
  });

  it('turns charge.refunded into a refund notice keyed by the charge and its cumulative refunded amount', () => {
    const e = event('charge.refunded', { id: 'ch_1', object: 'charge', amount_refunded: 6900, currency: 'pln', payment_intent: 'pi_1', metadata: {} });
    expect(normaliseStripeEvent(e)).toEqual({
      eventId: 'evt_charge.refunded',
      eventType: 'charge.refunded',
      orderId: undefined,
      refund: { kind: 'refund', key: 'provider:ch_1:6900', orderId: undefined, paymentId: 'pi_1', amount: { amount: 6900, currency: 'PLN' } },
    });
  });

  it('turns charge.dispute.created into a dispute notice', () => {
    const e = event('charge.dispute.created', { id: 'dp_1', object: 'dispute', amount: 6900, currency: 'pln', payment_intent: { id: 'pi_1' }, metadata: { orderId: ORDER_ID } });
    expect(normaliseStripeEvent(e).refund).toEqual({ kind: 'dispute', key: 'dispute:dp_1', orderId: ORDER_ID, paymentId: 'pi_1', amount: { amount: 6900, currency: 'PLN' } });
  });

  it('turns a dispute closed as won into a dispute_won notice, and ignores one closed lost', () => {
    const dispute = { id: 'dp_2', object: 'dispute', status: 'won', amount: 6900, currency: 'pln', payment_intent: 'pi_1', metadata: { orderId: ORDER_ID } };
    expect(normaliseStripeEvent(event('charge.dispute.closed', dispute)).refund).toEqual({
      kind: 'dispute_won',
      key: 'dispute_won:dp_2',
      orderId: ORDER_ID,
      paymentId: 'pi_1',
      amount: { amount: 6900, currency: 'PLN' },
    });
    const lost = normaliseStripeEvent(event('charge.dispute.closed', { ...dispute, status: 'lost' }));
    expect(lost.refund).toBeUndefined();
    expect(lost.orderId).toBe(ORDER_ID);
  });

  it('turns refund.failed and refund.updated into updates of our own refunds only', () => {
    const refund = { id: 're_1', object: 'refund', amount: 1000, currency: 'pln', status: 'failed', failure_reason: 'expired_or_canceled_card', payment_intent: 'pi_1', metadata: { orderId: ORDER_ID } };
    expect(normaliseStripeEvent(event('refund.failed', refund)).refundUpdate).toEqual({
      providerRefundId: 're_1',
      status: 'failed',
      reason: 'expired_or_canceled_card',
      orderId: ORDER_ID,
      paymentId: 'pi_1',
      amount: { amount: 1000, currency: 'PLN' },
      oursOnly: true,
    });
    expect(normaliseStripeEvent(event('refund.updated', { ...refund, status: 'succeeded', failure_reason: null })).refundUpdate).toMatchObject({ status: 'succeeded' });
    expect(normaliseStripeEvent(event('refund.updated', { ...refund, status: 'pending', failure_reason: null })).refundUpdate).toMatchObject({ status: 'pending' });
  });

  it('records an unrelated event without metadata with no orderId', () => {
    const result = normaliseStripeEvent(event('customer.created', { id: 'cus_1', object: 'customer' }));
    expect(result.orderId).toBeUndefined();
    expect(result.event).toBeUndefined();
  });

  it('records a session event without any order reference, and no event', () => {
    const result = normaliseStripeEvent(event('checkout.session.completed', { ...session, metadata: null, client_reference_id: null }));
    expect(result.orderId).toBeUndefined();
    expect(result.event).toBeUndefined();
  });

  it('refuses a session event whose object is not a checkout session', () => {
    for (const object of [null, 'cs_test_1', { object: 'checkout.session' }, { id: 42 }]) {
      const err = domainError(() => normaliseStripeEvent(event('checkout.session.completed', object)));
      expect(err.code).toBe('invalid_payload');
      expect(err.kind).toBe('bad_request');
    }
  });
});
