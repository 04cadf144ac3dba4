// Prices a cart from catalog rows: the client sends ids only, the server decides amounts.
import { DomainError } from './errors.js';
import type { Money } from './money.js';
import type { OrderLine } from './orders.js';

export interface CatalogPackage {
  id: string;
  slug: string;
  title: string;
  priceAmount: number;
  currency: string;
  published: boolean;
  isBundle: boolean;
  /** For a bundle, the packages it enrols; for a package, itself. */
  grants: string[];
}

export interface Quote {
  lines: OrderLine[];
  total: Money;
  /** Every package the order would enrol (bundles expanded to children). */
  grants: string[];
}

export function priceCart(requestedIds: string[], catalog: CatalogPackage[], ownedPackageIds: Set<string> = new Set()): Quote {
  const ids = [...new Set(requestedIds)];
  if (ids.length === 0) throw new DomainError('cart_empty', 'The cart is empty.', 'bad_request');

  const byId = new Map(catalog.map((p) => [p.id, p]));
  // A bundle without children would sell nothing.
  const missing = ids.filter((id) => !byId.get(id)?.published || byId.get(id)!.grants.length === 0);
  if (missing.length > 0) {
    throw new DomainError('package_unavailable', 'Some packages do not exist or are not for sale.', 'unprocessable', { packageIds: missing });
  }
  const packages = ids.map((id) => byId.get(id)!);
  const currencies = new Set(packages.map((p) => p.currency.toUpperCase()));
  if (currencies.size > 1) {
    throw new DomainError('mixed_currencies', 'All packages in one order must share a currency.', 'unprocessable', { currencies: [...currencies] });
  }
  const grants = [...new Set(packages.flatMap((p) => p.grants))];
  // A bundle and one of its own children in one cart would charge twice for the same access.
  const overlapping = packages.filter((p) => !p.isBundle && packages.some((b) => b.isBundle && b.grants.includes(p.id)));
  if (overlapping.length > 0) {
    throw new DomainError('bundle_overlap', 'The cart holds a bundle and a package the bundle already includes.', 'unprocessable', { packageIds: overlapping.map((p) => p.id) });
  }
  if (grants.length > 0 && grants.every((id) => ownedPackageIds.has(id))) {
    throw new DomainError('already_owned', 'This email already owns every package in the cart.', 'conflict');
  }
  const lines = packages.map((p) => ({ packageId: p.id, slug: p.slug, title: p.title, unitAmount: p.priceAmount, currency: p.currency }));
  const total = { amount: lines.reduce((sum, l) => sum + l.unitAmount, 0), currency: packages[0]!.currency.toUpperCase() };
  return { lines, total, grants };
}
