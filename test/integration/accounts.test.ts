// Customer accounts over HTTP and real SMTP: buy, follow the emailed link, set a password, log in, see orders and access.
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/auth/setupTokens.js';
import { signAccessToken } from '../../src/auth/accessTokens.js';
import { customerKey } from '../../src/auth/customerKeys.js';
import { setupLinkWorkflowId } from '../../src/workflows/definitions.js';
import { createLogger } from '../../src/log.js';
import { createPaymentProviders } from '../../src/payments/index.js';
import { apiDepsFrom, startHttpServer } from '../../src/api/server.js';
import { checkout, emailsTo, eventually, packageId, recordHistory, sandboxAction, startHarness, uniqueEmail, waitForStatus, type Harness } from '../support/harness.js';
import { createMetrics } from '../../src/observability/metrics.js';

const PER_EMAIL = 4;
const PER_IP = 8;
const FREE_FAILURES = 3;
const MAX_DELAY_SECONDS = 60;
const WINDOW_SECONDS = 600;
const PASSWORD = 'correct horse battery';

let h: Harness;
beforeAll(async () => {
  // Behind one trusted proxy: each test speaks from its own X-Forwarded-For address, so per-IP counters stay apart.
  h = await startHarness({
    TRUSTED_PROXY_HOPS: '1',
    AUTH_RATE_PER_EMAIL: String(PER_EMAIL),
    AUTH_RATE_PER_IP: String(PER_IP),
    AUTH_RATE_WINDOW_SECONDS: String(WINDOW_SECONDS),
    LOGIN_FREE_FAILURES: String(FREE_FAILURES),
    LOGIN_MAX_DELAY_SECONDS: String(MAX_DELAY_SECONDS),
  });
});
afterAll(async () => h?.close());

