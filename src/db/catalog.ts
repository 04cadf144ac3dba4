// Catalog queries: listing, one package with its bundle children, and the rows pricing needs.
import { isUuid } from '../domain/orders.js';
import { applyCoupon, priceCart, type CatalogPackage, type Quote } from '../domain/pricing.js';
import type { Db, Sql } from './client.js';
import { couponForCode } from './coupons.js';

export interface PackageRow {
  id: string;
  slug: string;
  title: string;
  description: string;
  category: string;
  price: { amount: number; currency: string };
  originalPrice: { amount: number; currency: string } | null;
  featured: boolean;
  isBundle: boolean;
}

interface DbPackage {
  id: string;
  slug: string;
  title: string;
  description: string;
  category: string;
  price_amount: number;
  original_price_amount: number | null;
  currency: string;
  featured: boolean;
  is_bundle: boolean;
}

function toPackage(r: DbPackage): PackageRow {
  return {
    id: r.id,
    slug: r.slug,
    title: r.title,
    description: r.description,
    category: r.category,
    price: { amount: r.price_amount, currency: r.currency },
    originalPrice: r.original_price_amount == null ? null : { amount: r.original_price_amount, currency: r.currency },
    featured: r.featured,
    isBundle: r.is_bundle,
  };
}

export async function listPackages(sql: Sql, filter: { category?: string; featured?: boolean }): Promise<PackageRow[]> {
  const rows = await sql<DbPackage[]>`
    SELECT * FROM packages
    WHERE published
      ${filter.category ? sql`AND category = ${filter.category}` : sql``}
      ${filter.featured === undefined ? sql`` : sql`AND featured = ${filter.featured}`}
    ORDER BY featured DESC, price_amount, slug`;
  return rows.map(toPackage);
}

export async function getPackageBySlug(sql: Sql, slug: string): Promise<(PackageRow & { children: PackageRow[] }) | undefined> {
  const [row] = await sql<DbPackage[]>`SELECT * FROM packages WHERE slug = ${slug} AND published`;
  if (!row) return undefined;
  const children = row.is_bundle
    ? await sql<DbPackage[]>`SELECT p.* FROM bundle_items b JOIN packages p ON p.id = b.child_id WHERE b.bundle_id = ${row.id} ORDER BY b.position`
    : [];
  return { ...toPackage(row), children: children.map(toPackage) };
}

/** The requested packages with what each grants (a bundle its children); unknown ids are simply absent. */
export async function loadCatalogFor(sql: Db, ids: string[]): Promise<CatalogPackage[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return [];
  const rows = await sql<(DbPackage & { published: boolean; children: string[] | null })[]>`
    SELECT p.*, (SELECT array_agg(b.child_id ORDER BY b.position) FROM bundle_items b WHERE b.bundle_id = p.id) AS children
    FROM packages p WHERE p.id = ANY(${valid}::uuid[])`;
  return rows.map((r) => ({
    id: r.id,
    slug: r.slug,
    title: r.title,
    priceAmount: r.price_amount,
    originalPriceAmount: r.original_price_amount,
    currency: r.currency,
    published: r.published,
    isBundle: r.is_bundle,
    grants: r.is_bundle ? (r.children ?? []) : [r.id],
  }));
}

export async function ownedPackageIds(sql: Db, email: string): Promise<Set<string>> {
  const rows = await sql<{ package_id: string }[]>`
    SELECT e.package_id FROM enrollments e JOIN users u ON u.id = e.user_id
    WHERE u.email = ${email.toLowerCase()} AND e.status = 'active'`;
  return new Set(rows.map((r) => r.package_id));
}

/** The packages these ids give access to: each package itself, a bundle its children. */
export async function grantedBy(sql: Db, ids: string[]): Promise<string[]> {
  return [...new Set((await loadCatalogFor(sql, ids)).flatMap((p) => p.grants))];
}

export interface CartRequest {
  packageIds: string[];
  email: string;
  couponCode?: string;
}

/**
 * Prices a cart from the catalog for this buyer, coupon included: the quote, the API's pre-check and createOrder
 * (inside its transaction) all ask here, so a quote, a refusal before a workflow exists and the order agree.
 * `owner`: the logged-in buyer's own email, never a stranger's; only then does what it owns count (a cart it owns
 * entirely is refused). `lockCoupon`: hold the coupon row until the transaction ends, so the uses counted are the
 * uses reserved.
 */
export async function quoteCart(db: Db, cart: CartRequest, opts: { owner?: string; lockCoupon?: boolean; now?: Date } = {}): Promise<Quote> {
  const owned = opts.owner ? await ownedPackageIds(db, opts.owner) : new Set<string>();
  return couponQuote(db, priceCart(cart.packageIds, await loadCatalogFor(db, cart.packageIds), owned), cart, opts);
}

/** A quote priced from the catalog (no coupon yet) with the cart's coupon applied, or the reason it does not apply. */
export async function couponQuote(db: Db, priced: Quote, cart: CartRequest, opts: { lockCoupon?: boolean; now?: Date } = {}): Promise<Quote> {
  if (cart.couponCode === undefined) return priced;
  const found = await couponForCode(db, cart.couponCode, cart.email, opts.lockCoupon ?? false);
  return applyCoupon(priced, cart.couponCode, found?.coupon, found?.usage ?? { total: 0, byCustomer: 0 }, opts.now ?? new Date());
}
