// The pure parts of customer authentication: access tokens, whose address a request counts against, and rate-limit verdicts.
import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { signAccessToken, verifyAccessToken } from '../../src/auth/accessTokens.js';
import { buyerIp, clientIp, rateLimitSubject } from '../../src/auth/clientIp.js';
import { checkPasswordPolicy } from '../../src/auth/passwords.js';
import { verdict } from '../../src/auth/rateLimit.js';

const jwt = { secret: 'unit-test-secret-that-is-long-enough-0123', ttlSeconds: 900 };
const who = { userId: '3b241101-e2bb-4255-8caf-4136c566a962', email: 'ala@example.com' };

describe('access tokens', () => {
  it('carry the user id as sub and the email, and expire after the configured time', async () => {
    const now = new Date('2026-01-01T12:00:00Z');
    const { token, expiresAt } = await signAccessToken(who, jwt, now);
    expect(expiresAt.toISOString()).toBe('2026-01-01T12:15:00.000Z');
    const [header, payload] = token.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toMatchObject({ sub: who.userId, email: who.email, iat: now.getTime() / 1000, exp: now.getTime() / 1000 + 900 });
    expect(await verifyAccessToken(token, jwt.secret, new Date('2026-01-01T12:14:59Z'))).toEqual(who);
    expect(await verifyAccessToken(token, jwt.secret, new Date('2026-01-01T12:15:01Z'))).toEqual({ invalid: 'expired' });
  });

  it('refuse another secret, another audience, an unsigned token and garbage', async () => {
    const { token } = await signAccessToken(who, jwt);
    expect(await verifyAccessToken(token, 'another-secret-that-is-long-enough-012345')).toEqual({ invalid: 'invalid' });
    const key = new TextEncoder().encode(jwt.secret);
    const admin = await new SignJWT({ email: who.email }).setProtectedHeader({ alg: 'HS256' }).setSubject(who.userId).setIssuer('durable-checkout').setAudience('admin').setExpirationTime('5m').sign(key);
    expect(await verifyAccessToken(admin, jwt.secret)).toEqual({ invalid: 'invalid' });
    const unsigned = new UnsecuredJWT({ email: who.email }).setSubject(who.userId).setIssuer('durable-checkout').setAudience('customer').setExpirationTime('5m').encode();
    expect(await verifyAccessToken(unsigned, jwt.secret)).toEqual({ invalid: 'invalid' });
    expect(await verifyAccessToken('not-a-token', jwt.secret)).toEqual({ invalid: 'invalid' });
  });
});

describe('the client address', () => {
  it('is the socket peer when no proxy is trusted, whatever X-Forwarded-For claims', () => {
    expect(clientIp('203.0.113.7', '1.2.3.4', 0)).toBe('203.0.113.7');
    expect(clientIp('::ffff:203.0.113.7', undefined, 0)).toBe('203.0.113.7');
    expect(clientIp(undefined, undefined, 0)).toBe('unknown');
  });

  it('is the entry the trusted proxies wrote, counting from the right; what the client wrote is ignored', () => {
    expect(clientIp('10.0.0.2', 'spoofed, 198.51.100.9', 1)).toBe('198.51.100.9');
    expect(clientIp('10.0.0.2', 'spoofed, 198.51.100.9, 10.0.0.1', 2)).toBe('198.51.100.9');
    expect(clientIp('10.0.0.2', '198.51.100.9', 3)).toBe('198.51.100.9');
    expect(clientIp('10.0.0.2', undefined, 1)).toBe('10.0.0.2');
  });

  it('counts IPv6 per /64, since one customer usually holds a whole /64', () => {
    expect(rateLimitSubject('2001:db8:85a3:0042:1000:8a2e:0370:7334')).toBe('2001:db8:85a3:42::/64');
    expect(rateLimitSubject('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(rateLimitSubject('2001:db8::2')).toBe(rateLimitSubject('2001:db8:0:0:ffff::9'));
    expect(rateLimitSubject('2001:db8:0:1::1')).not.toBe(rateLimitSubject('2001:db8::1'));
    expect(rateLimitSubject('::1')).toBe('0:0:0:0::/64');
  });

  it('goes to a provider as the address itself: IPv6 whole, IPv4-mapped as IPv4, nothing when it is no address', () => {
    expect(buyerIp('2001:db8::2', undefined, 0)).toBe('2001:db8::2');
    expect(buyerIp('::ffff:203.0.113.7', undefined, 0)).toBe('203.0.113.7');
    expect(buyerIp('10.0.0.2', 'spoofed, 198.51.100.9', 1)).toBe('198.51.100.9');
    expect(buyerIp('10.0.0.2', 'not-an-address', 1)).toBeUndefined();
    expect(buyerIp(undefined, undefined, 0)).toBeUndefined();
  });
});

describe('rate-limit verdicts', () => {
  const limits = [
    { key: 'login:email:a', max: 3 },
    { key: 'login:ip:1.2.3.4', max: 10 },
  ];

  it('allow up to each maximum', () => {
    expect(verdict(limits, [{ key: 'login:email:a', hits: 3, seconds_left: 100 }, { key: 'login:ip:1.2.3.4', hits: 10, seconds_left: 50 }])).toEqual({ allowed: true });
  });

  it('refuse past any maximum, waiting as long as the longest exceeded window, at least a second', () => {
    expect(verdict(limits, [{ key: 'login:email:a', hits: 4, seconds_left: 99.2 }, { key: 'login:ip:1.2.3.4', hits: 1, seconds_left: 500 }])).toEqual({ allowed: false, key: 'login:email:a', retryAfterSeconds: 100 });
    expect(verdict(limits, [{ key: 'login:email:a', hits: 4, seconds_left: 20 }, { key: 'login:ip:1.2.3.4', hits: 11, seconds_left: 300 }])).toEqual({ allowed: false, key: 'login:ip:1.2.3.4', retryAfterSeconds: 300 });
    expect(verdict(limits, [{ key: 'login:email:a', hits: 9, seconds_left: 0.001 }])).toEqual({ allowed: false, key: 'login:email:a', retryAfterSeconds: 1 });
  });
});

describe('password policy', () => {
  const refusal = (password: string, email: string) => {
    try {
      checkPasswordPolicy(password, email);
    } catch (err) {
      return err as Error & { code: string; details: unknown };
    }
    throw new Error('expected the password to be refused');
  };

  it('names every rule a password breaks in one sentence', () => {
    expect(refusal('dorota-1234567', 'dorota@example.com')).toMatchObject({ code: 'weak_password', message: 'The password must not contain the part of your email before the @.' });
    expect(refusal('aaaa', 'ala@example.com').message).toBe('The password must have at least 10 characters and have at least 4 different characters.');
    expect(refusal('aaaa', 'ala@example.com').details).toEqual({ rules: ['have at least 10 characters', 'have at least 4 different characters'] });
    expect(() => checkPasswordPolicy('correct horse battery', 'dorota@example.com')).not.toThrow();
  });
});