const newIp = () => `198.51.100.${randomInt(1, 255)}, 10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

interface Call {
  method?: string;
  body?: unknown;
  token?: string;
  ip?: string;
  base?: string;
}

async function api(path: string, { method = 'GET', body, token, ip = newIp(), base = h.baseUrl }: Call = {}) {
  const headers: Record<string, string> = { 'x-forwarded-for': ip };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
}

const post = (path: string, body: unknown, call: Call = {}) => api(path, { ...call, method: 'POST', body });

async function buy(email: string, slug: string, locale: 'pl' | 'en' = 'en') {
  const res = await checkout(h, { packageIds: [await packageId(h.sql, slug)], email, locale });
  expect(res.status).toBe(201);
  await sandboxAction(res.body.paymentUrl, 'pay');
  await waitForStatus(h, res.body.orderId, 'FULFILLED');
  return res.body as { orderId: string; orderNumber: string };
}

/** Waits for the email whose subject matches and returns it with the setup token its link carries, if any. */
async function mailTo(email: string, subject: RegExp) {
  const mails = await eventually(() => emailsTo(h, email), (m) => m.some((x) => subject.test(x.subject)), `an email to ${email} matching ${subject}`);
  const mail = mails.find((x) => subject.test(x.subject))!;
  const link = mail.text.match(/(http\S+\/account\/setup-password\?lang=\w+#token=([\w-]+))/);
  return { mail, url: link?.[1], token: link?.[2] };
}

/** A customer who bought `slug`, set a password from the welcome email, and logged in. */
async function customer(slug = 'chatbot-rag') {
  const email = uniqueEmail('acct');
  const order = await buy(email, slug);
  const { token } = await mailTo(email, /^Welcome/);
  expect((await post('/api/v1/auth/password/setup', { token, password: PASSWORD })).status).toBe(200);
  const login = await post('/api/v1/auth/login', { email, password: PASSWORD });
  expect(login.status).toBe(200);
  return { email, order, accessToken: login.body.accessToken as string, deviceToken: login.body.deviceToken as string };
}

describe('the customer journey', () => {
  it('buys a bundle, follows the welcome email to set a password, logs in and sees the order and its enrollments', async () => {
    const email = uniqueEmail('journey');
    const order = await buy(email, 'marketing-ai-bundle');

    const { mail, url, token } = await mailTo(email, /^Welcome/);
    expect(mail.subject).toContain(order.orderNumber);
    // The page speaks the email's language (this order's is English).
    expect(url).toBe(`${h.baseUrl}/account/setup-password?lang=en#token=${token}`);
    expect(mail.html).toContain(`href="${url}"`);
    const page = await fetch(url!);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<h1>Set your password</h1>');
    expect(html).toContain('/api/v1/auth/password/setup');
    // The page takes the token from the fragment (never sent to a server) and clears it from the address bar.
    expect(html).toContain('location.hash');
    expect(html).not.toContain('location.search');

    const weak = await post('/api/v1/auth/password/setup', { token, password: 'short' });
    expect(weak).toMatchObject({ status: 422, body: { error: { code: 'weak_password' } } });
    expect(weak.body.error.message).toMatch(/at least 10 characters/);
    expect(await post('/api/v1/auth/password/setup', { token, password: PASSWORD })).toMatchObject({ status: 200, body: { email } });
    const reused = await post('/api/v1/auth/password/setup', { token, password: 'another good password' });
    expect(reused).toMatchObject({ status: 422, body: { error: { code: 'token_used' } } });

    const login = await post('/api/v1/auth/login', { email: email.toUpperCase(), password: PASSWORD });
    expect(login).toMatchObject({ status: 200, body: { tokenType: 'Bearer', expiresIn: h.config.jwt.ttlSeconds } });
    const accessToken = login.body.accessToken as string;

    const me = await api('/api/v1/me', { token: accessToken });
    expect(me).toMatchObject({ status: 200, body: { email, name: 'Test Buyer', role: 'customer', hasPassword: true } });

    const orders = await api('/api/v1/me/orders', { token: accessToken });
    expect(orders.status).toBe(200);
    expect(orders.body.orders).toHaveLength(1);
    expect(orders.body.orders[0]).toMatchObject({
      orderId: order.orderId,
      orderNumber: order.orderNumber,
      status: 'FULFILLED',
      total: { amount: 74900, currency: 'PLN' },
      items: [{ slug: 'marketing-ai-bundle' }],
    });

    const detail = await api(`/api/v1/me/orders/${order.orderId}`, { token: accessToken });
    expect(detail.status).toBe(200);
    expect(detail.body.history.map((e: { status: string }) => e.status)).toEqual(['PENDING', 'PAID', 'FULFILLED']);

    const titles = await h.sql<{ slug: string; title: string }[]>`SELECT slug, title FROM packages WHERE slug IN ('content-creator', 'social-media') ORDER BY title`;
    const enrollments = await api('/api/v1/me/enrollments', { token: accessToken });
    expect(enrollments.status).toBe(200);
    expect(enrollments.body.enrollments.map((e: any) => ({ slug: e.slug, title: e.title, via: e.viaBundle?.slug }))).toEqual(
      titles.map((t) => ({ slug: t.slug, title: t.title, via: 'marketing-ai-bundle' })),
    );

    const check = async (slug: string) => (await api(`/api/v1/me/enrollments/${await packageId(h.sql, slug)}`, { token: accessToken })).body;
    expect(await check('social-media')).toEqual({ enrolled: true });
    expect(await check('marketing-ai-bundle')).toEqual({ enrolled: true });
    expect(await check('chatbot-rag')).toEqual({ enrolled: false });
    expect((await api(`/api/v1/me/enrollments/${randomUUID()}`, { token: accessToken })).body).toEqual({ enrolled: false });
    expect((await api('/api/v1/me/enrollments/not-a-uuid', { token: accessToken })).status).toBe(400);
  });

  it('sends a returning customer a confirmation, not a welcome, and lists both orders newest first', async () => {
    const { email, order: first, accessToken } = await customer('biuro-autopilot');
    const second = await buy(email, 'social-media');
    const { mail, token } = await mailTo(email, /^Order confirmation/);
    expect(mail.subject).toContain(second.orderNumber);
    expect(token).toBeUndefined();
    expect((await emailsTo(h, email)).map((m) => m.subject.split(' ')[0]).sort()).toEqual(['Order', 'Welcome!']);

    const orders = await api('/api/v1/me/orders', { token: accessToken });
    expect(orders.body.orders.map((o: { orderId: string }) => o.orderId)).toEqual([second.orderId, first.orderId]);
  });
});

