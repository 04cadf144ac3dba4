// Coupons and quotes over HTTP on real PostgreSQL and Temporal: admin API, quote, checkout refusals, uses under
// concurrency, a use given back when the order closes unpaid and spent when paid, and a 100% coupon that skips the provider.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderActivities } from '../../src/activities/orders.js';
import { paymentActivities } from '../../src/activities/payments.js';
import { signAccessToken } from '../../src/auth/accessTokens.js';
import type { PaymentProviders } from '../../src/payments/index.js';
import { createStripeProvider } from '../../src/payments/stripe.js';
import { orderWorkflowId } from '../../src/workflows/definitions.js';
import {
  activeEnrollments, admin, ADMIN_TOKEN, checkout, emailsTo, eventually, packageId, postJson, recordHistory, sandboxAction, startHarness, uniqueEmail, waitForStatus, type Harness,
} from '../support/harness.js';
import { fakeActivityDeps } from '../support/fakeDeps.js';
import { recordingStripe } from '../support/stripeRecorder.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ CHECKOUT_TTL_SECONDS: '600' });
});
afterAll(async () => h?.close());

const newCode = (tag: string) => `${tag}-${crypto.randomUUID().slice(0, 8)}`;
const pln = (amount: number) => ({ amount, currency: 'PLN' });

