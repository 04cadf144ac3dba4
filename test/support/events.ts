// Signed provider events for tests: Stripe (the SDK's own test signature) and sandbox, and orders to attach them to.
import Stripe from 'stripe';
import { expect } from 'vitest';
import { signSandboxPayload } from '../../src/payments/sandbox.js';
import { checkout, eventually, packageId, post, uniqueEmail, type Harness } from './harness.js';

export interface TestOrder {
  orderId: string;
  orderNumber: string;
  email: string;
  sessionId: string;
  paymentUrl: string;
  total: { amount: number; currency: string };
}

export function stripeEvent(type: string, object: Record<string, unknown>) {
  return JSON.stringify({ id: `evt_${crypto.randomUUID().replaceAll('-', '')}`, object: 'event', type, api_version: '2025-01-01', created: Math.floor(Date.now() / 1000), data: { object } });
}

export const postStripe = (h: Harness, body: string, signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: h.config.stripe!.webhookSecret })) =>
  post(`${h.baseUrl}/api/v1/webhooks/stripe`, body, { 'stripe-signature': signature });

export function postSandbox(h: Harness, event: Record<string, unknown>, secret = h.config.sandbox!.webhookSecret) {
  const body = JSON.stringify(event);
  return post(`${h.baseUrl}/api/v1/webhooks/sandbox`, body, { 'sandbox-signature': signSandboxPayload(body, secret) });
}

/** Checks out the given packages (slugs) and returns the order with its provider session. */
export async function openOrder(h: Harness, slugs: string[], options: { email?: string; provider?: 'sandbox' | 'stripe'; couponCode?: string; locale?: 'pl' | 'en' } = {}): Promise<TestOrder> {
  const email = options.email ?? uniqueEmail();
  const packageIds = await Promise.all(slugs.map((s) => packageId(h.sql, s)));
  const res = await checkout(h, { packageIds, email, locale: options.locale ?? 'en', provider: options.provider ?? 'sandbox', ...(options.couponCode ? { couponCode: options.couponCode } : {}) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const [order] = await h.sql<{ provider_session_id: string }[]>`SELECT provider_session_id FROM orders WHERE id = ${res.body.orderId}`;
  return { ...(res.body as Omit<TestOrder, 'email' | 'sessionId'>), email, sessionId: order!.provider_session_id };
}

export const sandboxSucceeded = (o: { orderId: string; sessionId: string }, amount: number, currency = 'PLN', id = `evt_${crypto.randomUUID()}`) => ({
  id,
  type: 'payment.succeeded',
  created: Math.floor(Date.now() / 1000),
  data: { sessionId: o.sessionId, orderId: o.orderId, amount, currency, paymentId: `pay_${id}` },
});

/** checkout.session.completed for a Stripe order, paid in full with the given payment intent. */
export const stripePaid = (o: TestOrder, paymentIntent: string, amount = o.total.amount) =>
  stripeEvent('checkout.session.completed', {
    id: o.sessionId,
    object: 'checkout.session',
    client_reference_id: o.orderId,
    metadata: { orderId: o.orderId, orderNumber: o.orderNumber },
    payment_status: 'paid',
    status: 'complete',
    amount_total: amount,
    currency: o.total.currency.toLowerCase(),
    payment_intent: paymentIntent,
  });

/**
 * What the relay made of a recorded event (signalled, refund_started, ...): a webhook is acknowledged once recorded
 * (outcome `queued`), and handed to its workflow after the answer.
 */
export async function relayedOutcome(h: Harness, provider: string, eventId: string, timeoutMs?: number): Promise<string> {
  const row = await eventually(
    () => h.sql<{ outcome: string | null }[]>`SELECT outcome FROM webhook_events WHERE provider = ${provider} AND event_id = ${eventId}`,
    (rows) => Boolean(rows[0]?.outcome),
    `${provider} event ${eventId} to be delivered by the relay`,
    timeoutMs,
  );
  return row[0]!.outcome!;
}

/** The id of a Stripe event body made by stripeEvent. */
export const stripeEventId = (body: string): string => (JSON.parse(body) as { id: string }).id;
