// POST /api/v1/checkout/quote: the price checkout would charge (coupon included), with no order and no side effects.
import { createRoute, z } from '@hono/zod-openapi';
import { ownedPackageIds } from '../db/catalog.js';
import { COUPON_REASONS } from '../domain/coupons.js';
import type { Money } from '../domain/money.js';
import type { Quote } from '../domain/pricing.js';
import { BEARER_SCHEME, optionalCustomer, type OptionalCustomerEnv } from './bearer.js';
import { priceRequest, QuoteRequest } from './checkout.js';
import type { ApiDeps } from './deps.js';
import { errorResponse } from './errors.js';
import { newRouter } from './router.js';
import { jsonBody, jsonContent, MoneySchema } from './schemas.js';

const QuoteLine = z
  .object({
    packageId: z.string().uuid(),
    title: z.string(),
    unitPrice: MoneySchema.openapi({ description: 'The catalog price' }),
    originalPrice: MoneySchema.openapi({ description: 'The catalog\'s "was" price, or the unit price when it has none' }),
    discount: MoneySchema.openapi({ description: 'What the coupon takes off this line' }),
    total: MoneySchema.openapi({ description: 'unitPrice − discount: what the buyer pays for this line' }),
  })
  .openapi('QuoteLine');

const QuoteResponse = z
  .object({
    lines: z.array(QuoteLine),
    subtotal: MoneySchema,
    discount: MoneySchema,
    total: MoneySchema,
    coupon: z
      .object({ code: z.string(), applied: z.boolean(), reason: z.enum(COUPON_REASONS).optional().openapi({ description: 'Why the coupon does not apply (absent when it does)' }) })
      .nullable()
      .openapi({ description: 'null when no couponCode was sent' }),
    owned: z
      .array(z.string().uuid())
      .nullable()
      .openapi({ description: 'Packages the cart grants (a bundle: its children) that the buyer already owns and will not be enrolled in again: only for a logged-in customer quoting their own email, else null' }),
  })
  .openapi('Quote');

const route = createRoute({
  method: 'post',
  path: '/api/v1/checkout/quote',
  tags: ['checkout'],
  // Optional: a guest quotes without a token; a logged-in customer's token adds what they own.
  security: [{ [BEARER_SCHEME]: [] }, {}] as Record<string, string[]>[],
  request: { body: jsonBody(QuoteRequest) },
  responses: {
    200: jsonContent(QuoteResponse, 'What checkout would charge for this body now; a coupon that does not apply is reported in `coupon`, not refused'),
    400: errorResponse('Malformed request or empty cart'),
    401: errorResponse('An Authorization header came with a token that is not valid (send none to quote as a guest)'),
    409: errorResponse('The logged-in customer already owns everything in the cart'),
    422: errorResponse('Unknown or unavailable packages, mixed currencies, or provider not enabled or not taking the cart\'s currency'),
    503: errorResponse('Database unavailable'),
  },
});

const money = (amount: number, currency: string): Money => ({ amount, currency: currency.toUpperCase() });

function present(q: Quote, owned: Set<string> | null) {
  return {
    lines: q.lines.map((l) => ({
      packageId: l.packageId,
      title: l.title,
      unitPrice: money(l.unitAmount, l.currency),
      originalPrice: money(l.originalAmount, l.currency),
      discount: money(l.discountAmount, l.currency),
      total: money(l.unitAmount - l.discountAmount, l.currency),
    })),
    subtotal: q.subtotal,
    discount: q.discount,
    total: q.total,
    coupon: q.coupon && { code: q.coupon.code, applied: q.coupon.applied, ...(q.coupon.reason ? { reason: q.coupon.reason } : {}) },
    owned: owned && q.grants.filter((id) => owned.has(id)),
  };
}

export function quoteRoutes(deps: ApiDeps) {
  const router = newRouter<OptionalCustomerEnv>();
  router.use(route.path, optionalCustomer(deps.sql, deps.accounts.jwt.secret));
  return router.openapi(route, async (c) => {
    const body = c.req.valid('json');
    const customer = c.get('customer');
    // Ownership is personal: only the logged-in customer, quoting for their own email, learns it (issue 11).
    const owner = customer && body.email === customer.email ? customer.email : undefined;
    const quote = await priceRequest(deps, body, owner);
    return c.json(present(quote, owner ? await ownedPackageIds(deps.sql, owner) : null), 200);
  });
}
