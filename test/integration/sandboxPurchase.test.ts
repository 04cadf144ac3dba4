// A buyer pays on the sandbox page: account, enrollments (bundle → children) and the right email, over real parts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/auth/setupTokens.js';
import { activeEnrollments, checkout, emailsTo, eventually, packageId, postJson, sandboxAction, startHarness, uniqueEmail, waitForStatus, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

describe('sandbox purchase', () => {
  it('fulfils a single package: new user, enrollment, one welcome email with a working setup link', async () => {
    const email = uniqueEmail();
    const res = await checkout(h, { packageIds: [await packageId(h.sql, 'chatbot-rag')], email, locale: 'en' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'PENDING', total: { amount: 14900, currency: 'PLN' } });
    expect(res.body.orderNumber).toMatch(/^ORD-\d{8}-[A-Z2-9]{4}$/);

    const paid = await sandboxAction(res.body.paymentUrl, 'pay');
    expect(paid.status).toBe(303);
    expect(paid.location).toBe(`${h.baseUrl}/orders/${res.body.orderId}`);
    await waitForStatus(h, res.body.orderId, 'FULFILLED');

    expect(await activeEnrollments(h.sql, email)).toEqual(['chatbot-rag']);
    const [user] = await h.sql`SELECT id, password_hash, role FROM users WHERE email = ${email}`;
    expect(user).toMatchObject({ password_hash: null, role: 'customer' });

    const mails = await eventually(() => emailsTo(h, email), (m) => m.length > 0, 'the welcome email');
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toContain(res.body.orderNumber);
    expect(mails[0]!.subject).toMatch(/^Welcome/);
    expect(mails[0]!.html).toContain('<html');
    const link = mails[0]!.text.match(/(http\S+setup-password\?lang=\w+#token=([\w-]+))/);
    expect(link).not.toBeNull();
    expect(mails[0]!.html).toContain(link![1]);
    const [token] = await h.sql`SELECT user_id, expires_at, used_at FROM password_setup_tokens WHERE token_hash = ${hashToken(link![2]!)}`;
    expect(token).toBeDefined();
    expect(token!.user_id).toBe(user!.id);
    expect(token!.used_at).toBeNull();
    const minutesLeft = (token!.expires_at.getTime() - Date.now()) / 60_000;
    expect(minutesLeft).toBeGreaterThan(55);
    expect(minutesLeft).toBeLessThanOrEqual(60);
    const page = await fetch(link![1]!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/api/v1/auth/password/setup');
    const setup = await postJson(`${h.baseUrl}/api/v1/auth/password/setup`, { token: link![2], password: 'correct horse battery' });
    expect(setup).toEqual({ status: 200, body: { email } });
    const [withPassword] = await h.sql`SELECT password_hash FROM users WHERE email = ${email}`;
    expect(withPassword!.password_hash).toMatch(/^\$argon2id\$/);
    const reuse = await postJson(`${h.baseUrl}/api/v1/auth/password/setup`, { token: link![2], password: 'another good password' });
    expect(reuse).toMatchObject({ status: 422, body: { error: { code: 'token_used' } } });

    const events = await h.sql`SELECT from_status, to_status, cause FROM order_events WHERE order_id = ${res.body.orderId} ORDER BY id`;
    expect(events.map((e) => e.to_status)).toEqual(['PENDING', 'PAID', 'FULFILLED']);
  });

  it('enrols a bundle buyer in the children only, never the bundle itself', async () => {
    const email = uniqueEmail('bundle');
    const res = await checkout(h, { packageIds: [await packageId(h.sql, 'marketing-ai-bundle')], email });
    expect(res.status).toBe(201);
    expect(res.body.total).toEqual({ amount: 74900, currency: 'PLN' });
    await sandboxAction(res.body.paymentUrl, 'pay');
    await waitForStatus(h, res.body.orderId, 'FULFILLED');
    expect(await activeEnrollments(h.sql, email)).toEqual(['content-creator', 'social-media']);
    const mails = await eventually(() => emailsTo(h, email), (m) => m.length > 0, 'the welcome email');
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toMatch(/^Witamy/);
  });

  it('sends a returning customer a confirmation and creates no second user', async () => {
    const email = uniqueEmail('returning');
    const first = await checkout(h, { packageIds: [await packageId(h.sql, 'biuro-autopilot')], email, locale: 'en' });
    await sandboxAction(first.body.paymentUrl, 'pay');
    await waitForStatus(h, first.body.orderId, 'FULFILLED');

    const second = await checkout(h, { packageIds: [await packageId(h.sql, 'social-media')], email: email.toUpperCase(), locale: 'en' });
    expect(second.status).toBe(201);
    await sandboxAction(second.body.paymentUrl, 'pay');
    await waitForStatus(h, second.body.orderId, 'FULFILLED');

    const users = await h.sql`SELECT id FROM users WHERE email = ${email}`;
    expect(users).toHaveLength(1);
    expect(await activeEnrollments(h.sql, email)).toEqual(['biuro-autopilot', 'social-media']);
    const mails = await eventually(() => emailsTo(h, email), (m) => m.length === 2, 'two emails');
    expect(mails.map((m) => m.subject.split(' ')[0]).sort()).toEqual(['Order', 'Welcome!']);
    expect(mails.find((m) => m.subject.startsWith('Order'))!.subject).toContain(second.body.orderNumber);
  });

  it('grants access again to a buyer whose earlier access was revoked', async () => {
    const email = uniqueEmail('again');
    const first = await checkout(h, { packageIds: [await packageId(h.sql, 'chatbot-rag')], email });
    await sandboxAction(first.body.paymentUrl, 'pay');
    await waitForStatus(h, first.body.orderId, 'FULFILLED');
    await h.sql`UPDATE enrollments SET status = 'revoked', revoked_at = now() WHERE order_id = ${first.body.orderId}`;
    expect(await activeEnrollments(h.sql, email)).toEqual([]);

    const second = await checkout(h, { packageIds: [await packageId(h.sql, 'chatbot-rag')], email });
    expect(second.status).toBe(201);
    await sandboxAction(second.body.paymentUrl, 'pay');
    await waitForStatus(h, second.body.orderId, 'FULFILLED');
    expect(await activeEnrollments(h.sql, email)).toEqual(['chatbot-rag']);
    const [row] = await h.sql`SELECT e.order_id FROM enrollments e JOIN users u ON u.id = e.user_id WHERE u.email = ${email}`;
    expect(row!.order_id).toBe(second.body.orderId);
  });

  it('marks a declined payment FAILED, grants nothing and tells the buyer', async () => {
    const email = uniqueEmail('declined');
    const res = await checkout(h, { packageIds: [await packageId(h.sql, 'devops-autopilot')], email, locale: 'en' });
    const declined = await sandboxAction(res.body.paymentUrl, 'decline');
    expect(declined.location).toContain('cancelled=1');
    await waitForStatus(h, res.body.orderId, 'FAILED');
    expect(await activeEnrollments(h.sql, email)).toEqual([]);
    const mails = await eventually(() => emailsTo(h, email), (m) => m.length > 0, 'the payment-failed email');
    expect(mails[0]!.subject).toMatch(/^Payment for order .* failed/);
    expect(mails[0]!.text).toContain(`Try again: ${h.baseUrl}/shop`);
    expect((await fetch(`${h.baseUrl}/shop`)).status).toBe(200);
    expect((await h.sql`SELECT 1 FROM users WHERE email = ${email}`).length).toBe(0);
  });
});
