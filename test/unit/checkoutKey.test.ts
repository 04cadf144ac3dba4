// orderIdForKey turns a buyer's (email, Idempotency-Key) into the order id every retry addresses, under a server secret.
import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { legacyOrderIdForKey, orderIdForKey } from '../../src/api/orderIds.js';

// RFC 9562: version nibble 8 (custom), variant bits 10 (first hex digit of the fourth group is 8, 9, a or b).
const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const SECRET = 'order-id-secret-for-unit-tests-0123456789';
const EMAIL = 'ala@example.com';
const keys = Array.from({ length: 1000 }, (_, i) => `key-${i}-${'x'.repeat(i % 40)}`);
const idOf = (key: string) => orderIdForKey(SECRET, EMAIL, key);

describe('orderIdForKey', () => {
  it('gives the same id for the same buyer and key, whatever the case of the email', () => {
    expect(idOf('checkout-attempt-0001')).toBe(idOf('checkout-attempt-0001'));
    expect(orderIdForKey(SECRET, 'Ala@Example.com', 'checkout-attempt-0001')).toBe(idOf('checkout-attempt-0001'));
  });

  it('gives different ids for different keys, even keys one character apart', () => {
    expect(idOf('checkout-attempt-0001')).not.toBe(idOf('checkout-attempt-0002'));
    expect(idOf('abcdefgh')).not.toBe(idOf('abcdefgH'));
    expect(new Set(keys.map(idOf)).size).toBe(keys.length);
  });

  it('cannot be computed from the key alone: another secret or another buyer gives another id', () => {
    const key = 'order-1';
    expect(orderIdForKey('another-secret-of-enough-length-0123456789', EMAIL, key)).not.toBe(idOf(key));
    // A stranger who reuses a buyer's key gets an order of their own, not the buyer's.
    expect(orderIdForKey(SECRET, 'mallory@example.com', key)).not.toBe(idOf(key));
    // The unkeyed derivation of earlier releases no longer names new orders.
    const h = createHash('sha256').update(`checkout:${key}`).digest('hex');
    expect(idOf(key).replaceAll('-', '').slice(0, 12)).not.toBe(h.slice(0, 12));
    expect(legacyOrderIdForKey(key).replaceAll('-', '').slice(0, 12)).toBe(h.slice(0, 12));
  });

  it('is a version-8, variant-10 UUID for every key, covering all four variant digits', () => {
    for (const key of [...keys, '!!!!!!!!', '~'.repeat(255)]) {
      const id = idOf(key);
      expect(id).toMatch(UUID_V8);
      expect(legacyOrderIdForKey(key)).toMatch(UUID_V8);
      // The API and the sandbox webhook schema validate order ids with zod's uuid().
      expect(z.string().uuid().safeParse(id).success).toBe(true);
    }
    expect(new Set(keys.map((k) => idOf(k)[19])).size).toBe(4);
  });
});