describe('disabled accounts', () => {
  it('can neither log in nor use a token issued before the account was disabled', async () => {
    const { email, accessToken } = await customer();
    expect((await api('/api/v1/me', { token: accessToken })).status).toBe(200);
    await h.sql`UPDATE users SET disabled_at = now() WHERE email = ${email}`;
    expect((await api('/api/v1/me', { token: accessToken })).status).toBe(401);
    expect(await post('/api/v1/auth/login', { email, password: PASSWORD })).toMatchObject({ status: 401, body: { error: { code: 'invalid_credentials' } } });
  });
});

describe('password setup links', () => {
  it('refuses an expired token, sends a fresh link on request in the buyer’s language, and refuses that one once used', async () => {
    const email = uniqueEmail('expired');
    await buy(email, 'chatbot-rag', 'pl');
    const welcome = await mailTo(email, /^Witamy/);
    // An hour passing, without waiting for it.
    await h.sql`UPDATE password_setup_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = ${hashToken(welcome.token!)}`;
    const expired = await post('/api/v1/auth/password/setup', { token: welcome.token, password: PASSWORD });
    expect(expired).toMatchObject({ status: 422, body: { error: { code: 'token_expired' } } });
    expect((await post('/api/v1/auth/login', { email, password: PASSWORD })).body.error.code).toBe('password_not_set');

    const asked = await post('/api/v1/auth/password/setup-link', { email });
    expect(asked).toEqual({ status: 202, headers: expect.anything(), body: { status: 'accepted', message: expect.any(String) } });
    const fresh = await mailTo(email, /^Ustaw hasło/);
    expect(fresh.token).toBeDefined();
    expect(fresh.mail.text).not.toContain('ORD-');
    // The link opens the page in Polish, as the email was, whatever the browser prefers.
    expect(fresh.url).toBe(`${h.baseUrl}/account/setup-password?lang=pl#token=${fresh.token}`);
    const page = await (await fetch(fresh.url!, { headers: { 'accept-language': 'en-GB,en;q=0.9' } })).text();
    expect(page).toContain('<html lang="pl">');
    expect(page).toContain('<h1>Ustaw hasło</h1>');
    // Without the link's language, the browser's preferred one we speak.
    expect(await (await fetch(`${h.baseUrl}/account/setup-password`, { headers: { 'accept-language': 'de-DE, en;q=0.8, pl;q=0.5' } })).text()).toContain('<html lang="en">');

    // The token lives only in the email: not in the workflow's history, where operators and Temporal keep everything.
    const key = customerKey(h.config.customerKeySecret, email);
    const handle = h.temporal.workflow.getHandle(setupLinkWorkflowId(key));
    expect(await handle.result()).toEqual({ status: 'sent' });
    await recordHistory(h, setupLinkWorkflowId(key), 'setup-link-sent');
    const history = JSON.stringify(await handle.fetchHistory(), (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v));
    expect(history).toContain(key);
    expect(history).not.toContain(fresh.token);
    expect(history).not.toContain(hashToken(fresh.token!));

    expect(await post('/api/v1/auth/password/setup', { token: fresh.token, password: PASSWORD })).toMatchObject({ status: 200, body: { email } });
    expect(await post('/api/v1/auth/password/setup', { token: fresh.token, password: 'another good password' })).toMatchObject({ status: 422, body: { error: { code: 'token_used' } } });
    expect((await post('/api/v1/auth/login', { email, password: PASSWORD })).status).toBe(200);
  });

  it('answers a link request for an unknown email exactly as for a customer, and sends nothing', async () => {
    const known = uniqueEmail('known');
    await buy(known, 'social-media');
    const unknown = uniqueEmail('nobody');
    const forKnown = await post('/api/v1/auth/password/setup-link', { email: known });
    const forUnknown = await post('/api/v1/auth/password/setup-link', { email: unknown });
    expect(forUnknown.status).toBe(202);
    expect(forUnknown.body).toEqual(forKnown.body);

    expect(await h.temporal.workflow.getHandle(setupLinkWorkflowId(customerKey(h.config.customerKeySecret, unknown))).result()).toEqual({ status: 'no_account' });
    await recordHistory(h, setupLinkWorkflowId(customerKey(h.config.customerKeySecret, unknown)), 'setup-link-no-account');
    expect(await h.temporal.workflow.getHandle(setupLinkWorkflowId(customerKey(h.config.customerKeySecret, known))).result()).toEqual({ status: 'sent' });
    await mailTo(known, /^Set the password/);
    expect(await emailsTo(h, unknown)).toEqual([]);
    expect((await h.sql`SELECT 1 FROM users WHERE email = ${unknown}`).length).toBe(0);
  });

  it('refuses a token that was never issued and a request that is not an email', async () => {
    expect(await post('/api/v1/auth/password/setup', { token: 'x'.repeat(43), password: PASSWORD })).toMatchObject({ status: 422, body: { error: { code: 'token_invalid' } } });
    expect(await post('/api/v1/auth/password/setup-link', { email: 'not-an-email' })).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
  });
});

