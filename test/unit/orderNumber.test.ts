// Order numbers are human-facing: ORD-<UTC date>-<four characters from an alphabet without look-alikes>.
import { describe, it, expect } from 'vitest';
import { formatOrderNumber, ORDER_NUMBER_PATTERN } from '../../src/domain/orders.js';
import { orderWorkflowId } from '../../src/workflows/definitions.js';

/** A random() that returns `values` in order and fails loudly if asked for more. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => {
    if (i >= values.length) throw new Error(`random() called ${i + 1} times, only ${values.length} values given`);
    return values[i++]!;
  };
}

// 32 characters: A–Z without I and O, then 2–9 (no 0 or 1).
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

describe('formatOrderNumber', () => {
  it('formats the UTC date and picks suffix characters by floor(random * 32)', () => {
    // 0 → index 0 'A'; 0.5 → 16 'S'; 0.99999 → 31 '9'; 0.25 → 8 'J'.
    expect(formatOrderNumber(new Date('2025-03-07T12:00:00Z'), sequence(0, 0.5, 0.99999, 0.25))).toBe('ORD-20250307-AS9J');
  });

  it('uses the UTC calendar day, not the local one', () => {
    expect(formatOrderNumber(new Date('2025-12-31T23:59:59.999Z'), sequence(0, 0, 0, 0))).toBe('ORD-20251231-AAAA');
    expect(formatOrderNumber(new Date('2026-01-01T00:00:00.000+02:00'), sequence(0.1, 0.2, 0.3, 0.4))).toBe('ORD-20251231-DGKN');
  });

  it('draws exactly four random values', () => {
    let calls = 0;
    formatOrderNumber(new Date('2025-01-01T00:00:00Z'), () => {
      calls++;
      return 0.3;
    });
    expect(calls).toBe(4);
  });

  it('maps each 1/32 band of [0, 1) to the next alphabet character, and never to I, O, 0 or 1', () => {
    const seen: string[] = [];
    for (let k = 0; k < 32; k++) {
      const r = (k + 0.5) / 32;
      seen.push(formatOrderNumber(new Date('2025-01-01T00:00:00Z'), () => r).slice(-1));
    }
    expect(seen.join('')).toBe(ALPHABET);
    expect(seen.join('')).not.toMatch(/[IO01]/);
  });

  it('always matches ORDER_NUMBER_PATTERN, including at both ends of [0, 1)', () => {
    const edges = [0, Number.MIN_VALUE, 1 / 32, 0.5, 31 / 32, 0.9999999, 1 - Number.EPSILON];
    for (const r of edges) {
      const n = formatOrderNumber(new Date('2025-06-15T08:00:00Z'), () => r);
      expect(n).toMatch(ORDER_NUMBER_PATTERN);
    }
    expect(formatOrderNumber(new Date('2025-06-15T08:00:00Z'), () => 0)).toBe('ORD-20250615-AAAA');
    expect(formatOrderNumber(new Date('2025-06-15T08:00:00Z'), () => 0.9999999)).toBe('ORD-20250615-9999');

    // A deterministic spread of many values across [0, 1) (a linear congruential generator).
    let state = 12345;
    const lcg = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    };
    for (let i = 0; i < 2000; i++) {
      expect(formatOrderNumber(new Date(Date.UTC(2020, 0, 1) + i * 86_400_000), lcg)).toMatch(ORDER_NUMBER_PATTERN);
    }
  });
});

describe('ORDER_NUMBER_PATTERN', () => {
  it('accepts the documented shape and rejects near misses', () => {
    expect(ORDER_NUMBER_PATTERN.test('ORD-20250307-AS9J')).toBe(true);
    expect(ORDER_NUMBER_PATTERN.test('ORD-20250307-as9j')).toBe(false);
    expect(ORDER_NUMBER_PATTERN.test('ORD-2025037-AS9J')).toBe(false);
    expect(ORDER_NUMBER_PATTERN.test('ORD-20250307-AS9')).toBe(false);
    expect(ORDER_NUMBER_PATTERN.test('ORD-20250307-AS9J1')).toBe(false);
    expect(ORDER_NUMBER_PATTERN.test('ORD-20250307-AS0J')).toBe(false);
    expect(ORDER_NUMBER_PATTERN.test('ORD-20250307-AS1J')).toBe(false);
    expect(ORDER_NUMBER_PATTERN.test('xORD-20250307-AS9J')).toBe(false);
  });
});

describe('orderWorkflowId', () => {
  it('prefixes the order id', () => {
    expect(orderWorkflowId('0b7c9f2e-1d4a-8c3b-9e5f-a1b2c3d4e5f6')).toBe('order-0b7c9f2e-1d4a-8c3b-9e5f-a1b2c3d4e5f6');
  });
});
