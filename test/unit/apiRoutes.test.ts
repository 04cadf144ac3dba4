// The HTTP layer alone, through createApp with hand-written parts: validation, admin and customer auth, error mapping.
import { describe, it, expect } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { signAccessToken } from '../../src/auth/accessTokens.js';
import { DomainError, type ErrorKind } from '../../src/domain/errors.js';
import type { PaymentProviders } from '../../src/payments/index.js';
import { ADMIN_TOKEN, fakeApiDeps, fakeSql, JWT } from '../support/fakeDeps.js';

const ORDER_ID = '0b7c9f2e-1d4a-4c3b-9e5f-a1b2c3d4e5f6';
const json = (body: unknown, headers: Record<string, string> = {}) => ({ method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const bodyOf = async (res: Response): Promise<any> => res.json();
const admin = { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } };

describe('request validation answers 400 before anything is asked of the database or Temporal', () => {
  const app = createApp(fakeApiDeps());
  const cart = { packageIds: [ORDER_ID], email: 'ala@example.com', name: 'Ala', provider: 'sandbox' };

  it('refuses a checkout without an Idempotency-Key', async () => {
    const res = await app.request('/api/v1/checkout', json(cart));
    expect(res.status).toBe(400);
    expect((await bodyOf(res)).error.code).toBe('invalid_request');
  });

  it('refuses a checkout body with unknown fields, listing the issues', async () => {
    const res = await app.request('/api/v1/checkout', json({ ...cart, price: 1 }, { 'idempotency-key': 'key-12345678' }));
    expect(res.status).toBe(400);
    const body = await bodyOf(res);
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.details.length).toBeGreaterThan(0);
  });

  it('refuses a malformed order id', async () => {
    const res = await app.request('/api/v1/orders/not-a-uuid/status');
    expect(res.status).toBe(400);
  });

  it('answers an unknown route with the common error body', async () => {
    const res = await app.request('/api/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(await bodyOf(res)).toEqual({ error: { code: 'not_found', message: 'No route for GET /api/v1/nothing-here.' } });
  });
});

describe('the admin API takes only the admin bearer token', () => {
  it('refuses a request without a token, naming the scheme', async () => {
    const res = await createApp(fakeApiDeps()).request('/api/v1/admin/orders');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="admin"');
    expect((await bodyOf(res)).error.code).toBe('unauthorized');
  });

  it('refuses a wrong token', async () => {
    const res = await createApp(fakeApiDeps()).request('/api/v1/admin/orders', { headers: { authorization: 'Bearer nope' } });
    expect(res.status).toBe(401);
  });

  it('stays closed when no ADMIN_TOKEN is configured', async () => {
    const res = await createApp(fakeApiDeps({ adminToken: undefined })).request('/api/v1/admin/orders', admin);
    expect(res.status).toBe(401);
    expect((await bodyOf(res)).error.message).toContain('ADMIN_TOKEN');
  });

  it('lets the right token through to validation (a cursor it never gave out is 422)', async () => {
    const res = await createApp(fakeApiDeps()).request('/api/v1/admin/orders?cursor=bm9wZQ', admin);
    expect(res.status).toBe(422);
    expect((await bodyOf(res)).error.code).toBe('invalid_cursor');
  });
});

describe('customer endpoints take a valid access token of an existing account', () => {
  const user = { id: ORDER_ID, email: 'ala@example.com', name: 'Ala', role: 'customer', password_hash: 'x', created_by_order_id: null, disabled_at: null, created_at: new Date('2026-01-01T00:00:00Z') };
  const bearer = async (now = new Date()) => ({ headers: { authorization: `Bearer ${(await signAccessToken({ userId: user.id, email: user.email }, JWT, now)).token}` } });

  it('asks for a token when none is sent', async () => {
    const res = await createApp(fakeApiDeps()).request('/api/v1/me');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="customer"');
  });

  it('refuses a token that is not ours, and says so in the challenge', async () => {
    const res = await createApp(fakeApiDeps()).request('/api/v1/me', { headers: { authorization: 'Bearer abc.def.ghi' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('refuses an expired token with a hint to log in again', async () => {
    const res = await createApp(fakeApiDeps()).request('/api/v1/me', await bearer(new Date(Date.now() - 3_600_000)));
    expect(res.status).toBe(401);
    expect((await bodyOf(res)).error.message).toContain('expired');
  });

  it('refuses a valid token whose account is gone', async () => {
    const res = await createApp(fakeApiDeps({ sql: fakeSql([[]]) })).request('/api/v1/me', await bearer());
    expect(res.status).toBe(401);
  });

  it('answers the profile for a valid token of an existing account', async () => {
    // Every user lookup finds the account (the middleware guards /me and /me/*, and Hono runs both for /me).
    const res = await createApp(fakeApiDeps({ sql: fakeSql([], [user]) })).request('/api/v1/me', await bearer());
    expect(res.status).toBe(200);
    expect(await bodyOf(res)).toEqual({ userId: user.id, email: user.email, name: 'Ala', role: 'customer', hasPassword: true, createdAt: '2026-01-01T00:00:00.000Z' });
  });
});

describe('errors are mapped once, at the edge', () => {
  const failingCatalog = (err: Error) => createApp(fakeApiDeps({ sql: fakeSql([err]) })).request('/api/v1/packages');

  it.each<[ErrorKind, number]>([
    ['bad_request', 400],
    ['not_found', 404],
    ['conflict', 409],
    ['unprocessable', 422],
  ])('a DomainError of kind %s is %i with its code and message', async (kind, status) => {
    const res = await failingCatalog(new DomainError('some_code', 'Said plainly.', kind, { hint: 1 }));
    expect(res.status).toBe(status);
    expect(await bodyOf(res)).toEqual({ error: { code: 'some_code', message: 'Said plainly.', details: { hint: 1 } } });
  });

  it('a database that cannot be reached is 503', async () => {
    const res = await failingCatalog(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
    expect(res.status).toBe(503);
    expect((await bodyOf(res)).error.code).toBe('database_unavailable');
  });

  it('anything else is 500 and says nothing about our internals', async () => {
    const res = await failingCatalog(new Error('relation "packages" does not exist at /srv/app/secret.ts'));
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'internal_error', message: 'Something went wrong on our side.' } });
    expect(text).not.toContain('secret');
  });

  it('a package or order that does not exist is 404 in the common body', async () => {
    const app = createApp(fakeApiDeps({ sql: fakeSql([], []) }));
    expect(await bodyOf(await app.request('/api/v1/packages/no-such-slug'))).toEqual({ error: { code: 'package_not_found', message: 'No published package has this slug.' } });
    const res = await app.request(`/api/v1/orders/${ORDER_ID}/status`);
    expect(res.status).toBe(404);
    expect((await bodyOf(res)).error.code).toBe('order_not_found');
  });

  it('login with an unknown email is 401 invalid_credentials, like a wrong password', async () => {
    // The rate-limit counter counts nothing over its limit, no account has this email, no failures yet; one is recorded.
    const res = await createApp(fakeApiDeps({ sql: fakeSql([[], [], [], [], [{ hits: 1 }]], []) })).request('/api/v1/auth/login', json({ email: 'nobody@example.com', password: 'whatever-it-is' }));
    expect(res.status).toBe(401);
    expect((await bodyOf(res)).error.code).toBe('invalid_credentials');
  });
});

describe('webhooks are acknowledged only once they are held', () => {
  const verified = { eventId: 'evt_1', eventType: 'payment.succeeded' };
  const sandbox = { verifyWebhook: async () => verified } as unknown as NonNullable<PaymentProviders['sandbox']>;

  it('an unknown or disabled provider is 404', async () => {
    const res = await createApp(fakeApiDeps()).request('/api/v1/webhooks/paypal', json({}));
    expect(res.status).toBe(404);
    expect((await bodyOf(res)).error.code).toBe('provider_not_found');
  });

  it.each(['__proto__', 'constructor', 'toString'])("a name every object has, %s, is no provider: 404, not 500 (found by schemathesis)", async (name) => {
    const res = await createApp(fakeApiDeps({ payments: { sandbox } })).request(`/api/v1/webhooks/${name}`, json({}));
    expect(res.status).toBe(404);
    expect((await bodyOf(res)).error.code).toBe('provider_not_found');
  });

  it('an event that cannot be recorded (database down) is 503, so the provider retries', async () => {
    const down = Object.assign(new Error('Connection terminated'), { code: 'CONNECTION_CLOSED' });
    const res = await createApp(fakeApiDeps({ payments: { sandbox }, sql: fakeSql([down]) })).request('/api/v1/webhooks/sandbox', json({}));
    expect(res.status).toBe(503);
    expect((await bodyOf(res)).error.code).toBe('event_not_recorded');
  });

  it('a repeat of an event already recorded is acknowledged as a duplicate', async () => {
    // The insert finds the event there already (and no earlier release left it undelivered): nothing is written.
    const res = await createApp(fakeApiDeps({ payments: { sandbox }, sql: fakeSql([[]]) })).request('/api/v1/webhooks/sandbox', json({}));
    expect(res.status).toBe(200);
    expect(await bodyOf(res)).toEqual({ received: true, outcome: 'duplicate' });
  });
});

describe('the OpenAPI document declares quotes and coupons', () => {
  it('names every route, the statuses each answers, and the coupon reason codes', async () => {
    const doc = await bodyOf(await createApp(fakeApiDeps()).request('/openapi.json'));
    const statuses = (path: string, method: string) => Object.keys(doc.paths[path][method].responses).sort();
    // 400 and 503 (and 413 with a body) are the edge's, on every operation.
    expect(statuses('/api/v1/checkout/quote', 'post')).toEqual(['200', '400', '401', '409', '413', '422', '503']);
    expect(statuses('/api/v1/admin/coupons', 'post')).toEqual(['201', '400', '401', '409', '413', '422', '503']);
    expect(statuses('/api/v1/admin/coupons', 'get')).toEqual(['200', '400', '401', '503']);
    expect(statuses('/api/v1/admin/coupons/{couponId}', 'get')).toEqual(['200', '400', '401', '404', '503']);
    expect(statuses('/api/v1/admin/coupons/{couponId}/deactivate', 'post')).toEqual(['200', '400', '401', '404', '503']);
    const quote = doc.components.schemas.Quote;
    expect(quote.properties.coupon.properties.reason.enum).toEqual(['coupon_unknown', 'coupon_expired', 'coupon_exhausted', 'coupon_not_applicable', 'coupon_minimum_not_met']);
    expect(doc.components.schemas.CheckoutRequest.properties).toHaveProperty('couponCode');
    expect(doc.components.schemas.Coupon.required).toEqual(expect.arrayContaining(['id', 'code', 'active', 'uses']));
  });
});