describe('login', () => {
  it('tells a customer without a password to set one first', async () => {
    const email = uniqueEmail('nopass');
    await buy(email, 'devops-autopilot');
    const res = await post('/api/v1/auth/login', { email, password: PASSWORD });
    expect(res).toMatchObject({ status: 409, body: { error: { code: 'password_not_set' } } });
    expect(res.body.error.message).toMatch(/^Set your password first/);
  });

  it('answers a wrong password and an unknown email with the same 401', async () => {
    const { email } = await customer();
    const wrong = await post('/api/v1/auth/login', { email, password: 'not the password at all' });
    const unknown = await post('/api/v1/auth/login', { email: uniqueEmail('ghost'), password: PASSWORD });
    expect(wrong).toMatchObject({ status: 401, body: { error: { code: 'invalid_credentials' } } });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect((await post('/api/v1/auth/login', { email, password: PASSWORD })).status).toBe(200);
  });

  it('refuses a malformed body', async () => {
    expect(await post('/api/v1/auth/login', { email: 'a@example.com' })).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    expect(await post('/api/v1/auth/login', { email: 'a@example.com', password: 'x', extra: 1 })).toMatchObject({ status: 400 });
  });
});

describe('customer endpoints', () => {
  it('need a valid access token: 401 with a Bearer challenge without one, with a forged, expired or foreign one', async () => {
    const { email, accessToken } = await customer();
    const missing = await api('/api/v1/me');
    expect(missing).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="customer"');
    for (const path of ['/api/v1/me/orders', `/api/v1/me/orders/${randomUUID()}`, '/api/v1/me/enrollments', `/api/v1/me/enrollments/${randomUUID()}`]) {
      expect((await api(path)).status).toBe(401);
    }

    const [user] = await h.sql<{ id: string }[]>`SELECT id FROM users WHERE email = ${email}`;
    const hourAgo = new Date(Date.now() - 3600_000);
    const tokens = {
      garbage: 'not.a.jwt',
      otherSecret: (await signAccessToken({ userId: user!.id, email }, { secret: 'some-other-secret-that-is-32-chars-long', ttlSeconds: 900 })).token,
      expired: (await signAccessToken({ userId: user!.id, email }, h.config.jwt, hourAgo)).token,
      tampered: `${accessToken.slice(0, -4)}${accessToken.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`,
    };
    for (const [kind, token] of Object.entries(tokens)) {
      const res = await api('/api/v1/me', { token });
      expect(res.status, kind).toBe(401);
      expect(res.headers.get('www-authenticate'), kind).toMatch(/^Bearer realm="customer", error="invalid_token"/);
    }
    expect((await api('/api/v1/me', { token: tokens.expired })).body.error.message).toMatch(/expired/);
    expect((await api('/api/v1/me', { token: accessToken })).status).toBe(200);
  });

  it('answers 404 for another customer’s order, exactly as for one that does not exist', async () => {
    const alice = await customer('chatbot-rag');
    const bob = await customer('biuro-autopilot');
    const foreign = await api(`/api/v1/me/orders/${bob.order.orderId}`, { token: alice.accessToken });
    const missing = await api(`/api/v1/me/orders/${randomUUID()}`, { token: alice.accessToken });
    expect(foreign).toMatchObject({ status: 404, body: { error: { code: 'order_not_found' } } });
    expect(foreign.body).toEqual(missing.body);
    expect(JSON.stringify(foreign.body)).not.toContain(bob.order.orderNumber);
    expect((await api(`/api/v1/me/orders/${bob.order.orderId}`, { token: bob.accessToken })).status).toBe(200);
    expect((await api('/api/v1/me/orders/not-a-uuid', { token: alice.accessToken })).status).toBe(400);

    const aliceOrders = await api('/api/v1/me/orders', { token: alice.accessToken });
    expect(aliceOrders.body.orders.map((o: { orderId: string }) => o.orderId)).toEqual([alice.order.orderId]);
    const check = await api(`/api/v1/me/enrollments/${await packageId(h.sql, 'biuro-autopilot')}`, { token: alice.accessToken });
    expect(check.body).toEqual({ enrolled: false });
  });
});

