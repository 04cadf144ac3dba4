// Checkout over HTTP: idempotency, every refusal as a clear 4xx, and expiry after a short TTL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { fingerprint } from '../../src/api/checkout.js';
import { signAccessToken } from '../../src/auth/accessTokens.js';
import { legacyOrderIdForKey } from '../../src/api/orderIds.js';
import { transitionOrder } from '../../src/db/orders.js';
import { checkoutUpdate, orderWorkflowId, type CheckoutInput } from '../../src/workflows/definitions.js';
import { openOrder, postSandbox, sandboxSucceeded } from '../support/events.js';
import { activeEnrollments, checkout, emailsTo, eventually, packageId, postJson, recordHistory, sandboxAction, startHarness, uniqueEmail, waitForStatus, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ CHECKOUT_TTL_SECONDS: '3' });
});
afterAll(async () => h?.close());

describe('checkout', () => {
  it('returns the same order for the same Idempotency-Key, and refuses the key for another request', async () => {
    const email = uniqueEmail();
    const body = { packageIds: [await packageId(h.sql, 'chatbot-rag')], email };
    const key = `same-key-${crypto.randomUUID()}`;
    const [a, b] = await Promise.all([checkout(h, body, key), checkout(h, body, key)]);
    expect(a.status).toBe(201);
    expect(b.body).toEqual(a.body);
    const again = await checkout(h, body, key);
    expect(again.body).toEqual(a.body);
    expect(await h.sql`SELECT 1 FROM orders WHERE email = ${email}`).toHaveLength(1);

    const other = await checkout(h, { ...body, packageIds: [await packageId(h.sql, 'biuro-autopilot')] }, key);
    expect(other).toMatchObject({ status: 422, body: { error: { code: 'idempotency_key_reused' } } });
  });

  it('scopes a key to its buyer: a stranger reusing it gets an order of their own, and the id is not derivable from the key', async () => {
    const packageIds = [await packageId(h.sql, 'chatbot-rag')];
    const key = `shared-key-${crypto.randomUUID()}`;
    const buyer = await checkout(h, { packageIds, email: uniqueEmail('buyer') }, key);
    const stranger = await checkout(h, { packageIds, email: uniqueEmail('stranger') }, key);
    expect(buyer.status).toBe(201);
    expect(stranger.status).toBe(201);
    expect(stranger.body.orderId).not.toBe(buyer.body.orderId);
    expect(buyer.body.orderId).not.toBe(legacyOrderIdForKey(key));
  });

  it('still answers the retries of an order made before ids were keyed, to its own buyer only', async () => {
    const key = `legacy-${crypto.randomUUID()}`;
    const orderId = legacyOrderIdForKey(key);
    const body = { packageIds: [await packageId(h.sql, 'chatbot-rag')], email: uniqueEmail('legacy'), name: 'Test Buyer', provider: 'sandbox' as const, locale: 'pl' as const };
    // What an earlier release did for this key: the workflow of the unkeyed id, opened by update-with-start.
    const input: CheckoutInput = { orderId, ...body, fingerprint: fingerprint(body), checkoutTtlMs: 60_000, fulfilmentRetryMs: 4000, latePaymentPolicy: 'refund' };
    const start = new WithStartWorkflowOperation('orderWorkflow', { workflowId: orderWorkflowId(orderId), taskQueue: h.config.temporal.taskQueue, args: [input], workflowIdConflictPolicy: 'USE_EXISTING' });
    const opened = await h.temporal.workflow.executeUpdateWithStart(checkoutUpdate, { args: [{ fingerprint: input.fingerprint }], startWorkflowOperation: start });

    const retry = await checkout(h, body, key);
    expect(retry).toMatchObject({ status: 201, body: { orderId, orderNumber: opened.orderNumber } });
    const stranger = await checkout(h, { ...body, email: uniqueEmail('stranger') }, key);
    expect(stranger.status).toBe(201);
    expect(stranger.body.orderId).not.toBe(orderId);
    await h.temporal.workflow.getHandle(orderWorkflowId(orderId)).terminate('test over');
  });

  it('answers a retried key with the stored order after the order has closed', async () => {
    const email = uniqueEmail();
    const body = { packageIds: [await packageId(h.sql, 'biuro-autopilot')], email };
    const key = `closed-${crypto.randomUUID()}`;
    const first = await checkout(h, body, key);
    await sandboxAction(first.body.paymentUrl, 'pay');
    await waitForStatus(h, first.body.orderId, 'FULFILLED');
    const retry = await checkout(h, body, key);
    expect(retry.status).toBe(201);
    expect(retry.body).toMatchObject({ orderId: first.body.orderId, orderNumber: first.body.orderNumber, status: 'FULFILLED' });
  });

  it('moves orders only along the status table: a fulfilled order cannot expire', async () => {
    const res = await checkout(h, { packageIds: [await packageId(h.sql, 'biuro-autopilot')], email: uniqueEmail() });
    await sandboxAction(res.body.paymentUrl, 'pay');
    await waitForStatus(h, res.body.orderId, 'FULFILLED');
    const err = await transitionOrder(h.sql, res.body.orderId, { to: 'EXPIRED', cause: 'stale retry' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'illegal_transition', details: { from: 'FULFILLED', to: 'EXPIRED' } });
    expect(await transitionOrder(h.sql, res.body.orderId, { to: 'FULFILLED', cause: 'repeat' })).toMatchObject({ changed: false, from: 'FULFILLED', status: 'FULFILLED' });
    expect((await h.sql`SELECT status FROM orders WHERE id = ${res.body.orderId}`)[0]!.status).toBe('FULFILLED');
  });

  it('moves an order once per step when transitions race: each event starts where the one before it ended', async () => {
    const res = await checkout(h, { packageIds: [await packageId(h.sql, 'biuro-autopilot')], email: uniqueEmail('race') });
    const { orderId } = res.body as { orderId: string };
    // The run is not part of this: the transitions come straight from here, as the workflow's and a refund's would.
    await h.temporal.workflow.getHandle(orderWorkflowId(orderId)).terminate('transitions raced by hand');
    const payment = { paymentId: `pay_${orderId}`, amount: { amount: 1, currency: 'PLN' } };
    // Paid and expired, asked at once on the pool's connections: expired may win first (then the payment is late), never after.
    const asks = Array.from({ length: 12 }, (_, i) =>
      transitionOrder(h.sql, orderId, i % 2 ? { to: 'EXPIRED', cause: `race ${i}` } : { to: 'PAID', cause: `race ${i}`, payment }),
    );
    const answers = await Promise.allSettled(asks);
    const events = await h.sql<{ from_status: string | null; to_status: string }[]>`SELECT from_status, to_status FROM order_events WHERE order_id = ${orderId} ORDER BY id`;
    const path = events.map((e) => `${e.from_status}→${e.to_status}`);
    events.forEach((e, i) => expect(e.from_status, path.join(' ')).toBe(i === 0 ? null : events[i - 1]!.to_status));
    expect(events.at(-1)!.to_status, path.join(' ')).toBe('PAID');
    expect(events.filter((e) => e.to_status === 'PAID'), path.join(' ')).toHaveLength(1);
    const changed = answers.filter((a) => a.status === 'fulfilled' && a.value.changed);
    expect(changed, path.join(' ')).toHaveLength(events.length - 1);
    // Any refusal is the status table's (an expiry asked once the money is in), never a database error.
    for (const a of answers) if (a.status === 'rejected') expect(a.reason).toMatchObject({ code: 'illegal_transition', details: { from: 'PAID', to: 'EXPIRED' } });
    expect((await h.sql`SELECT status FROM orders WHERE id = ${orderId}`)[0]!.status).toBe('PAID');
  });

  it.each([
    ['empty cart', { packageIds: [] }, 400, 'invalid_request'],
    ['bad email', { email: 'not-an-email' }, 400, 'invalid_request'],
    ['unknown field', { coupon: 'X' }, 400, 'invalid_request'],
    ['unknown provider', { provider: 'bitcoin' }, 400, 'invalid_request'],
    ['a provider that is not configured', { provider: 'paypal' }, 422, 'provider_unavailable'],
    ['unknown package', { packageIds: ['00000000-0000-4000-8000-000000000000'] }, 422, 'package_unavailable'],
  ])('refuses %s with a clear error', async (_name, override, status, code) => {
    const res = await checkout(h, { packageIds: [await packageId(h.sql, 'chatbot-rag')], email: uniqueEmail(), ...override });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(typeof res.body.error.message).toBe('string');
  });

  it('refuses a checkout without an Idempotency-Key', async () => {
    const res = await postJson(`${h.baseUrl}/api/v1/checkout`, { packageIds: [await packageId(h.sql, 'chatbot-rag')], email: uniqueEmail(), name: 'A', provider: 'sandbox' });
    expect(res).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
  });

  it('refuses an unpublished package', async () => {
    await h.sql`INSERT INTO packages (slug, title, category, price_amount, currency, published) VALUES ('hidden-test', 'Hidden', 'Test', 100, 'PLN', false) ON CONFLICT (slug) DO NOTHING`;
    const res = await checkout(h, { packageIds: [await packageId(h.sql, 'hidden-test')], email: uniqueEmail() });
    expect(res).toMatchObject({ status: 422, body: { error: { code: 'package_unavailable' } } });
  });

  it('refuses packages in different currencies in one cart', async () => {
    await h.sql`INSERT INTO packages (slug, title, category, price_amount, currency) VALUES ('euro-test', 'Euro', 'Test', 1000, 'EUR') ON CONFLICT (slug) DO NOTHING`;
    const res = await checkout(h, { packageIds: [await packageId(h.sql, 'euro-test'), await packageId(h.sql, 'chatbot-rag')], email: uniqueEmail() });
    expect(res).toMatchObject({ status: 422, body: { error: { code: 'mixed_currencies' } } });
  });

  it('tells only the logged-in owner that they own the cart already; the answer to anyone else does not depend on it', async () => {
    const email = uniqueEmail('owner');
    const first = await checkout(h, { packageIds: [await packageId(h.sql, 'content-creator'), await packageId(h.sql, 'social-media')], email });
    await sandboxAction(first.body.paymentUrl, 'pay');
    await waitForStatus(h, first.body.orderId, 'FULFILLED');
    const bundle = { packageIds: [await packageId(h.sql, 'marketing-ai-bundle')], email };

    // Anyone may type this email: the answer is the same as for an email that owns nothing.
    const stranger = await checkout(h, bundle);
    expect(stranger.status).toBe(201);
    expect(stranger.body.status).toBe('PENDING');
    const [user] = await h.sql<{ id: string }[]>`SELECT id FROM users WHERE email = ${email}`;
    const { token } = await signAccessToken({ userId: user!.id, email }, h.config.jwt);
    const owner = await checkout(h, bundle, undefined, { authorization: `Bearer ${token}` });
    expect(owner).toMatchObject({ status: 409, body: { error: { code: 'already_owned' } } });
    const mixed = await checkout(h, { packageIds: [await packageId(h.sql, 'social-media'), await packageId(h.sql, 'chatbot-rag')], email }, undefined, { authorization: `Bearer ${token}` });
    expect(mixed.status).toBe(201);

    // Another customer's token tells nothing about this email; a token that is not valid is refused.
    const otherEmail = uniqueEmail('other');
    const bought = await checkout(h, { packageIds: [await packageId(h.sql, 'chatbot-rag')], email: otherEmail });
    await sandboxAction(bought.body.paymentUrl, 'pay');
    await waitForStatus(h, bought.body.orderId, 'FULFILLED');
    const [otherUser] = await h.sql<{ id: string }[]>`SELECT id FROM users WHERE email = ${otherEmail}`;
    const other = await signAccessToken({ userId: otherUser!.id, email: otherEmail }, h.config.jwt);
    expect((await checkout(h, bundle, undefined, { authorization: `Bearer ${other.token}` })).status).toBe(201);
    const gone = await signAccessToken({ userId: randomUUID(), email: otherEmail }, h.config.jwt);
    expect((await checkout(h, bundle, undefined, { authorization: `Bearer ${gone.token}` })).status).toBe(401);
    expect(await checkout(h, bundle, undefined, { authorization: 'Bearer not-a-token' })).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
  });

  it('expires an unpaid order after the checkout TTL and closes its payment page', async () => {
    const email = uniqueEmail('late');
    const res = await checkout(h, { packageIds: [await packageId(h.sql, 'chatbot-rag')], email });
    await waitForStatus(h, res.body.orderId, 'EXPIRED', 15_000);
    const [session] = await h.sql`SELECT status FROM sandbox_sessions WHERE order_id = ${res.body.orderId}`;
    expect(session!.status).toBe('expired');
    const page = await (await fetch(res.body.paymentUrl)).text();
    expect(page).not.toContain('/pay"');
    expect(await activeEnrollments(h.sql, email)).toEqual([]);
    // The buyer is told, with a way to buy again.
    const [expired] = await eventually(() => emailsTo(h, email), (m) => m.length === 1, 'the checkout-expired email');
    expect(expired!.subject).toMatch(/wygasło/);
    expect(expired!.text).toContain(`${h.baseUrl}/shop`);
    await recordHistory(h, orderWorkflowId(res.body.orderId), 'expired');
  });

  it('refunds a payment that reaches an order after it expired, records it and tells the buyer', async () => {
    const o = await openOrder(h, ['social-media']);
    await waitForStatus(h, o.orderId, 'EXPIRED', 15_000);
    expect((await postSandbox(h, sandboxSucceeded(o, o.total.amount))).body).toEqual({ received: true, outcome: 'queued' });
    await waitForStatus(h, o.orderId, 'REFUNDED');
    expect(await activeEnrollments(h.sql, o.email)).toEqual([]);
    const [row] = await h.sql`SELECT paid_amount FROM orders WHERE id = ${o.orderId}`;
    expect(row!.paid_amount).toBe(o.total.amount);
    const causes = (await h.sql`SELECT cause FROM order_events WHERE order_id = ${o.orderId} ORDER BY id`).map((e) => e.cause);
    expect(causes).toEqual(['checkout', 'checkout_ttl', 'late_payment:refund', 'late_payment', 'refund_requested:late_payment', 'refund:late_payment']);
    const subjects = (await eventually(() => emailsTo(h, o.email), (m) => m.length === 2, 'two emails')).map((m) => m.subject);
    expect(subjects).toEqual([expect.stringMatching(/^Refund for order/), expect.stringMatching(/expired/)]);
    await recordHistory(h, orderWorkflowId(o.orderId), 'late-payment-after-expiry');
  });
});

