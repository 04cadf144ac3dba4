// PostFinance authentication: the adapter's per-request JWT as the 5.x SDK builds it, and the fake refusing any other.
import { randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { PostfinanceApiError, signRequestToken } from '../../src/payments/postfinanceApi.js';
import { createPostfinanceProvider } from '../../src/payments/postfinance.js';
import type { PostfinanceFake } from '../fakes/postfinance.js';
import { rejection, sessionInput, usePostfinance } from '../support/postfinance.js';

const { ctx, openSession, requestsTo } = usePostfinance();
let fake: PostfinanceFake;
beforeAll(() => {
  ({ fake } = ctx);
});

describe('authentication', () => {
  it('signs every request as the 5.x SDK does, and the fake accepts it', async () => {
    const { id } = await openSession();
    const calls = fake.requests.filter((r) => r.url.includes(String(id)) || r.path === '/payment/transactions');
    expect(calls.length).toBeGreaterThan(0);
    for (const r of calls) {
      expect(r.status).toBe(200);
      const token = r.headers.authorization!.replace(/^Bearer /, '');
      expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT', ver: 1 });
      const claims = decodeJwt(token);
      expect(claims).toEqual({ sub: String(fake.settings.userId), iat: expect.any(Number), requestPath: r.url, requestMethod: r.method });
      expect(r.url.startsWith('/api/v2.0/')).toBe(true);
      expect(r.headers.space).toBe(String(fake.settings.spaceId));
    }
  });

  it('signs the query string into requestPath (search)', async () => {
    await openSession();
    const search = requestsTo(/^GET \/payment\/transactions\/search$/).at(-1)!;
    expect(search.url).toMatch(/^\/api\/v2\.0\/payment\/transactions\/search\?limit=20&order=id%3ADESC&query=merchantReference%3A%22/);
    expect(decodeJwt(search.headers.authorization!.slice(7)).requestPath).toBe(search.url);
  });

  it('surfaces a 401 when the auth key is wrong', async () => {
    const wrong = createPostfinanceProvider({ ...fake.settings, authKey: randomBytes(32).toString('base64') });
    const err = await rejection(wrong.createSession(sessionInput()));
    expect(err).toBeInstanceOf(PostfinanceApiError);
    expect((err as PostfinanceApiError).status).toBe(401);
    expect(err).not.toBeInstanceOf(DomainError);
  });

  it('is refused for a token made for another path, method, user, time or space', async () => {
    const s = fake.settings;
    const send = async (token: string, path = '/payment/transactions/1', space = String(s.spaceId)) =>
      (await fetch(`${s.apiUrl}${path}`, { headers: { authorization: `Bearer ${token}`, space } })).status;
    expect(await send(await signRequestToken(s, 'GET', '/payment/transactions/2'))).toBe(401);
    expect(await send(await signRequestToken(s, 'POST', '/payment/transactions/1'))).toBe(401);
    expect(await send(await signRequestToken({ ...s, userId: s.userId + 1 }, 'GET', '/payment/transactions/1'))).toBe(401);
    expect(await send(await signRequestToken(s, 'GET', '/payment/transactions/1', Math.trunc(Date.now() / 1000) - 3600))).toBe(401);
    expect(await send(await signRequestToken(s, 'GET', '/payment/transactions/1'), undefined, String(s.spaceId + 1))).toBe(403);
    const unversioned = await new SignJWT({ sub: String(s.userId), iat: Math.trunc(Date.now() / 1000), requestPath: '/api/v2.0/payment/transactions/1', requestMethod: 'GET' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(Buffer.from(s.authKey, 'base64'));
    expect(await send(unversioned)).toBe(401);
    expect(await send(await signRequestToken(s, 'GET', '/payment/transactions/1'))).toBe(404);
    const body = (await (await fetch(`${s.apiUrl}/payment/transactions/1`)).json()) as Record<string, unknown>;
    expect(body).toMatchObject({ code: expect.any(String), message: expect.any(String), id: expect.any(String), date: expect.any(String) });
  });
});
