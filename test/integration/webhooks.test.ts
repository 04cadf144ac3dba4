// Webhooks through the real endpoint: Stripe (SDK against stripe-mock) and sandbox, duplicates, forgeries, mismatches.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOrder, postSandbox as postSandboxTo, postStripe as postStripeTo, relayedOutcome, sandboxSucceeded, stripeEvent, stripeEventId } from '../support/events.js';
import { orderWorkflowId } from '../../src/workflows/definitions.js';
import { activeEnrollments, checkout, emailsTo, eventually, packageId, startHarness, uniqueEmail, waitForStatus, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

const postStripe = (body: string, signature?: string) => postStripeTo(h, body, signature);
const postSandbox = (event: Record<string, unknown>, secret?: string) => postSandboxTo(h, event, secret);
const sandboxOrder = (slug: string, email?: string) => openOrder(h, [slug], { email });
const succeeded = sandboxSucceeded;

describe('Stripe', () => {
  it('opens a Checkout Session through the SDK and fulfils on a signed checkout.session.completed', async () => {
    const email = uniqueEmail('stripe');
    const res = await checkout(h, { packageIds: [await packageId(h.sql, 'sales-automation')], email, provider: 'stripe', locale: 'en' });
    expect(res.status).toBe(201);
    expect(res.body.paymentUrl).toMatch(/^https?:\/\//);
    const [order] = await h.sql`SELECT provider_session_id FROM orders WHERE id = ${res.body.orderId}`;
    expect(order!.provider_session_id).toMatch(/^cs_/);

    const body = stripeEvent('checkout.session.completed', {
      id: order!.provider_session_id,
      object: 'checkout.session',
      client_reference_id: res.body.orderId,
      metadata: { orderId: res.body.orderId, orderNumber: res.body.orderNumber },
      payment_status: 'paid',
      amount_total: 49700,
      currency: 'pln',
      payment_intent: 'pi_test_123',
    });
    // Acknowledged once recorded; the relay hands it to the order's workflow after the answer.
    expect(await postStripe(body)).toEqual({ status: 200, body: { received: true, outcome: 'queued' } });
    await waitForStatus(h, res.body.orderId, 'FULFILLED');
    expect(await relayedOutcome(h, 'stripe', stripeEventId(body))).toBe('signalled');
    const [row] = await h.sql`SELECT received_at, delivered_at, next_attempt_at FROM webhook_events WHERE event_id = ${stripeEventId(body)}`;
    expect(row!.next_attempt_at).toBeNull();
    expect(row!.delivered_at.getTime()).toBeGreaterThanOrEqual(row!.received_at.getTime());
    expect(await activeEnrollments(h.sql, email)).toEqual(['sales-automation']);
    const [paid] = await h.sql`SELECT provider_payment_id, paid_amount FROM orders WHERE id = ${res.body.orderId}`;
    expect(paid).toEqual({ provider_payment_id: 'pi_test_123', paid_amount: 49700 });
  });

  it('turns a completed session whose payment is still settling PROCESSING, and fulfils it on async_payment_succeeded', async () => {
    const res = await checkout(h, { packageIds: [await packageId(h.sql, 'biuro-autopilot')], email: uniqueEmail(), provider: 'stripe' });
    const id = (await h.sql`SELECT provider_session_id FROM orders WHERE id = ${res.body.orderId}`)[0]!.provider_session_id as string;
    const session = { id, metadata: { orderId: res.body.orderId }, amount_total: res.body.total.amount, currency: 'pln', payment_intent: 'pi_async' };
    expect((await postStripe(stripeEvent('checkout.session.completed', { ...session, payment_status: 'unpaid' }))).body.outcome).toBe('queued');
    await waitForStatus(h, res.body.orderId, 'PROCESSING');
    expect((await postStripe(stripeEvent('checkout.session.async_payment_succeeded', { ...session, payment_status: 'paid' }))).body.outcome).toBe('queued');
    await waitForStatus(h, res.body.orderId, 'FULFILLED');
  });

  it('records and ignores an event for a session another integration made (no order id of ours)', async () => {
    const body = stripeEvent('checkout.session.completed', { id: 'cs_other', client_reference_id: 'cart-77', metadata: { orderId: 'not-a-uuid' }, payment_status: 'paid', amount_total: 100, currency: 'pln' });
    expect(await postStripe(body)).toEqual({ status: 200, body: { received: true, outcome: 'ignored' } });
    expect(await h.sql`SELECT order_id, outcome FROM webhook_events WHERE event_id = ${JSON.parse(body).id}`).toEqual([{ order_id: null, outcome: 'ignored' }]);
  });

  it('refuses a forged or stale signature with 400 and records nothing', async () => {
    const body = stripeEvent('checkout.session.completed', { id: 'cs_forged', metadata: { orderId: crypto.randomUUID() }, payment_status: 'paid', amount_total: 1, currency: 'pln' });
    const eventId = JSON.parse(body).id as string;
    const forged = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: 'whsec_not_ours' });
    expect(await postStripe(body, forged)).toMatchObject({ status: 400, body: { error: { code: 'invalid_signature' } } });
    const stale = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: h.config.stripe!.webhookSecret, timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect((await postStripe(body, stale)).status).toBe(400);
    const missing = await fetch(`${h.baseUrl}/api/v1/webhooks/stripe`, { method: 'POST', body });
    expect(missing.status).toBe(400);
    expect(await h.sql`SELECT 1 FROM webhook_events WHERE event_id = ${eventId}`).toHaveLength(0);
  });
});

