// orderIdForKey turns a client's Idempotency-Key into the order id every retry addresses.
import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { orderIdForKey } from '../../src/api/checkout.js';

// RFC 9562: version nibble 8 (custom), variant bits 10 (first hex digit of the fourth group is 8, 9, a or b).
const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const keys = Array.from({ length: 1000 }, (_, i) => `key-${i}-${'x'.repeat(i % 40)}`);

describe('orderIdForKey', () => {
  it('gives the same id for the same key', () => {
    expect(orderIdForKey('checkout-attempt-0001')).toBe(orderIdForKey('checkout-attempt-0001'));
  });

  it('gives different ids for different keys, even keys one character apart', () => {
    expect(orderIdForKey('checkout-attempt-0001')).not.toBe(orderIdForKey('checkout-attempt-0002'));
    expect(orderIdForKey('abcdefgh')).not.toBe(orderIdForKey('abcdefgH'));
    expect(new Set(keys.map(orderIdForKey)).size).toBe(keys.length);
  });

  it('is a version-8, variant-10 UUID for every key', () => {
    for (const key of [...keys, '!!!!!!!!', '~'.repeat(255)]) {
      const id = orderIdForKey(key);
      expect(id).toMatch(UUID_V8);
      // The API and the sandbox webhook schema validate order ids with zod's uuid().
      expect(z.string().uuid().safeParse(id).success).toBe(true);
    }
  });

  it('keeps every SHA-256 digit of "checkout:<key>" except the version and variant positions', () => {
    for (const key of keys.slice(0, 100)) {
      const h = createHash('sha256').update(`checkout:${key}`).digest('hex');
      const hex = orderIdForKey(key).replaceAll('-', '');
      expect(hex).toHaveLength(32);
      expect(hex.slice(0, 12)).toBe(h.slice(0, 12));
      expect(hex[12]).toBe('8');
      expect(hex.slice(13, 16)).toBe(h.slice(13, 16));
      // Only the variant's top two bits are forced; the low two bits come from the hash.
      expect(parseInt(hex[16]!, 16) & 0x3).toBe(parseInt(h[16]!, 16) & 0x3);
      expect(parseInt(hex[16]!, 16) & 0xc).toBe(0x8);
      expect(hex.slice(17, 32)).toBe(h.slice(17, 32));
    }
  });

  it('covers all four variant digits across keys', () => {
    expect(new Set(keys.map((k) => orderIdForKey(k)[19])).size).toBe(4);
  });
});
