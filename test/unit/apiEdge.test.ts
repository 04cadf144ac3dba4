// The API's edge through createApp: body limits, unstorable text, 405, security headers, CORS, checkout limits, the document.
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { JSON_BODY_MAX, WEBHOOK_BODY_MAX } from '../../src/api/edge.js';
import { DomainError } from '../../src/domain/errors.js';
import type { PaymentProviders } from '../../src/payments/index.js';
import { ADMIN_TOKEN, fakeApiDeps, fakeSql } from '../support/fakeDeps.js';

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const bodyOf = async (res: Response): Promise<any> => res.json();
const post = (body: string, headers: Record<string, string> = {}) => ({ method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
const cart = { packageIds: ['0b7c9f2e-1d4a-4c3b-9e5f-a1b2c3d4e5f6'], email: 'ala@example.com', name: 'Ala', provider: 'sandbox' };
const checkoutKey = { 'idempotency-key': 'key-12345678' };

/** A chunked body (no Content-Length) that never ends: only a limit that stops reading can answer it. */
function endlessBody(chunk = new Uint8Array(16 * 1024).fill(0x20)) {
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
  return { stream, sent: () => sent };
}

describe('request bodies are limited before they are read whole', () => {
  it('refuses a JSON body over the limit by its Content-Length with 413 in the common body', async () => {
    const res = await createApp(fakeApiDeps()).request('/api/v1/checkout', post(' '.repeat(JSON_BODY_MAX + 1), checkoutKey));
    expect(res.status).toBe(413);
    expect(await bodyOf(res)).toEqual({ error: { code: 'payload_too_large', message: `The request body is larger than ${JSON_BODY_MAX} bytes.`, details: { maxBytes: JSON_BODY_MAX } } });
  });

  it('stops reading an endless chunked body at the limit', async () => {
    const body = endlessBody();
    const request = new Request('http://api.test/api/v1/checkout', { method: 'POST', headers: { 'content-type': 'application/json', ...checkoutKey }, body: body.stream, duplex: 'half' } as RequestInit);
    const res = await createApp(fakeApiDeps()).request(request);
    expect(res.status).toBe(413);
    expect(body.sent()).toBeLessThan(JSON_BODY_MAX * 2);
  });

  it('gives webhooks a larger limit, and refuses past it before asking the provider', async () => {
    const sandbox = { verifyWebhook: async () => { throw new Error('a body over the limit must not reach verification'); } } as unknown as NonNullable<PaymentProviders['sandbox']>;
    const app = createApp(fakeApiDeps({ payments: { sandbox } }));
    const res = await app.request('/api/v1/webhooks/sandbox', post(' '.repeat(WEBHOOK_BODY_MAX + 1)));
    expect(res.status).toBe(413);
    const body = endlessBody();
    const chunked = new Request('http://api.test/api/v1/webhooks/sandbox', { method: 'POST', headers: { 'content-type': 'application/json' }, body: body.stream, duplex: 'half' } as RequestInit);
    expect((await app.request(chunked)).status).toBe(413);
    expect(body.sent()).toBeLessThan(WEBHOOK_BODY_MAX * 2);
  });

  it('lets a webhook body over the JSON limit through to signature verification', async () => {
    const seen: number[] = [];
    const sandbox = {
      verifyWebhook: async (raw: string) => {
        seen.push(raw.length);
        throw new DomainError('invalid_signature', 'Not signed.', 'bad_request');
      },
    } as unknown as NonNullable<PaymentProviders['sandbox']>;
    await createApp(fakeApiDeps({ payments: { sandbox } })).request('/api/v1/webhooks/sandbox', post(`{"pad":"${'x'.repeat(JSON_BODY_MAX * 2)}"}`));
    expect(seen).toEqual([JSON_BODY_MAX * 2 + 10]);
  });
});

describe('text PostgreSQL cannot store is refused with 400 before any query', () => {
  // The fake database fails any query: a 400 proves the request never reached one.
  const app = createApp(fakeApiDeps());
  const refused = async (res: Response) => {
    expect(res.status).toBe(400);
    expect((await bodyOf(res)).error.code).toBe('invalid_text');
  };

  it('a NUL in a query string (the catalog filter, the admin order-number search)', async () => {
    await refused(await app.request('/api/v1/packages?category=%C3%8D9p%00x'));
    await refused(await app.request('/api/v1/admin/orders?orderNumber=ORD%00', { headers: admin }));
  });

  it('a NUL in a path segment', async () => {
    await refused(await app.request('/api/v1/packages/slug%00'));
  });

  it('a NUL or a lone surrogate in a JSON body, escaped or not', async () => {
    await refused(await app.request('/api/v1/checkout', post(JSON.stringify({ ...cart, name: 'A\u0000la' }), checkoutKey)));
    await refused(await app.request('/api/v1/checkout', post('{"name":"\\ud800x","email":"a@b.co"}', checkoutKey)));
    await refused(await app.request('/api/v1/auth/login', post('{"email":"a@b.co","password":"\\udc00"}')));
  });

  it('a NUL in a form body', async () => {
    await refused(await app.request('/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=a%00' }));
  });

  it('lets a surrogate pair (an emoji) through to validation', async () => {
    const res = await app.request('/api/v1/checkout', post(JSON.stringify({ ...cart, name: 'Ala 😀', extra: 1 }), checkoutKey));
    expect((await bodyOf(res)).error.code).toBe('invalid_request');
  });
});

describe('a method the path does not take is 405 with Allow', () => {
  const app = createApp(fakeApiDeps());
  it.each([
    ['DELETE', '/api/v1/packages', 'GET, HEAD'],
    ['PUT', '/api/v1/checkout', 'POST'],
    ['GET', '/api/v1/auth/login', 'POST'],
    ['PATCH', '/api/v1/packages/some-slug', 'GET, HEAD'],
  ])('%s %s', async (method, path, allow) => {
    const res = await app.request(path, { method });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    expect((await bodyOf(res)).error.code).toBe('method_not_allowed');
  });

  it('admin paths answer 401 to a stranger before telling which methods exist', async () => {
    expect((await app.request('/api/v1/admin/orders', { method: 'DELETE' })).status).toBe(401);
    const res = await app.request('/api/v1/admin/orders', { method: 'DELETE', headers: admin });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });

  it('an unknown path is still 404', async () => {
    expect((await app.request('/api/v1/nothing', { method: 'DELETE' })).status).toBe(404);
  });
});

describe('security headers on every answer', () => {
  it('sets nosniff, no-referrer, no framing and a CSP, on JSON and HTML alike; no HSTS over http', async () => {
    const app = createApp(fakeApiDeps());
    for (const path of ['/healthz', '/api/v1/nothing', '/docs']) {
      const res = await app.request(path);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('strict-transport-security')).toBeNull();
    }
  });

  it('sends HSTS when the public URL is https', async () => {
    const res = await createApp(fakeApiDeps({ publicUrl: 'https://shop.example.com' })).request('/healthz');
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
  });

  // The demo shop is mounted only with the sandbox provider.
  const withShop = () => fakeApiDeps({ payments: { sandbox: {} as NonNullable<PaymentProviders['sandbox']> }, sandboxSecret: 'sandbox-secret-for-route-tests', sql: fakeSql([], []) });
  it.each(['/orders/0b7c9f2e-1d4a-4c3b-9e5f-a1b2c3d4e5f6', '/account/setup-password', '/docs', '/shop'])('%s runs its inline script only with the nonce its CSP names', async (path) => {
    const res = await createApp(withShop()).request(path);
    expect(res.status).toBe(200);
    const nonce = /script-src 'self' 'nonce-([^']+)'/.exec(res.headers.get('content-security-policy') ?? '')?.[1];
    expect(nonce).toBeTruthy();
    const html = await res.text();
    const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)].map((m) => m[1]);
    expect(inline.length).toBeGreaterThan(0);
    for (const attrs of inline) expect(attrs).toBe(` nonce="${nonce}"`);
  });

  it('a new nonce for each request', async () => {
    const app = createApp(fakeApiDeps());
    const csp = async () => (await app.request('/docs')).headers.get('content-security-policy');
    expect(await csp()).not.toBe(await csp());
  });

  it('account, auth and admin answers are not stored; the catalog may be', async () => {
    const app = createApp(fakeApiDeps({ sql: fakeSql([], []) }));
    for (const [path, init] of [['/api/v1/me', {}], ['/api/v1/admin/orders', {}], ['/api/v1/auth/login', post('{}')]] as const) {
      expect((await app.request(path, init)).headers.get('cache-control')).toBe('no-store');
    }
    expect((await app.request('/api/v1/packages')).headers.get('cache-control')).toBeNull();
  });
});

