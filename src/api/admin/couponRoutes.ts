// The operators' coupon routes (bearer ADMIN_TOKEN): create, list, read with redemptions, deactivate.
import { createRoute, z } from '@hono/zod-openapi';
import { COUPON_KINDS } from '../../domain/coupons.js';
import { errorResponse } from '../errors.js';
import { InstantSchema, jsonBody, jsonContent, MoneySchema, queryInt } from '../schemas.js';

const security = [{ adminBearer: [] }];
const tags = ['admin'];
const CouponIdParam = z.object({ couponId: z.string().uuid() });

const PositiveMoney = z
  .object({ amount: z.number().int().min(1).max(2_147_483_647), currency: z.string().regex(/^[A-Z]{3}$/).openapi({ example: 'PLN' }) })
  .strict()
  .openapi('PositiveMoney');

/**
 * Rules between fields: a well-formed body that breaks one is refused on its merits (422 `invalid_coupon`), since the
 * document cannot say them (400 means the body does not match the document).
 */
export function couponRuleBroken(c: z.infer<typeof CouponCreate>): string | undefined {
  if (c.kind === 'percent' && (c.percent === undefined || c.amount !== undefined)) return 'A percent coupon has percent and no amount.';
  if (c.kind === 'fixed' && (c.amount === undefined || c.percent !== undefined)) return 'A fixed coupon has amount and no percent.';
  const currencies = new Set([c.amount, c.maxDiscount, c.minPurchase].flatMap((m) => (m ? [m.currency] : [])));
  if (currencies.size > 1) return 'amount, maxDiscount and minPurchase must share one currency.';
  if (c.validFrom && c.validUntil && Date.parse(c.validUntil) <= Date.parse(c.validFrom)) return 'validUntil must be after validFrom.';
  return undefined;
}

export const CouponCreate = z
  .object({
    code: z.string().regex(/^[A-Za-z0-9_-]{3,64}$/).openapi({ description: 'Letters, digits, - and _; unique regardless of letter case', example: 'WIOSNA20' }),
    kind: z.enum(COUPON_KINDS),
    percent: z.number().int().min(1).max(100).optional().openapi({ description: 'percent coupons only' }),
    amount: PositiveMoney.optional().openapi({ description: 'fixed coupons only: what is taken off' }),
    maxDiscount: PositiveMoney.optional().openapi({ description: 'A cap on the discount' }),
    maxUses: z.number().int().min(1).max(2_147_483_647).optional().openapi({ description: 'Uses in total (open orders hold one until they close unpaid)' }),
    maxUsesPerCustomer: z.number().int().min(1).max(2_147_483_647).optional().openapi({ description: 'Uses per buyer email' }),
    validFrom: InstantSchema.optional(),
    validUntil: InstantSchema.optional(),
    minPurchase: PositiveMoney.optional().openapi({ description: 'The cart subtotal (before discount) must reach this' }),
    packageIds: z.array(z.string().uuid()).max(100).optional().openapi({ description: 'Only these packages are discounted (a bundle counts as itself); default all' }),
  })
  .strict()
  .openapi('CouponCreate');

/** A Money or null, declared as anyOf (a nullable $ref would be allOf [Money, null], which nothing satisfies). */
const NullableMoney = z.union([MoneySchema, z.null()]);

const CouponView = z
  .object({
    id: z.string().uuid(),
    code: z.string(),
    kind: z.enum(COUPON_KINDS),
    percent: z.number().int().nullable(),
    amount: NullableMoney,
    maxDiscount: NullableMoney,
    maxUses: z.number().int().nullable(),
    maxUsesPerCustomer: z.number().int().nullable(),
    validFrom: z.string().nullable(),
    validUntil: z.string().nullable(),
    minPurchase: NullableMoney,
    packageIds: z.array(z.string().uuid()),
    active: z.boolean(),
    uses: z.number().int().openapi({ description: 'Uses held now: reserved by open orders plus consumed by paid ones' }),
    createdAt: z.string(),
  })
  .openapi('Coupon');

const RedemptionView = z
  .object({
    orderId: z.string().uuid(),
    orderNumber: z.string(),
    email: z.string(),
    status: z.enum(['reserved', 'consumed', 'released']).openapi({ description: 'reserved: open order; consumed: paid; released: closed unpaid, the use went back' }),
    discount: MoneySchema,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('CouponRedemption');

export const createCouponRoute = createRoute({
  method: 'post',
  path: '/api/v1/admin/coupons',
  tags,
  security,
  request: { body: jsonBody(CouponCreate) },
  responses: {
    201: jsonContent(CouponView, 'Created'),
    400: errorResponse('Malformed coupon'),
    401: errorResponse('Missing or wrong admin token'),
    409: errorResponse('A coupon with this code (in any letter case) exists'),
    422: errorResponse('packageIds names packages that do not exist (`package_unavailable`), or the fields break a rule between them (`invalid_coupon`: percent or amount as the kind says, one currency, validUntil after validFrom)'),
  },
});

export const listCouponsRoute = createRoute({
  method: 'get',
  path: '/api/v1/admin/coupons',
  tags,
  security,
  request: {
    query: z.object({
      active: z.enum(['true', 'false']).optional(),
      limit: queryInt(1, 100).default(50),
      offset: queryInt(0, 1_000_000).default(0),
    }),
  },
  responses: {
    200: jsonContent(z.object({ coupons: z.array(CouponView) }), 'Newest first'),
    400: errorResponse('Bad filter'),
    401: errorResponse('Missing or wrong admin token'),
  },
});

export const couponDetailRoute = createRoute({
  method: 'get',
  path: '/api/v1/admin/coupons/{couponId}',
  tags,
  security,
  request: { params: CouponIdParam },
  responses: {
    200: jsonContent(CouponView.extend({ redemptions: z.array(RedemptionView) }).openapi('CouponDetail'), 'The coupon with every redemption, newest first'),
    400: errorResponse('Malformed id'),
    401: errorResponse('Missing or wrong admin token'),
    404: errorResponse('No such coupon'),
  },
});

export const deactivateCouponRoute = createRoute({
  method: 'post',
  path: '/api/v1/admin/coupons/{couponId}/deactivate',
  tags,
  security,
  request: { params: CouponIdParam },
  responses: {
    200: jsonContent(CouponView, 'Deactivated (again, if it already was): new orders are refused with coupon_expired; open ones keep their discount'),
    400: errorResponse('Malformed id'),
    401: errorResponse('Missing or wrong admin token'),
    404: errorResponse('No such coupon'),
  },
});
