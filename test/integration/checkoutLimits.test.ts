// Checkout on real PostgreSQL counts new orders per email and per client address (IPv6 per /64); retries are free.
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageId, startHarness, uniqueEmail, type Harness } from '../support/harness.js';

const PER_EMAIL = 3;
const PER_IP = 4;

let h: Harness;
beforeAll(async () => {
  // Behind one trusted proxy, so each request can speak from the address a test gives it.
  h = await startHarness({ TRUSTED_PROXY_HOPS: '1', CHECKOUT_RATE_PER_EMAIL: String(PER_EMAIL), CHECKOUT_RATE_PER_IP: String(PER_IP) });
});
afterAll(async () => h?.close());

const newIp = () => `198.51.100.${randomInt(1, 255)}, 10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

async function open(email: string, ip: string, key = `key-${randomUUID()}`) {
  const body = JSON.stringify({ packageIds: [await packageId(h.sql, 'chatbot-rag')], email, name: 'Ala', provider: 'sandbox' });
  const res = await fetch(`${h.baseUrl}/api/v1/checkout`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key, 'x-forwarded-for': ip }, body });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, any> };
}

describe('checkout limits', () => {
  it('limits new checkouts per email from any address; a retry of an opened order is not counted', async () => {
    const email = uniqueEmail('many');
    const key = `first-${randomUUID()}`;
    const first = await open(email, newIp(), key);
    expect(first.status).toBe(201);
    for (let i = 1; i < PER_EMAIL; i++) expect((await open(email, newIp())).status).toBe(201);
    const refused = await open(email, newIp());
    expect(refused).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(refused.body.error.details).toEqual({ retryAfterSeconds: Number(refused.retryAfter) });
    expect(await open(email, newIp(), key)).toMatchObject({ status: 201, body: { orderId: first.body.orderId } });
  });

  it('limits new checkouts per client address, counting an IPv6 /64 as one address', async () => {
    const prefix = `2001:db8:${randomInt(0xffff).toString(16)}:${randomInt(0xffff).toString(16)}`;
    for (let i = 0; i < PER_IP; i++) expect((await open(uniqueEmail('ipv6'), `${prefix}::${(i + 1).toString(16)}`)).status).toBe(201);
    expect((await open(uniqueEmail('ipv6'), `${prefix}:ffff:ffff:ffff:ffff`)).status).toBe(429);
    // Another /64 is another customer.
    expect((await open(uniqueEmail('ipv6'), `2001:db8:ffff:${randomInt(0xffff).toString(16)}::1`)).status).toBe(201);
  });
});
