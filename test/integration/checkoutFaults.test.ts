// Checkout under faults: a provider answer lost mid-call, and an order left PENDING by an outage before it had a session.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { orderActivities } from '../../src/activities/orders.js';
import { paymentActivities } from '../../src/activities/payments.js';
import type { ProviderName } from '../../src/domain/orders.js';
import type { PaymentProviders } from '../../src/payments/index.js';
import { createStripeProvider } from '../../src/payments/stripe.js';
import { recordingStripe } from '../support/stripeRecorder.js';
import { orderWorkflowId } from '../../src/workflows/definitions.js';
import { fakeActivityDeps } from '../support/fakeDeps.js';
import { emailsTo, eventually, packageId, reconcile, recordHistory, startHarness, uniqueEmail, waitForStatus, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

async function newOrder(provider: ProviderName, deps = fakeActivityDeps({ sql: h.sql })) {
  const orderId = crypto.randomUUID();
  const email = uniqueEmail('fault');
  await orderActivities(deps).createOrder({
    orderId,
    email,
    name: 'Fault',
    locale: 'en',
    provider,
    packageIds: [await packageId(h.sql, 'chatbot-rag')],
    fingerprint: `fp-${orderId}`,
  });
  return { orderId, email };
}

describe('a Stripe session whose answer was lost', () => {
  afterAll(() => vi.useRealTimers());

  it('is asked for again with the same key and byte-identical parameters, however late and by whichever run', async () => {
    const { sent, stripe } = recordingStripe(h);
    const payments = { stripe: createStripeProvider(h.config.stripe!, stripe) } as PaymentProviders;
    const activities = paymentActivities(fakeActivityDeps({ sql: h.sql, payments, publicUrl: h.config.publicUrl }));
    const { orderId } = await newOrder('stripe');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T10:00:00Z'));
    await activities.createPaymentSession({ orderId, expiresAt: new Date(Date.now() + 15 * 60_000).toISOString() });

    // The session exists at Stripe but we never stored it; a new run ten minutes later wants its own expiry.
    await h.sql`UPDATE orders SET provider_session_id = NULL, payment_url = NULL WHERE id = ${orderId}`;
    vi.setSystemTime(new Date('2030-01-01T10:10:00Z'));
    await activities.createPaymentSession({ orderId, expiresAt: new Date(Date.now() + 15 * 60_000).toISOString() });
    vi.useRealTimers();

    const creates = sent.filter((r) => r.path === '/v1/checkout/sessions');
    expect(creates).toHaveLength(2);
    expect(creates[0]!.idempotencyKey).toBe(`session:${orderId}`);
    expect(creates[1]!.idempotencyKey).toBe(creates[0]!.idempotencyKey);
    expect(creates[1]!.body).toBe(creates[0]!.body);
    // Clamped once, against the first attempt's clock: the adapter's one-hour floor from 10:00.
    expect(new URLSearchParams(creates[0]!.body).get('expires_at')).toBe(String(Date.parse('2030-01-01T11:00:00Z') / 1000));
  });
});

describe('an order left PENDING before its payment session opened', () => {
  it('is expired by reconciliation once past its checkout TTL, and left for the buyer’s retry within it', async () => {
    const [{ orderId: stale, email }, { orderId: fresh }] = [await newOrder('sandbox'), await newOrder('sandbox')];
    // Opened just over a checkout TTL ago (reconciliation's grace is 0 here), then the outage: no session, no run.
    await h.sql`UPDATE orders SET created_at = now() - make_interval(secs => ${h.config.checkoutTtlMs / 1000 + 60}) WHERE id = ${stale}`;
    const pass = await reconcile(h, [stale, fresh]);
    // The pass has ended: it resumed the stale order and left the fresh one alone.
    expect(pass.result).toEqual({ checked: 1, signalled: 0, resumed: 1 });
    await waitForStatus(h, stale, 'EXPIRED');
    const [event] = await h.sql`SELECT cause FROM order_events WHERE order_id = ${stale} AND to_status = 'EXPIRED'`;
    expect(event!.cause).toBe(`reconciled:reconcile:${stale}:ttl`);
    expect((await h.sql`SELECT status FROM orders WHERE id = ${fresh}`)[0]!.status).toBe('PENDING');
    // The buyer heard only "could not be opened": the expiry email says it is closed and nothing was charged.
    await eventually(() => emailsTo(h, email), (m) => m.some((x) => x.subject.includes('expired')), 'the checkout_expired email');
    await recordHistory(h, orderWorkflowId(stale), 'reconciled-unopened-checkout');
    await recordHistory(h, pass.workflowId, 'reconcile-pass-expired-unopened');
  });
});