async function createCoupon(body: Record<string, unknown>) {
  const res = await admin(h, 'POST', '/coupons', { code: newCode('C'), kind: 'percent', ...(body.kind === 'fixed' ? {} : { percent: 10 }), ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; code: string };
}

const quote = (body: Record<string, unknown>, headers: Record<string, string> = {}) => postJson(`${h.baseUrl}/api/v1/checkout/quote`, { provider: 'sandbox', ...body }, headers);
const coupon = async (id: string) => (await admin(h, 'GET', `/coupons/${id}`)).body;
const redemptionOf = async (orderId: string) => (await h.sql<{ status: string }[]>`SELECT status FROM coupon_redemptions WHERE order_id = ${orderId}`)[0]?.status;

describe('coupon admin API', () => {
  it('creates, lists, reads and deactivates a coupon with the shapes the issue states', async () => {
    const code = newCode('Wiosna');
    const created = await admin(h, 'POST', '/coupons', { code, kind: 'fixed', amount: pln(1000), maxUses: 5, maxUsesPerCustomer: 1, minPurchase: pln(5000), validUntil: '2099-01-01T00:00:00Z' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ code, kind: 'fixed', active: true, uses: 0, amount: pln(1000), percent: null, maxDiscount: null, validFrom: null, validUntil: '2099-01-01T00:00:00.000Z', packageIds: [] });
    expect((await admin(h, 'POST', '/coupons', { code: code.toUpperCase(), kind: 'percent', percent: 5 })).body.error.code).toBe('coupon_code_taken');
    expect((await admin(h, 'POST', '/coupons', { code: code.toLowerCase(), kind: 'percent', percent: 5 })).status).toBe(409);

    const list = await admin(h, 'GET', '/coupons?limit=100');
    expect(list.body.coupons.map((c: { id: string }) => c.id)).toContain(created.body.id);
    expect(await coupon(created.body.id)).toMatchObject({ id: created.body.id, redemptions: [] });

    const off = await admin(h, 'POST', `/coupons/${created.body.id}/deactivate`);
    expect(off).toMatchObject({ status: 200, body: { active: false } });
    const q = await quote({ packageIds: [await packageId(h.sql, 'chatbot-rag')], couponCode: code });
    expect(q.body.coupon).toEqual({ code, applied: false, reason: 'coupon_expired' });
  });

  it.each([
    ['a percent coupon without percent', { kind: 'percent', percent: undefined }, 422],
    ['a fixed coupon with a percent', { kind: 'fixed', amount: pln(100), percent: 5 }, 422],
    ['money in two currencies', { kind: 'fixed', amount: pln(100), minPurchase: { amount: 100, currency: 'EUR' } }, 422],
    ['a window that ends before it starts', { validFrom: '2030-01-02T00:00:00Z', validUntil: '2030-01-01T00:00:00Z' }, 422],
    ['a code with spaces', { code: 'has space' }, 400],
    ['packages that do not exist', { packageIds: ['00000000-0000-4000-8000-000000000000'] }, 422],
  ])('refuses %s', async (_name, body, status) => {
    const res = await admin(h, 'POST', '/coupons', { code: newCode('Bad'), kind: 'percent', percent: 10, ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(typeof res.body.error.code).toBe('string');
  });

  it('is closed without the admin token, and 404s an unknown coupon', async () => {
    expect((await admin(h, 'GET', '/coupons', undefined, {})).status).toBe(401);
    expect((await admin(h, 'POST', '/coupons', { code: newCode('X'), kind: 'percent', percent: 1 }, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await admin(h, 'GET', `/coupons/${crypto.randomUUID()}`)).status).toBe(404);
    expect((await admin(h, 'POST', `/coupons/${crypto.randomUUID()}/deactivate`)).status).toBe(404);
  });
});

describe('quote', () => {
  it('prices the cart with the discount spread over the lines, and writes nothing', async () => {
    const c = await createCoupon({ kind: 'fixed', amount: pln(1000) });
    const ids = [await packageId(h.sql, 'biuro-autopilot'), await packageId(h.sql, 'chatbot-rag')];
    const email = uniqueEmail('quote');
    const q = await quote({ packageIds: ids, email, couponCode: c.code.toLowerCase() });
    expect(q.status, JSON.stringify(q.body)).toBe(200);
    expect(q.body).toMatchObject({ subtotal: pln(21800), discount: pln(1000), total: pln(20800), coupon: { code: c.code, applied: true }, owned: null });
    // 1000 × 6900/21800 = 316.5…, × 14900/21800 = 683.4…: the larger remainder takes the last grosz.
    expect(q.body.lines).toEqual([
      { packageId: ids[0], title: expect.any(String), unitPrice: pln(6900), originalPrice: pln(14900), discount: pln(317), total: pln(6583) },
      { packageId: ids[1], title: expect.any(String), unitPrice: pln(14900), originalPrice: pln(24900), discount: pln(683), total: pln(14217) },
    ]);
    expect(await h.sql`SELECT 1 FROM orders WHERE email = ${email}`).toHaveLength(0);
    expect(await h.sql`SELECT 1 FROM coupon_redemptions WHERE coupon_id = ${c.id}`).toHaveLength(0);

    const none = await quote({ packageIds: ids });
    expect(none.body).toMatchObject({ discount: pln(0), total: pln(21800), coupon: null });
    const unknown = await quote({ packageIds: ids, couponCode: 'NO-SUCH-CODE' });
    expect(unknown.body).toMatchObject({ total: pln(21800), coupon: { code: 'NO-SUCH-CODE', applied: false, reason: 'coupon_unknown' } });
  });

  it('tells only the logged-in customer what they already own; a stranger learns nothing', async () => {
    const email = uniqueEmail('owner');
    const owned = await packageId(h.sql, 'biuro-autopilot');
    const bought = await checkout(h, { packageIds: [owned], email });
    await sandboxAction(bought.body.paymentUrl, 'pay');
    await waitForStatus(h, bought.body.orderId, 'FULFILLED');
    const [user] = await h.sql<{ id: string }[]>`SELECT id FROM users WHERE email = ${email}`;
    const { token } = await signAccessToken({ userId: user!.id, email }, h.config.jwt);
    const auth = { authorization: `Bearer ${token}` };
    const other = await packageId(h.sql, 'chatbot-rag');

    const stranger = await quote({ packageIds: [owned], email });
    expect(stranger).toMatchObject({ status: 200, body: { owned: null, total: pln(6900) } });
    expect((await quote({ packageIds: [owned, other], email }, auth)).body.owned).toEqual([owned]);
    expect((await quote({ packageIds: [owned], email }, auth)).body.error.code).toBe('already_owned');
    // Logged in, but quoting for someone else's email: that email's purchases stay private.
    expect((await quote({ packageIds: [owned], email: uniqueEmail() }, auth)).body.owned).toBeNull();
    expect((await quote({ packageIds: [owned], email }, { authorization: 'Bearer not-a-token' })).status).toBe(401);
  });
});

describe('checkout with a coupon', () => {
  it('charges what the quote said, stores the discount per line, counts the use when paid, and shows the discount', async () => {
    const c = await createCoupon({ percent: 20, maxUses: 10 });
    const ids = [await packageId(h.sql, 'biuro-autopilot'), await packageId(h.sql, 'chatbot-rag')];
    const email = uniqueEmail('coupon');
    const q = await quote({ packageIds: ids, email, couponCode: c.code });
    const res = await checkout(h, { packageIds: ids, email, couponCode: c.code, locale: 'en' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.total).toEqual(q.body.total);
    expect(res.body.total).toEqual(pln(17440));
    const items = await h.sql<{ unit_amount: number; discount_amount: number }[]>`SELECT unit_amount, discount_amount FROM order_items WHERE order_id = ${res.body.orderId} ORDER BY unit_amount`;
    expect(items.map((i) => i.discount_amount)).toEqual([1380, 2980]);
    expect(await coupon(c.id)).toMatchObject({ uses: 1, redemptions: [{ orderId: res.body.orderId, status: 'reserved', discount: pln(4360), email }] });

    await sandboxAction(res.body.paymentUrl, 'pay');
    await waitForStatus(h, res.body.orderId, 'FULFILLED');
    expect(await coupon(c.id)).toMatchObject({ uses: 1, redemptions: [{ status: 'consumed' }] });
    const view = (await (await fetch(`${h.baseUrl}/api/v1/orders/${res.body.orderId}/status`)).json()) as { items: { discount: unknown }[] };
    expect(view).toMatchObject({ subtotal: pln(21800), discount: pln(4360), total: pln(17440), couponCode: c.code });
    expect(view.items.map((i: { discount: unknown }) => i.discount)).toEqual(expect.arrayContaining([pln(1380), pln(2980)]));
    const [user] = await h.sql<{ id: string }[]>`SELECT id FROM users WHERE email = ${email}`;
    const { token } = await signAccessToken({ userId: user!.id, email }, h.config.jwt);
    const mine = (await (await fetch(`${h.baseUrl}/api/v1/me/orders/${res.body.orderId}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { items: { packageId: string }[] };
    expect(mine).toMatchObject({ subtotal: pln(21800), discount: pln(4360), total: pln(17440), couponCode: c.code });
    // The account page shows each line as the order page does: catalog price and the coupon's share, as money.
    const byPackage = (items: { packageId: string }[]) => [...items].sort((a, b) => a.packageId.localeCompare(b.packageId));
    expect(byPackage(mine.items)).toEqual(byPackage(view.items as unknown as { packageId: string }[]));
    const [mail] = await eventually(() => emailsTo(h, email), (m) => m.length === 1, 'the welcome email');
    expect(mail!.text).toContain(`Discount (code ${c.code})`);

    // A partial refund of one line gives back what was paid for that line, not its catalog price.
    const refund = await admin(h, 'POST', `/orders/${res.body.orderId}/refunds`, { packageIds: [ids[0]], reason: 'changed mind' }, { authorization: `Bearer ${ADMIN_TOKEN}`, 'idempotency-key': `line-${res.body.orderId}` });
    expect(refund.status, JSON.stringify(refund.body)).toBe(202);
    expect(refund.body.refund.amount).toEqual(pln(6900 - 1380));
    await waitForStatus(h, res.body.orderId, 'PARTIALLY_REFUNDED');
    // The use stays spent after a refund.
    expect(await coupon(c.id)).toMatchObject({ uses: 1, redemptions: [{ status: 'consumed' }] });
  });

  it.each([
    ['coupon_unknown', async () => 'NO-SUCH-COUPON'],
    ['coupon_expired', async () => (await createCoupon({ validFrom: '2020-01-01T00:00:00Z', validUntil: '2020-02-01T00:00:00Z' })).code],
    ['coupon_not_applicable', async () => (await createCoupon({ packageIds: [await packageId(h.sql, 'social-media')] })).code],
    ['coupon_minimum_not_met', async () => (await createCoupon({ minPurchase: pln(100_000) })).code],
    ['coupon_exhausted', async () => {
      const c = await createCoupon({ maxUses: 1 });
      expect((await checkout(h, { packageIds: [await packageId(h.sql, 'chatbot-rag')], email: uniqueEmail(), couponCode: c.code })).status).toBe(201);
      return c.code;
    }],
  ])('refuses a coupon that does not apply with 422 %s, never a silent full price', async (reason, makeCode) => {
    const code = await makeCode();
    const email = uniqueEmail();
    const res = await checkout(h, { packageIds: [await packageId(h.sql, 'chatbot-rag')], email, couponCode: code });
    expect(res).toMatchObject({ status: 422, body: { error: { code: reason, details: { couponCode: code } } } });
    expect(await h.sql`SELECT 1 FROM orders WHERE email = ${email}`).toHaveLength(0);
  });

  it('lets exactly as many concurrent checkouts through as the coupon has uses', async () => {
    const c = await createCoupon({ maxUses: 3 });
    const ids = [await packageId(h.sql, 'chatbot-rag')];
    const answers = await Promise.all(Array.from({ length: 12 }, () => checkout(h, { packageIds: ids, email: uniqueEmail('rush'), couponCode: c.code })));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    expect(answers.filter((a) => a.status !== 201).map((a) => [a.status, a.body.error.code])).toEqual(Array(9).fill([422, 'coupon_exhausted']));
    expect(await coupon(c.id)).toMatchObject({ uses: 3 });
    expect(await h.sql`SELECT 1 FROM coupon_redemptions WHERE coupon_id = ${c.id}`).toHaveLength(3);
  });

  it('lets one customer use a once-per-customer coupon once, however many checkouts race', async () => {
    const c = await createCoupon({ maxUsesPerCustomer: 1 });
    const ids = [await packageId(h.sql, 'chatbot-rag')];
    const email = uniqueEmail('greedy');
    const answers = await Promise.all(Array.from({ length: 5 }, () => checkout(h, { packageIds: ids, email, couponCode: c.code })));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 422 && a.body.error.code === 'coupon_exhausted')).toHaveLength(4);
    expect((await checkout(h, { packageIds: ids, email: uniqueEmail(), couponCode: c.code })).status).toBe(201);
  });

  it('gives the use back when the order is cancelled or its payment fails', async () => {
    const c = await createCoupon({ maxUses: 1 });
    const ids = [await packageId(h.sql, 'chatbot-rag')];
    const first = await checkout(h, { packageIds: ids, email: uniqueEmail(), couponCode: c.code });
    const cancel = await postJson(`${h.baseUrl}/api/v1/orders/${first.body.orderId}/cancel`, {});
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
    await h.temporal.workflow.getHandle(orderWorkflowId(first.body.orderId)).result();
    expect(await redemptionOf(first.body.orderId)).toBe('released');
    expect(await coupon(c.id)).toMatchObject({ uses: 0 });

    const second = await checkout(h, { packageIds: ids, email: uniqueEmail(), couponCode: c.code });
    expect(second.status).toBe(201);
    await sandboxAction(second.body.paymentUrl, 'decline');
    await waitForStatus(h, second.body.orderId, 'FAILED');
    await h.temporal.workflow.getHandle(orderWorkflowId(second.body.orderId)).result();
    expect(await redemptionOf(second.body.orderId)).toBe('released');
    await recordHistory(h, orderWorkflowId(second.body.orderId), 'coupon-payment-failed-released');
    expect((await checkout(h, { packageIds: ids, email: uniqueEmail(), couponCode: c.code })).status).toBe(201);
  });

  it('accepts the coupon on a Stripe checkout too, charging the discounted total', async () => {
    const c = await createCoupon({ percent: 50 });
    const res = await checkout(h, { packageIds: [await packageId(h.sql, 'chatbot-rag')], email: uniqueEmail(), couponCode: c.code, provider: 'stripe' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.total).toEqual(pln(7450));
  });

  it('sends Stripe line amounts that carry the discount, summing to the order total', async () => {
    const c = await createCoupon({ kind: 'fixed', amount: pln(1000) });
    const { sent, stripe } = recordingStripe(h);
    const deps = fakeActivityDeps({ sql: h.sql, payments: { stripe: createStripeProvider(h.config.stripe!, stripe) } as PaymentProviders, publicUrl: h.config.publicUrl });
    const orderId = crypto.randomUUID();
    const ids = [await packageId(h.sql, 'biuro-autopilot'), await packageId(h.sql, 'chatbot-rag')];
    const order = await orderActivities(deps).createOrder({ orderId, email: uniqueEmail('stripe'), name: 'S', locale: 'en', provider: 'stripe', packageIds: ids, couponCode: c.code, fingerprint: `fp-${orderId}` });
    await paymentActivities(deps).createPaymentSession({ orderId, expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    const body = new URLSearchParams(sent.find((r) => r.path === '/v1/checkout/sessions')!.body);
    const amounts = [0, 1].map((i) => Number(body.get(`line_items[${i}][price_data][unit_amount]`)));
    expect(amounts.sort((a, b) => a - b)).toEqual([6900 - 317, 14900 - 683]);
    expect(amounts[0]! + amounts[1]!).toBe(order.total.amount);
  });
});

describe('a 100% coupon', () => {
  it('skips the provider: the order is paid at once, fulfilled, and the buyer gets the usual email', async () => {
    const c = await createCoupon({ percent: 100, maxUses: 1 });
    const email = uniqueEmail('free');
    const ids = [await packageId(h.sql, 'marketing-ai-bundle')];
    const q = await quote({ packageIds: ids, email, couponCode: c.code });
    expect(q.body.total).toEqual(pln(0));
    const res = await checkout(h, { packageIds: ids, email, couponCode: c.code, locale: 'en' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ total: pln(0), paymentUrl: `${h.baseUrl}/orders/${res.body.orderId}` });
    await waitForStatus(h, res.body.orderId, 'FULFILLED');
    expect(await activeEnrollments(h.sql, email)).toEqual(['content-creator', 'social-media']);
    const [order] = await h.sql<{ provider_session_id: string; paid_amount: number }[]>`SELECT provider_session_id, paid_amount FROM orders WHERE id = ${res.body.orderId}`;
    expect(order).toEqual({ provider_session_id: `free:${res.body.orderId}`, paid_amount: 0 });
    expect(await h.sql`SELECT 1 FROM sandbox_sessions WHERE order_id = ${res.body.orderId}`).toHaveLength(0);
    const mails = await eventually(() => emailsTo(h, email), (m) => m.length === 1, 'the welcome email');
    expect(mails[0]!.subject).toMatch(/Welcome|Witaj/i);
    expect(await coupon(c.id)).toMatchObject({ uses: 1, redemptions: [{ status: 'consumed' }] });
    await recordHistory(h, orderWorkflowId(res.body.orderId), 'coupon-free-order');
  });
});

describe('an expired order', () => {
  let short: Harness;
  beforeAll(async () => {
    short = await startHarness({ CHECKOUT_TTL_SECONDS: '2' });
  });
  afterAll(async () => short?.close());

  it('gives its coupon use back when the checkout TTL runs out', async () => {
    const c = await createCoupon({ maxUses: 1 });
    const ids = [await packageId(h.sql, 'chatbot-rag')];
    const res = await checkout(short, { packageIds: ids, email: uniqueEmail(), couponCode: c.code });
    expect(res.status).toBe(201);
    expect((await checkout(short, { packageIds: ids, email: uniqueEmail(), couponCode: c.code })).body.error.code).toBe('coupon_exhausted');
    await short.temporal.workflow.getHandle(orderWorkflowId(res.body.orderId)).result();
    expect((await short.sql`SELECT status FROM orders WHERE id = ${res.body.orderId}`)[0]!.status).toBe('EXPIRED');
    expect(await redemptionOf(res.body.orderId)).toBe('released');
    expect(await coupon(c.id)).toMatchObject({ uses: 0, redemptions: [{ status: 'released' }] });
    await recordHistory(short, orderWorkflowId(res.body.orderId), 'coupon-expired-released');
    expect((await checkout(short, { packageIds: ids, email: uniqueEmail(), couponCode: c.code })).status).toBe(201);
  });
});

describe('what the document allows is what the API accepts', () => {
  type Schema = { $ref?: string; properties?: Record<string, Schema>; pattern?: string; type?: string | string[] };
  /** A request body's JSON schema in /openapi.json, its $ref followed. */
  type Doc = { paths: Record<string, Record<string, { requestBody: { content: Record<string, { schema: Schema }> } }>>; components?: { schemas?: Record<string, Schema> } };
  function bodySchema(doc: Doc, path: string): Schema {
    const schema = doc.paths[path]!.post!.requestBody.content['application/json']!.schema;
    return schema.$ref ? doc.components!.schemas![schema.$ref.split('/').pop()!]! : schema;
  }

  it('declares the pattern that refuses blank text (a form feed alone), so fuzzers and the server agree', async () => {
    const doc = (await (await fetch(`${h.baseUrl}/openapi.json`)).json()) as Doc;
    const confirm = bodySchema(doc, '/api/v1/admin/orders/{orderId}/refunds/{refundId}/confirm');
    const fields = [bodySchema(doc, '/api/v1/checkout').properties!.couponCode!, confirm.properties!.operator!, confirm.properties!.note!];
    for (const field of fields) {
      expect(field.pattern, JSON.stringify(field)).toBeDefined();
      const pattern = new RegExp(field.pattern!);
      expect(pattern.test('\f'), field.pattern).toBe(false);
      expect(pattern.test(' WIOSNA20 '), field.pattern).toBe(true);
    }
    // And the server refuses what the pattern refuses.
    const blank = await checkout(h, { packageIds: [await packageId(h.sql, 'chatbot-rag')], email: uniqueEmail(), couponCode: '\f' });
    expect(blank.status).toBe(400);
  });

  it('refuses an empty offset instead of reading it as 0', async () => {
    const res = await admin(h, 'GET', '/coupons?offset=&limit=1');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect((await admin(h, 'GET', '/coupons?offset=0&limit=1')).status).toBe(200);
  });

  it('refuses a validity instant that falls in year 0 in UTC, which PostgreSQL cannot hold', async () => {
    const res = await admin(h, 'POST', '/coupons', { code: newCode('Y0'), kind: 'percent', percent: 10, validFrom: '0001-01-01T00:00:00+01:00' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
  });

  it('refuses validity instants written outside years 1000 to 8999, which come back from PostgreSQL as text JavaScript misreads', async () => {
    // 0028 came back as an invalid date (500 on create, and on every later list: schemathesis found it); 0099 as 1999.
    for (const validFrom of ['0028-08-01T00:01:02Z', '0099-08-01T00:00:00Z', '0999-12-31T23:59:59Z', '9000-01-01T00:00:00Z']) {
      const res = await admin(h, 'POST', '/coupons', { code: newCode('Y99'), kind: 'percent', percent: 10, validFrom });
      expect(res.status, validFrom).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
    }
    const year1000 = await admin(h, 'POST', '/coupons', { code: newCode('Y1K'), kind: 'percent', percent: 10, validFrom: '1000-01-01T00:00:00Z' });
    expect(year1000.status).toBe(201);
    expect(year1000.body.validFrom).toBe('1000-01-01T00:00:00.000Z');
    expect((await admin(h, 'GET', '/coupons?limit=100')).status).toBe(200);
  });
});
