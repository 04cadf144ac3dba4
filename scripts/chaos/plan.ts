// What the chaos run buys, decided up front from a seed: who buys what, new or returning, paid or declined.
import { randomBytes } from 'node:crypto';
import { orderIdForKey } from '../../src/api/orderIds.js';

export interface CatalogItem {
  id: string;
  slug: string;
  isBundle: boolean;
  /** A bundle's children; a single package is its own only child. */
  grants: string[];
}

export interface PlannedOrder {
  index: number;
  key: string;
  /** Derived from the key exactly as the API does, so an answer lost in an outage still names its order. */
  orderId: string;
  email: string;
  packageIds: string[];
  bundle: boolean;
  returning: boolean;
  outcome: 'pay' | 'decline';
}

export type Random = () => number;

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
/** The API's order-id key for this run (ORDER_ID_SECRET), so the run knows each order's id before checkout answers. */
export const ORDER_ID_SECRET = randomBytes(32).toString('base64url');

export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

export function shuffle<T>(random: Random, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

export interface PlanShares {
  returning: number;
  bundle: number;
  declined: number;
}

/**
 * A customer never asks for a package any earlier order of theirs asked for (paid or not), so no checkout is refused
 * for owning it and every paid order has something to enrol: the run's checks can then demand exactly one outcome each.
 */
export function planOrders(count: number, catalog: CatalogItem[], shares: PlanShares, random: Random, runId: string): PlannedOrder[] {
  const claimed = new Map<string, Set<string>>();
  const available = (email: string) => catalog.filter((item) => item.grants.every((g) => !claimed.get(email)?.has(g)) && !claimed.get(email)?.has(item.id));
  const orders: PlannedOrder[] = [];
  for (let index = 0; index < count; index++) {
    const returningCandidates = [...claimed.keys()].filter((email) => available(email).length > 0);
    const returning = returningCandidates.length > 0 && random() < shares.returning;
    const email = returning ? pick(random, returningCandidates) : `chaos-${runId}-${index}@example.com`;
    const choices = available(email);
    const bundles = choices.filter((c) => c.isBundle);
    const singles = choices.filter((c) => !c.isBundle);
    const item = bundles.length > 0 && (singles.length === 0 || random() < shares.bundle) ? pick(random, bundles) : pick(random, singles);
    const mine = claimed.get(email) ?? new Set<string>();
    for (const g of [item.id, ...item.grants]) mine.add(g);
    claimed.set(email, mine);
    const key = `chaos-${runId}-${index}`;
    orders.push({ index, key, orderId: orderIdForKey(ORDER_ID_SECRET, email, key), email, packageIds: [item.id], bundle: item.isBundle, returning, outcome: random() < shares.declined ? 'decline' : 'pay' });
  }
  return orders;
}
