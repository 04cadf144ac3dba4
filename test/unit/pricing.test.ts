// priceCart decides what an order costs and enrols from catalog rows alone; money helpers compare and display amounts.
import { describe, it, expect } from 'vitest';
import { domainError } from '../support/domainError.js';
import { formatMoney, sameMoney } from '../../src/domain/money.js';
import { priceCart, type CatalogPackage } from '../../src/domain/pricing.js';

function pkg(id: string, priceAmount: number, extra: Partial<CatalogPackage> = {}): CatalogPackage {
  return { id, slug: `slug-${id}`, title: `Title ${id}`, priceAmount, currency: 'PLN', published: true, isBundle: false, grants: [id], ...extra };
}

const typescript = pkg('ts', 6900);
const node = pkg('node', 12900);
const sql = pkg('sql', 4950);
const bundle = pkg('bundle', 15000, { isBundle: true, grants: ['ts', 'node'] });
const draft = pkg('draft', 1000, { published: false });
const euro = pkg('euro', 2500, { currency: 'EUR' });
const catalog = [typescript, node, sql, bundle, draft, euro];


describe('priceCart refusals', () => {
  it('refuses an empty cart as a bad request', () => {
    const err = domainError(() => priceCart([], catalog));
    expect(err.code).toBe('cart_empty');
    expect(err.kind).toBe('bad_request');
  });

  it('names every unknown or unpublished package', () => {
    const err = domainError(() => priceCart(['ts', 'ghost', 'draft'], catalog));
    expect(err.code).toBe('package_unavailable');
    expect(err.kind).toBe('unprocessable');
    expect(err.details).toEqual({ packageIds: ['ghost', 'draft'] });
  });

  it('names an unknown id once even when it is requested twice', () => {
    const err = domainError(() => priceCart(['ghost', 'ghost'], catalog));
    expect(err.details).toEqual({ packageIds: ['ghost'] });
  });

  it('refuses packages priced in different currencies', () => {
    const err = domainError(() => priceCart(['ts', 'euro'], catalog));
    expect(err.code).toBe('mixed_currencies');
    expect(err.kind).toBe('unprocessable');
    expect(err.details).toEqual({ currencies: ['PLN', 'EUR'] });
  });

  it('refuses a cart whose every package is already owned, as a conflict', () => {
    const err = domainError(() => priceCart(['ts', 'sql'], catalog, new Set(['ts', 'sql', 'node'])));
    expect(err.code).toBe('already_owned');
    expect(err.kind).toBe('conflict');
  });

  it('refuses a bundle whose children are all owned, though the bundle itself never was', () => {
    const err = domainError(() => priceCart(['bundle'], catalog, new Set(['ts', 'node'])));
    expect(err.code).toBe('already_owned');
    expect(err.kind).toBe('conflict');
  });

  it('checks availability before ownership', () => {
    const err = domainError(() => priceCart(['ts', 'draft'], catalog, new Set(['ts', 'draft'])));
    expect(err.code).toBe('package_unavailable');
  });
});

describe('priceCart quotes', () => {
  it('prices each line from the catalog and totals the unit amounts in minor units', () => {
    const quote = priceCart(['ts', 'node', 'sql'], catalog);
    expect(quote.lines).toEqual([
      { packageId: 'ts', slug: 'slug-ts', title: 'Title ts', unitAmount: 6900, discountAmount: 0, originalAmount: 6900, currency: 'PLN' },
      { packageId: 'node', slug: 'slug-node', title: 'Title node', unitAmount: 12900, discountAmount: 0, originalAmount: 12900, currency: 'PLN' },
      { packageId: 'sql', slug: 'slug-sql', title: 'Title sql', unitAmount: 4950, discountAmount: 0, originalAmount: 4950, currency: 'PLN' },
    ]);
    expect(quote.total).toEqual({ amount: 24750, currency: 'PLN' });
    expect(quote.grants).toEqual(['ts', 'node', 'sql']);
  });

  it('counts a duplicated id once', () => {
    const quote = priceCart(['ts', 'sql', 'ts', 'ts'], catalog);
    expect(quote.lines.map((l) => l.packageId)).toEqual(['ts', 'sql']);
    expect(quote.total).toEqual({ amount: 11850, currency: 'PLN' });
    expect(quote.grants).toEqual(['ts', 'sql']);
  });

  it('expands a bundle to its children in grants and charges the bundle price', () => {
    const quote = priceCart(['bundle'], catalog);
    expect(quote.lines).toEqual([{ packageId: 'bundle', slug: 'slug-bundle', title: 'Title bundle', unitAmount: 15000, discountAmount: 0, originalAmount: 15000, currency: 'PLN' }]);
    expect(quote.total).toEqual({ amount: 15000, currency: 'PLN' });
    expect(quote.grants).toEqual(['ts', 'node']);
  });

  it('refuses a bundle together with one of its own children, naming the child', () => {
    const err = domainError(() => priceCart(['ts', 'bundle', 'sql'], catalog));
    expect(err.code).toBe('bundle_overlap');
    expect(err.kind).toBe('unprocessable');
    expect(err.details).toEqual({ packageIds: ['ts'] });
  });

  it('treats currency codes case-insensitively and reports the total in upper case', () => {
    const lower = pkg('lower', 100, { currency: 'pln' });
    const quote = priceCart(['lower', 'sql'], [...catalog, lower]);
    expect(quote.total).toEqual({ amount: 5050, currency: 'PLN' });
  });

  it('sells a partially owned cart', () => {
    const quote = priceCart(['ts', 'sql'], catalog, new Set(['ts']));
    expect(quote.total).toEqual({ amount: 11850, currency: 'PLN' });
    expect(quote.grants).toEqual(['ts', 'sql']);
  });

  it('sells a bundle when only some of its children are owned', () => {
    const quote = priceCart(['bundle'], catalog, new Set(['node']));
    expect(quote.total).toEqual({ amount: 15000, currency: 'PLN' });
    expect(quote.grants).toEqual(['ts', 'node']);
  });

  it('ignores owned packages that are not in the cart', () => {
    const quote = priceCart(['sql'], catalog, new Set(['ts', 'node', 'bundle']));
    expect(quote.total).toEqual({ amount: 4950, currency: 'PLN' });
  });

  it('quotes a single-currency cart in that currency', () => {
    expect(priceCart(['euro'], catalog).total).toEqual({ amount: 2500, currency: 'EUR' });
  });
});

describe('money', () => {
  it('sameMoney compares amounts exactly and currencies case-insensitively', () => {
    expect(sameMoney({ amount: 6900, currency: 'PLN' }, { amount: 6900, currency: 'pln' })).toBe(true);
    expect(sameMoney({ amount: 6900, currency: 'pLn' }, { amount: 6900, currency: 'PLN' })).toBe(true);
    expect(sameMoney({ amount: 6900, currency: 'PLN' }, { amount: 6901, currency: 'PLN' })).toBe(false);
    expect(sameMoney({ amount: 6900, currency: 'PLN' }, { amount: 6900, currency: 'EUR' })).toBe(false);
  });

  it('formatMoney shows minor units as a decimal amount in the locale', () => {
    const pl = formatMoney({ amount: 6900, currency: 'PLN' }, 'pl-PL');
    expect(pl).toContain('69,00');
    expect(pl).toContain('zł');
    expect(formatMoney({ amount: 123456, currency: 'PLN' }, 'pl-PL')).toContain('234,56');
    expect(formatMoney({ amount: 6900, currency: 'EUR' }, 'en-US')).toBe('€69.00');
  });
});
