// The operators' coupon handlers: validate, call db/coupons, answer the coupon as the routes declare it.
import type { RouteHandler } from '@hono/zod-openapi';
import { loadCatalogFor } from '../../db/catalog.js';
import { couponRedemptions, deactivateCoupon, getCoupon, insertCoupon, listCoupons, type CouponRecord } from '../../db/coupons.js';
import { DomainError } from '../../domain/errors.js';
import type { ApiDeps } from '../deps.js';
import type { AppEnv } from '../router.js';
import { couponRuleBroken, type couponDetailRoute, type createCouponRoute, type deactivateCouponRoute, type listCouponsRoute } from './couponRoutes.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function present(c: CouponRecord) {
  return { ...c, validFrom: iso(c.validFrom), validUntil: iso(c.validUntil), createdAt: c.createdAt.toISOString() };
}

const notFound = () => new DomainError('coupon_not_found', 'No such coupon.', 'not_found');

export function couponHandlers({ sql }: ApiDeps) {
  const create: RouteHandler<typeof createCouponRoute, AppEnv> = async (c) => {
    const body = c.req.valid('json');
    const broken = couponRuleBroken(body);
    if (broken) throw new DomainError('invalid_coupon', broken, 'unprocessable');
    const packageIds = [...new Set(body.packageIds ?? [])];
    const known = new Set((await loadCatalogFor(sql, packageIds)).map((p) => p.id));
    const unknown = packageIds.filter((id) => !known.has(id));
    if (unknown.length > 0) throw new DomainError('package_unavailable', 'Some packages do not exist.', 'unprocessable', { packageIds: unknown });
    const coupon = await insertCoupon(sql, {
      ...body,
      packageIds,
      validFrom: body.validFrom ? new Date(body.validFrom) : undefined,
      validUntil: body.validUntil ? new Date(body.validUntil) : undefined,
    });
    c.get('log').info({ couponId: coupon.id }, 'coupon created');
    return c.json(present(coupon), 201);
  };

  const list: RouteHandler<typeof listCouponsRoute, AppEnv> = async (c) => {
    const { active, limit, offset } = c.req.valid('query');
    const coupons = await listCoupons(sql, { active: active === undefined ? undefined : active === 'true', limit, offset });
    return c.json({ coupons: coupons.map(present) }, 200);
  };

  const detail: RouteHandler<typeof couponDetailRoute, AppEnv> = async (c) => {
    const coupon = await getCoupon(sql, c.req.valid('param').couponId);
    if (!coupon) throw notFound();
    const redemptions = (await couponRedemptions(sql, coupon.id)).map((r) => ({ ...r, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() }));
    return c.json({ ...present(coupon), redemptions }, 200);
  };

  const deactivate: RouteHandler<typeof deactivateCouponRoute, AppEnv> = async (c) => {
    const coupon = await deactivateCoupon(sql, c.req.valid('param').couponId);
    if (!coupon) throw notFound();
    return c.json(present(coupon), 200);
  };

  return { create, list, detail, deactivate };
}