describe('sandbox webhooks', () => {
  it('fulfils once when the same event arrives twice', async () => {
    const o = await sandboxOrder('chatbot-rag');
    const event = succeeded(o, 14900);
    expect((await postSandbox(event)).body.outcome).toBe('queued');
    expect(await postSandbox(event)).toEqual({ status: 200, body: { received: true, outcome: 'duplicate' } });
    await waitForStatus(h, o.orderId, 'FULFILLED');
    // A second, different success event for the same order changes nothing either, but is recorded for operators.
    await postSandbox(succeeded(o, 14900));
    await eventually(() => h.sql`SELECT 1 FROM order_events WHERE order_id = ${o.orderId} AND cause = 'unexpected_payment'`, (r) => r.length === 1, 'the second payment on record');
    // Once the run has ended, every email it would send is sent: count then.
    await h.temporal.workflow.getHandle(orderWorkflowId(o.orderId)).result();
    expect(await emailsTo(h, o.email)).toHaveLength(1);
    const events = await h.sql`SELECT from_status, to_status FROM order_events WHERE order_id = ${o.orderId}`;
    expect(events.filter((e) => e.to_status === 'FULFILLED' && e.from_status !== 'FULFILLED')).toHaveLength(1);
    expect(await h.sql`SELECT 1 FROM webhook_events WHERE provider = 'sandbox' AND event_id = ${event.id}`).toHaveLength(1);
  });

  it('holds a payment whose amount differs from the order and grants nothing', async () => {
    const o = await sandboxOrder('social-media');
    await postSandbox(succeeded(o, 100));
    await waitForStatus(h, o.orderId, 'HELD');
    const [row] = await h.sql`SELECT held_reason, paid_amount FROM orders WHERE id = ${o.orderId}`;
    expect(row).toEqual({ held_reason: 'amount_mismatch', paid_amount: 100 });
    expect(await activeEnrollments(h.sql, o.email)).toEqual([]);
  });

  it('holds a payment in another currency', async () => {
    const o = await sandboxOrder('social-media');
    await postSandbox(succeeded(o, 39700, 'EUR'));
    await waitForStatus(h, o.orderId, 'HELD');
  });

  it('refuses a sandbox event signed with another secret, and a body that is not an event', async () => {
    const o = await sandboxOrder('biuro-autopilot');
    expect((await postSandbox(succeeded(o, 6900), 'some-other-secret-of-enough-length')).status).toBe(400);
    const bad = await postSandbox({ hello: 'world' });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_payload' } } });
    expect((await h.sql`SELECT status FROM orders WHERE id = ${o.orderId}`)[0]!.status).toBe('PENDING');
  });

  it('keeps an event for an unknown order and answers 202', async () => {
    const res = await postSandbox(succeeded({ orderId: crypto.randomUUID(), sessionId: 'sbx_unknown' }, 100));
    expect(res).toEqual({ status: 202, body: { received: true, outcome: 'unmatched' } });
  });

  it('answers 404 for a provider that does not exist', async () => {
    const res = await fetch(`${h.baseUrl}/api/v1/webhooks/paypal`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('provider_not_found');
  });
});
