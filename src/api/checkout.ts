// POST /api/v1/checkout: validate and price the cart (coupon included), then update-with-start the order's workflow for its payment URL.
import { createRoute, z } from '@hono/zod-openapi';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { createHash } from 'node:crypto';
import { buyerIp } from '../auth/clientIp.js';
import { customerKey } from '../auth/customerKeys.js';
import { quoteCart } from '../db/catalog.js';
import { getOrder, getOrders, randomOrderNumber, type OrderRecord } from '../db/orders.js';
import { couponRefused } from '../domain/coupons.js';
import { DomainError } from '../domain/errors.js';
import type { Quote } from '../domain/pricing.js';
import { DEFAULT_LOCALE, LOCALES, PROVIDERS } from '../domain/orders.js';
import type { orderWorkflow } from '../workflows/order.js';
import { checkoutSummary, orderRunSummary } from '../workflows/summaries.js';
import { checkoutUpdate, customerEmailAttribute, ORDER_NUMBER, ORDER_STATUS, orderWorkflowId, type CheckoutView, type OrderWorkflowInput } from '../workflows/definitions.js';
import type { ApiDeps } from './deps.js';
import { BEARER_SCHEME, optionalCustomer, type OptionalCustomerEnv } from './bearer.js';
import { errorResponse } from './errors.js';
import { rateLimitedResponse, refuseOverLimit, requestIp, socketAddress } from './limits.js';
import { legacyOrderIdForKey, orderIdForKey } from './orderIds.js';
import { newRouter } from './router.js';
import { EmailSchema, IdempotencyKeyHeader, jsonBody, jsonContent, MoneySchema, nonBlank, OrderStatusSchema } from './schemas.js';

const CheckoutFields = {
  packageIds: z.array(z.string().uuid()).min(1).max(50),
  email: EmailSchema,
  name: z.string().min(1).max(200),
  provider: z.enum(PROVIDERS),
  locale: z.enum(LOCALES).default(DEFAULT_LOCALE),
  couponCode: nonBlank(64).optional().openapi({ description: 'A coupon code (any letter case); the server decides whether it applies', example: 'WIOSNA20' }),
};

const CheckoutRequest = z.object(CheckoutFields).strict().openapi('CheckoutRequest');

/** What a quote needs: the checkout body, with the buyer's name (and email) not yet known. */
export const QuoteRequest = z
  .object({ ...CheckoutFields, name: CheckoutFields.name.optional(), email: CheckoutFields.email.optional() })
  .strict()
  .openapi('QuoteRequest');

const CheckoutResponse = z
  .object({ orderId: z.string().uuid(), orderNumber: z.string(), status: OrderStatusSchema, total: MoneySchema, paymentUrl: z.string().url() })
  .openapi('CheckoutResponse');

const route = createRoute({
  method: 'post',
  path: '/api/v1/checkout',
  tags: ['checkout'],
  description:
    'Anyone may check out for any email. With a customer access token for the same email, a cart that email already owns entirely is refused (409 `already_owned`); without one, the answer never depends on what an email owns.',
  // The token is optional: an empty requirement admits anonymous buyers.
  security: [{ [BEARER_SCHEME]: [] }, {}] as Record<string, string[]>[],
  request: {
    headers: IdempotencyKeyHeader,
    body: jsonBody(CheckoutRequest),
  },
  responses: {
    201: jsonContent(CheckoutResponse, 'The order exists and can be paid at paymentUrl'),
    400: errorResponse('Malformed request or empty cart'),
    401: errorResponse('An access token was sent and is not valid'),
    409: errorResponse('The logged-in buyer already owns everything in the cart, the order behind this key is closed, or its checkout ended without an order (`checkout_expired`, `checkout_closed`: an outage kept it from opening until its TTL)'),
    422: errorResponse(
      'Unknown or unavailable packages, mixed currencies, provider not enabled or not taking the cart\'s currency, the key was used for another request, ' +
        'or the coupon does not apply (code coupon_unknown, coupon_expired, coupon_exhausted, coupon_not_applicable or coupon_minimum_not_met)',
    ),
    429: rateLimitedResponse('Too many new checkouts from this address or for this email (a retry of an existing key is not counted)'),
    503: errorResponse('Database, workflow service or payment provider unavailable (`checkout_unavailable`): the order keeps opening; retry with the same Idempotency-Key'),
  },
});