describe('API docs', () => {
  it('document every account route, with a bearer scheme the docs page can authorize with', async () => {
    const doc = (await (await fetch(`${h.baseUrl}/openapi.json`)).json()) as any;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/login',
        '/api/v1/auth/password/setup',
        '/api/v1/auth/password/setup-link',
        '/api/v1/me',
        '/api/v1/me/orders',
        '/api/v1/me/orders/{orderId}',
        '/api/v1/me/enrollments',
        '/api/v1/me/enrollments/{packageId}',
      ]),
    );
    expect(doc.components.securitySchemes.customerToken).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(doc.paths['/api/v1/me/orders/{orderId}'].get.security).toEqual([{ customerToken: [] }]);
    expect(doc.paths['/api/v1/auth/login'].post.security).toBeUndefined();
    expect(Object.keys(doc.paths['/api/v1/auth/login'].post.responses).sort()).toEqual(['200', '400', '401', '409', '413', '429', '503']);
    expect(doc.paths['/api/v1/auth/login'].post.responses['429'].headers['Retry-After']).toBeDefined();
  });
});

describe('rate limits', () => {
  const expectLimited = (res: Awaited<ReturnType<typeof api>>) => {
    expect(res).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect(res.body.error.details).toEqual({ retryAfterSeconds: retryAfter });
  };

  const wrongGuesses = async (email: string, n: number) => {
    for (let i = 0; i < n; i++) expect((await post('/api/v1/auth/login', { email, password: 'wrong password here' })).status).toBe(401);
  };

  it('slows logins to an email after wrong passwords from any address: each further try waits, the right password too', async () => {
    const { email } = await customer();
    await wrongGuesses(email, FREE_FAILURES);
    const refused = await post('/api/v1/auth/login', { email, password: PASSWORD });
    expectLimited(refused);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(MAX_DELAY_SECONDS);
    // Other accounts are not slowed.
    expect((await post('/api/v1/auth/login', { email: uniqueEmail('other'), password: PASSWORD })).status).toBe(401);
  });

  it('cannot lock the owner out: a client that logged in before skips the wait with its device token', async () => {
    const [{ email, deviceToken }, other] = await Promise.all([customer(), customer()]);
    await wrongGuesses(email, FREE_FAILURES);
    expectLimited(await post('/api/v1/auth/login', { email, password: PASSWORD }));
    // Another account's device token proves nothing about this one.
    expectLimited(await post('/api/v1/auth/login', { email, password: PASSWORD, deviceToken: other.deviceToken }));
    expect(await post('/api/v1/auth/login', { email, password: PASSWORD, deviceToken })).toMatchObject({ status: 200, body: { tokenType: 'Bearer' } });
  });

  it('cannot lock the owner out: a password set from an emailed link ends the wait', async () => {
    const { email } = await customer();
    await wrongGuesses(email, FREE_FAILURES);
    expectLimited(await post('/api/v1/auth/login', { email, password: PASSWORD }));
    expect((await post('/api/v1/auth/password/setup-link', { email })).status).toBe(202);
    const { token } = await mailTo(email, /password/i);
    expect((await post('/api/v1/auth/password/setup', { token, password: 'a brand new password' })).status).toBe(200);
    expect((await post('/api/v1/auth/login', { email, password: 'a brand new password' })).status).toBe(200);
  });

  it('limits login attempts and link requests per client address', async () => {
    const ip = newIp();
    for (let i = 0; i < PER_IP; i++) expect((await post('/api/v1/auth/login', { email: uniqueEmail('spray'), password: PASSWORD }, { ip })).status).toBe(401);
    expectLimited(await post('/api/v1/auth/login', { email: uniqueEmail('spray'), password: PASSWORD }, { ip }));
    expect((await post('/api/v1/auth/login', { email: uniqueEmail('spray'), password: PASSWORD })).status).toBe(401);

    const linkIp = newIp();
    for (let i = 0; i < PER_IP; i++) expect((await post('/api/v1/auth/password/setup-link', { email: uniqueEmail('spray') }, { ip: linkIp })).status).toBe(202);
    expectLimited(await post('/api/v1/auth/password/setup-link', { email: uniqueEmail('spray') }, { ip: linkIp }));
  });

  it('limits link requests per email', async () => {
    const email = uniqueEmail('linkspam');
    for (let i = 0; i < PER_EMAIL; i++) expect((await post('/api/v1/auth/password/setup-link', { email })).status).toBe(202);
    expectLimited(await post('/api/v1/auth/password/setup-link', { email }));
  });

  it('counts the socket’s address, not X-Forwarded-For, when no proxy is trusted', async () => {
    const base = apiDepsFrom(h.config, { sql: h.sql, temporal: h.temporal, payments: createPaymentProviders(h.config, h.sql), log: createLogger('silent'), metrics: createMetrics({ defaults: false }) });
    const direct = await startHttpServer({ ...base, accounts: { ...base.accounts, trustedProxyHops: 0, rateLimit: { ...base.accounts.rateLimit, windowSeconds: WINDOW_SECONDS, perEmail: 100, perIp: 3 } } }, '127.0.0.1', 0);
    try {
      const at = `http://127.0.0.1:${direct.port}`;
      for (let i = 0; i < 3; i++) expect((await post('/api/v1/auth/login', { email: uniqueEmail('direct'), password: PASSWORD }, { base: at })).status).toBe(401);
      // Every request claimed another address; all of them came from 127.0.0.1.
      expectLimited(await post('/api/v1/auth/login', { email: uniqueEmail('direct'), password: PASSWORD }, { base: at }));
    } finally {
      await direct.close();
    }
  });
});