describe('CORS for storefronts on listed origins, never for the admin API', () => {
  const shop = 'https://shop.example.com';
  const preflight = (app: ReturnType<typeof createApp>, path: string, origin = shop) =>
    app.request(path, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,idempotency-key' } });

  it('allows nothing by default', async () => {
    const res = await preflight(createApp(fakeApiDeps()), '/api/v1/checkout');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows a listed origin on the public and customer API, with the headers checkout needs', async () => {
    const app = createApp(fakeApiDeps({ corsOrigins: [shop], sql: fakeSql([], []) }));
    const res = await preflight(app, '/api/v1/checkout');
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(shop);
    expect(res.headers.get('access-control-allow-headers')).toMatch(/idempotency-key/i);
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    const me = await app.request('/api/v1/me', { headers: { origin: shop } });
    expect(me.headers.get('access-control-allow-origin')).toBe(shop);
  });

  it('refuses an origin not listed, and the admin API and webhooks for any origin', async () => {
    const app = createApp(fakeApiDeps({ corsOrigins: [shop] }));
    expect((await preflight(app, '/api/v1/checkout', 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    for (const path of ['/api/v1/admin/orders', '/api/v1/webhooks/stripe']) {
      const res = await preflight(app, path);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.status).not.toBe(204);
    }
  });
});

describe('checkout is rate limited per email and per client address', () => {
  it('answers 429 with Retry-After when a limit is over, before the cart is looked at', async () => {
    // One read finds no order (under the keyed id, nor the legacy one); the counter says this email is over its limit for 120 more seconds.
    const sql = fakeSql([[], [{ key: 'checkout:email:ala@example.com', hits: 4, seconds_left: 119.2 }], []]);
    const res = await createApp(fakeApiDeps({ sql })).request('/api/v1/checkout', post(JSON.stringify(cart), checkoutKey));
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('120');
    expect(await bodyOf(res)).toEqual({ error: { code: 'rate_limited', message: 'Too many requests; try again in 120 seconds.', details: { retryAfterSeconds: 120 } } });
  });
});

describe('the document says what the edge does', () => {
  const document = async (): Promise<any> => (await createApp(fakeApiDeps()).request('/openapi.json')).json();
  const operations = (doc: any) =>
    Object.entries(doc.paths).flatMap(([path, item]: [string, any]) => Object.entries(item).map(([method, op]: [string, any]) => ({ name: `${method.toUpperCase()} ${path}`, op })));

  it('every operation declares 400 and 503, and 413 when it takes a body', async () => {
    for (const { name, op } of operations(await document())) {
      expect(Object.keys(op.responses), name).toEqual(expect.arrayContaining(['400', '503']));
      if (op.requestBody) expect(Object.keys(op.responses), name).toContain('413');
    }
  });

  it('declares 429 with Retry-After where requests are rate limited', async () => {
    const doc = await document();
    for (const path of ['/api/v1/checkout', '/api/v1/auth/login', '/api/v1/auth/password/setup-link']) {
      expect(doc.paths[path].post.responses['429'].headers['Retry-After'], path).toBeDefined();
    }
  });

  it('no nullable field is declared as a schema that refuses null', async () => {
    const doc = await document();
    const unsatisfiable: string[] = [];
    const walk = (node: unknown, at: string) => {
      if (!node || typeof node !== 'object') return;
      const s = node as Record<string, any>;
      if (Array.isArray(s.allOf) && s.allOf.some((p: any) => p.$ref) && s.allOf.some((p: any) => Array.isArray(p.type) && p.type.includes('null'))) unsatisfiable.push(at);
      for (const [k, v] of Object.entries(s)) walk(v, `${at}/${k}`);
    };
    walk(doc, '#');
    expect(unsatisfiable).toEqual([]);
    expect(doc.components.schemas.Package.properties.originalPrice.anyOf).toEqual([{ $ref: '#/components/schemas/Money' }, { type: 'null' }]);
  });

  it('bounds amounts by what the database stores, and emails by the pattern that is enforced', async () => {
    const doc = await document();
    expect(doc.components.schemas.Money.properties.amount).toMatchObject({ type: 'integer', minimum: 0, maximum: 2147483647 });
    expect(doc.components.schemas.RefundRequest.properties.amount).toMatchObject({ minimum: 1, maximum: 2147483647 });
    const email = doc.components.schemas.CheckoutRequest.properties.email;
    expect(email.format).toBeUndefined();
    const pattern = new RegExp(email.pattern);
    expect(pattern.test('s3+9/{+i!g@d.net')).toBe(false);
    expect(pattern.test('ala.nowak+shop@example.com')).toBe(true);
  });

  it('every object a request body holds is closed, so no part of a body escapes the document (webhooks and the codec aside)', async () => {
    const doc = await document();
    const open: string[] = [];
    const walk = (node: any, at: string, seen: Set<string>) => {
      if (!node || typeof node !== 'object') return;
      if (node.$ref) {
        if (seen.has(node.$ref)) return;
        return walk(doc.components.schemas[node.$ref.split('/').pop()], node.$ref, new Set([...seen, node.$ref]));
      }
      if (node.type === 'object' && node.additionalProperties !== false) open.push(at);
      for (const [k, v] of Object.entries(node)) if (k !== 'example') walk(v, `${at}/${k}`, seen);
    };
    // Webhooks and the codec speak other parties' formats (a codec payload's metadata is Temporal's open map).
    for (const { name, op } of operations(doc)) if (op.requestBody && !name.includes('/webhooks/') && !name.includes('/codec/')) walk(op.requestBody, name, new Set());
    expect(open).toEqual([]);
  });

  it('every free-text string says it holds no NUL, within its declared length', async () => {
    const doc = await document();
    const slug = doc.paths['/api/v1/packages/{slug}'].get.parameters.find((p: any) => p.name === 'slug').schema;
    expect(slug).toMatchObject({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000]{1,200}$' });
    // Every string a request or an answer can hold, named by where it is: one of its patterns must refuse a NUL. A string
    // that has a pattern of its own (the blank check of a coupon code, an operator's name) too, or a fuzzer sends NUL as
    // valid and the edge's 400 reads as a broken promise.
    const admitsNul: string[] = [];
    const walk = (node: any, at: string) => {
      if (!node || typeof node !== 'object') return;
      const isString = node.type === 'string' || (Array.isArray(node.type) && node.type.includes('string'));
      if (isString && node.format === undefined && node.enum === undefined && node.const === undefined) {
        const patterns = [node.pattern, ...(node.allOf ?? []).map((part: any) => part.pattern)].filter((p) => p !== undefined);
        if (!patterns.some((p: string) => !new RegExp(p, 'u').test('a\u0000b'))) admitsNul.push(at);
      }
      for (const [k, v] of Object.entries(node)) if (k !== 'example' && k !== 'examples') walk(v, `${at}/${k}`);
    };
    walk(doc.paths, '#/paths');
    walk(doc.components.schemas, '#/components/schemas');
    expect(admitsNul).toEqual([]);
  });
});