describe('order status, health and docs', () => {
  it('shows a customer their order, and 404 for an unknown one', async () => {
    const res = await checkout(h, { packageIds: [await packageId(h.sql, 'marketing-ai-bundle')], email: uniqueEmail() });
    const status = await (await fetch(`${h.baseUrl}/api/v1/orders/${res.body.orderId}/status`)).json();
    const pln = (amount: number) => ({ amount, currency: 'PLN' });
    expect(status).toEqual({
      orderId: res.body.orderId,
      orderNumber: res.body.orderNumber,
      status: 'PENDING',
      total: pln(74900),
      subtotal: pln(74900),
      discount: pln(0),
      couponCode: null,
      items: [expect.objectContaining({ slug: 'marketing-ai-bundle', price: pln(74900), discount: pln(0) })],
    });
    expect((await fetch(`${h.baseUrl}/api/v1/orders/${crypto.randomUUID()}/status`)).status).toBe(404);
    expect((await fetch(`${h.baseUrl}/api/v1/orders/not-a-uuid/status`)).status).toBe(400);
  });

  it('lists the catalog with filters and shows a bundle with its children', async () => {
    const all = (await (await fetch(`${h.baseUrl}/api/v1/packages`)).json()) as { packages: { slug: string }[] };
    expect(all.packages.map((p) => p.slug)).toEqual(expect.arrayContaining(['biuro-autopilot', 'chatbot-rag', 'sales-automation', 'content-creator', 'devops-autopilot', 'social-media', 'marketing-ai-bundle']));
    const marketing = (await (await fetch(`${h.baseUrl}/api/v1/packages?category=Marketing&featured=false`)).json()) as { packages: { slug: string }[] };
    expect(marketing.packages.map((p) => p.slug).sort()).toEqual(['content-creator', 'social-media']);
    const bundle = (await (await fetch(`${h.baseUrl}/api/v1/packages/marketing-ai-bundle`)).json()) as { isBundle: boolean; children: { slug: string }[] };
    expect(bundle.isBundle).toBe(true);
    expect(bundle.children.map((c) => c.slug)).toEqual(['content-creator', 'social-media']);
    expect((await fetch(`${h.baseUrl}/api/v1/packages/nope`)).status).toBe(404);
    expect((await fetch(`${h.baseUrl}/api/v1/packages?featured=maybe`)).status).toBe(400);
  });

  it('is live and ready, and publishes its OpenAPI document', async () => {
    expect(await (await fetch(`${h.baseUrl}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${h.baseUrl}/readyz`)).json()).toEqual({ status: 'ok', checks: { database: 'ok', temporal: 'ok' } });
    const doc = (await (await fetch(`${h.baseUrl}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/checkout', '/api/v1/packages', '/api/v1/packages/{slug}', '/api/v1/orders/{orderId}/status', '/api/v1/webhooks/{provider}', '/healthz', '/readyz']));
    const docs = await (await fetch(`${h.baseUrl}/docs`)).text();
    expect(docs).toContain('/docs/assets/swagger-ui-dist/swagger-ui-bundle.js');
    expect(docs).not.toContain('cdn.jsdelivr');
    const bundle = await fetch(`${h.baseUrl}/docs/assets/swagger-ui-dist/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toContain('javascript');
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
    const root = await fetch(`${h.baseUrl}/`, { redirect: 'manual' });
    expect(root.headers.get('location')).toBe('/shop');
  });
});