/** What a reused key is compared by: the request with its defaults, cart order and repeats aside. */
export function fingerprint(body: z.infer<typeof CheckoutRequest>): string {
  const canonical = JSON.stringify({ ...body, packageIds: [...new Set(body.packageIds)].sort() });
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * Prices a checkout (or quote) request the way the order will be priced: provider enabled and taking the currency,
 * catalog prices, the coupon evaluated. `owner`: the logged-in buyer's own email, whose enrolments count as owned
 * (absent: the answer never depends on what the email owns).
 */
export async function priceRequest(deps: ApiDeps, body: z.infer<typeof QuoteRequest>, owner: string | undefined): Promise<Quote> {
  const provider = deps.payments[body.provider];
  if (!provider) throw new DomainError('provider_unavailable', `Payment provider ${body.provider} is not enabled.`, 'unprocessable');
  const quote = await quoteCart(deps.sql, { packageIds: body.packageIds, email: body.email ?? '', couponCode: body.couponCode }, { owner });
  const { currency } = quote.total;
  if (provider.currencies && !provider.currencies.includes(currency)) {
    throw new DomainError('currency_not_supported', `${body.provider} does not accept ${currency}; see GET /api/v1/payment-methods.`, 'unprocessable', {
      provider: body.provider,
      currency,
      accepted: provider.currencies,
    });
  }
  return quote;
}

function storedView(order: OrderRecord): CheckoutView {
  if (!order.paymentUrl) throw new DomainError('order_closed', `Order ${order.orderNumber} is ${order.status} and cannot be paid.`, 'conflict');
  return { orderId: order.orderId, orderNumber: order.orderNumber, status: order.status, total: order.total, paymentUrl: order.paymentUrl };
}

/**
 * The order this buyer's key names. An order created before ids were keyed (legacy id) still answers its own buyer's
 * retries; a key someone else used then is simply a new order for this buyer.
 */
async function orderForKey({ sql, orderIdSecret }: ApiDeps, email: string, key: string): Promise<{ orderId: string; existing?: OrderRecord }> {
  const orderId = orderIdForKey(orderIdSecret, email, key);
  const legacyId = legacyOrderIdForKey(key);
  // Both in one read: a new key (the usual case) costs one statement.
  const found = await getOrders(sql, [orderId, legacyId]);
  const existing = found.get(orderId);
  if (existing) return { orderId, existing };
  const legacy = found.get(legacyId);
  return legacy && legacy.email === email ? { orderId: legacy.orderId, existing: legacy } : { orderId };
}

export function checkoutRoutes(deps: ApiDeps) {
  const { sql, temporal } = deps;
  const router = newRouter<OptionalCustomerEnv>();
  router.use(route.path, optionalCustomer(sql, deps.accounts.jwt.secret));
  return router.openapi(route, async (c) => {
    const body = c.req.valid('json');
    // Only the logged-in owner of this email learns what it owns; a stranger's answer must not depend on it.
    const ownerLoggedIn = c.get('customer')?.email === body.email;
    const { orderId, existing } = await orderForKey(deps, body.email, c.req.valid('header')['idempotency-key']);
    const print = fingerprint(body);
    const log = c.get('log').child({ orderId, workflowId: orderWorkflowId(orderId) });

    if (existing && existing.fingerprint !== print) {
      throw new DomainError('idempotency_key_reused', 'This Idempotency-Key was already used for a different checkout request.', 'unprocessable');
    }
    // A settled order answers from the database: its workflow is closed (and may be gone after retention).
    if (existing && existing.status !== 'PENDING') return c.json(storedView(existing), 201);
    let summary = existing ? orderRunSummary('checkout', existing) : undefined;
    let quote: Quote | undefined;
    if (!existing) {
      // Only a new order counts: each starts a workflow that lives for the checkout TTL and may email the address.
      const { windowSeconds } = deps.accounts.rateLimit;
      const limits = [
        { key: `checkout:email:${body.email}`, max: deps.checkoutRateLimit.perEmail },
        { key: `checkout:ip:${requestIp(c, deps.accounts.trustedProxyHops)}`, max: deps.checkoutRateLimit.perIp },
      ];
      const refused = await refuseOverLimit(c, sql, limits, windowSeconds);
      if (refused) return refused;
      // Refuse a bad cart (or a coupon that does not apply) here, before a workflow exists for it. The run's createOrder
      // takes this quote as priced; only the coupon is looked at again, under its lock, when its use is reserved.
      quote = await priceRequest(deps, body, ownerLoggedIn ? body.email : undefined);
      const { coupon, lines, total } = quote;
      if (coupon && !coupon.applied) throw couponRefused(coupon.reason!, coupon.code);
      summary = checkoutSummary({ items: lines, total, provider: body.provider });
    }

    // The buyer's address goes to providers that require it (PayU); it is not part of the fingerprint, so a retry from
    // another network reaches the same order.
    const customerIp = buyerIp(socketAddress(c), c.req.header('x-forwarded-for'), deps.accounts.trustedProxyHops);
    // The run starts with its order's number searchable, so it need not record the number again (an order that already
    // exists keeps its own; another order holding this one makes the run show the number its order got instead).
    const orderNumber = existing?.orderNumber ?? randomOrderNumber();
    const input: OrderWorkflowInput = { orderId, ...body, fingerprint: print, ownerLoggedIn, orderNumber, ...(quote ? { quote } : {}), ...(customerIp ? { customerIp } : {}), checkoutTtlMs: deps.checkoutTtlMs, ...deps.orderSettings };
    const start = new WithStartWorkflowOperation<typeof orderWorkflow>('orderWorkflow', {
      workflowId: orderWorkflowId(orderId),
      taskQueue: deps.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      // Runs stay open through an outage now; only one that failed on one before that may start again for its order.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      ...summary,
      typedSearchAttributes: [
        // The keyed hash, never the address: visibility stores search attributes in clear.
        customerEmailAttribute(customerKey(deps.customerKeySecret, body.email)),
        { key: ORDER_NUMBER, value: orderNumber },
        { key: ORDER_STATUS, value: 'PENDING' },
      ],
    });
    let view: CheckoutView;
    try {
      view = await temporal.workflow.executeUpdateWithStart(checkoutUpdate, { args: [{ fingerprint: print }], startWorkflowOperation: start });
    } catch (err) {
      // The workflow closed between our read and the update (e.g. it just expired).
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const closed = await getOrder(sql, orderId);
      // A run that ended without an order (refused, or an outage kept it from opening until the TTL): nothing to pay.
      if (!closed) throw new DomainError('checkout_closed', 'The checkout behind this Idempotency-Key ended without an order. Please start a new one.', 'conflict');
      view = storedView(closed);
    }
    log.info({ orderNumber: view.orderNumber, provider: body.provider }, 'checkout opened');
    return c.json(view, 201);
  });
}
