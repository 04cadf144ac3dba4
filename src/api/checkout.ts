// POST /api/v1/checkout: validate and price the cart, then update-with-start the order's workflow for its payment URL.
import { createRoute, z } from '@hono/zod-openapi';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { createHash } from 'node:crypto';
import { quoteCart } from '../db/catalog.js';
import { getOrder, type OrderRecord } from '../db/orders.js';
import { DomainError } from '../domain/errors.js';
import { DEFAULT_LOCALE, LOCALES, PROVIDERS } from '../domain/orders.js';
import type { orderWorkflow } from '../workflows/order.js';
import { checkoutUpdate, CUSTOMER_EMAIL, ORDER_STATUS, orderWorkflowId, type CheckoutView, type OrderWorkflowInput } from '../workflows/definitions.js';
import type { ApiDeps } from './deps.js';
import { errorResponse } from './errors.js';
import { rateLimitedResponse, refuseOverLimit, requestIp } from './limits.js';
import { newRouter } from './router.js';
import { EmailSchema, IdempotencyKeyHeader, jsonBody, jsonContent, MoneySchema, OrderStatusSchema } from './schemas.js';

const CheckoutRequest = z
  .object({
    packageIds: z.array(z.string().uuid()).min(1).max(50),
    email: EmailSchema,
    name: z.string().min(1).max(200),
    provider: z.enum(PROVIDERS),
    locale: z.enum(LOCALES).default(DEFAULT_LOCALE),
  })
  .strict()
  .openapi('CheckoutRequest');

const CheckoutResponse = z
  .object({ orderId: z.string().uuid(), orderNumber: z.string(), status: OrderStatusSchema, total: MoneySchema, paymentUrl: z.string().url() })
  .openapi('CheckoutResponse');

const route = createRoute({
  method: 'post',
  path: '/api/v1/checkout',
  tags: ['checkout'],
  request: {
    headers: IdempotencyKeyHeader,
    body: jsonBody(CheckoutRequest),
  },
  responses: {
    201: jsonContent(CheckoutResponse, 'The order exists and can be paid at paymentUrl'),
    400: errorResponse('Malformed request or empty cart'),
    409: errorResponse('The buyer already owns everything in the cart, or the order behind this key is closed'),
    422: errorResponse('Unknown or unavailable packages, mixed currencies, provider not enabled or not taking the cart\'s currency, or the key was used for another request'),
    429: rateLimitedResponse('Too many new checkouts from this address or for this email (a retry of an existing key is not counted)'),
    503: errorResponse('Database or workflow service unavailable; retry with the same Idempotency-Key'),
  },
});

/** A stable order id per Idempotency-Key, so every retry addresses the same workflow. */
export function orderIdForKey(key: string): string {
  const h = createHash('sha256').update(`checkout:${key}`).digest('hex');
  // Shaped as an RFC 9562 version-8 (custom) UUID.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function fingerprint(body: z.infer<typeof CheckoutRequest>): string {
  const canonical = JSON.stringify({ ...body, packageIds: [...new Set(body.packageIds)].sort() });
  return createHash('sha256').update(canonical).digest('hex');
}

function storedView(order: OrderRecord): CheckoutView {
  if (!order.paymentUrl) throw new DomainError('order_closed', `Order ${order.orderNumber} is ${order.status} and cannot be paid.`, 'conflict');
  return { orderId: order.orderId, orderNumber: order.orderNumber, status: order.status, total: order.total, paymentUrl: order.paymentUrl };
}

export function checkoutRoutes(deps: ApiDeps) {
  const { sql, temporal, payments } = deps;
  return newRouter().openapi(route, async (c) => {
    const body = c.req.valid('json');
    const orderId = orderIdForKey(c.req.valid('header')['idempotency-key']);
    const print = fingerprint(body);
    const log = c.get('log').child({ orderId, workflowId: orderWorkflowId(orderId) });

    const existing = await getOrder(sql, orderId);
    if (existing && existing.fingerprint !== print) {
      throw new DomainError('idempotency_key_reused', 'This Idempotency-Key was already used for a different checkout request.', 'unprocessable');
    }
    // A settled order answers from the database: its workflow is closed (and may be gone after retention).
    if (existing && existing.status !== 'PENDING') return c.json(storedView(existing), 201);
    if (!existing) {
      // Only a new order counts: each starts a workflow that lives for the checkout TTL and may email the address.
      const { windowSeconds } = deps.accounts.rateLimit;
      const limits = [
        { key: `checkout:email:${body.email}`, max: deps.checkoutRateLimit.perEmail },
        { key: `checkout:ip:${requestIp(c, deps.accounts.trustedProxyHops)}`, max: deps.checkoutRateLimit.perIp },
      ];
      const refused = await refuseOverLimit(c, sql, limits, windowSeconds);
      if (refused) return refused;
      const provider = payments[body.provider];
      if (!provider) throw new DomainError('provider_unavailable', `Payment provider ${body.provider} is not enabled.`, 'unprocessable');
      // Refuse a bad cart here, before a workflow exists for it; the workflow prices it again from the catalog.
      const { total } = await quoteCart(sql, body.packageIds, body.email);
      if (provider.currencies && !provider.currencies.includes(total.currency)) {
        throw new DomainError('currency_not_supported', `${body.provider} does not accept ${total.currency}; see GET /api/v1/payment-methods.`, 'unprocessable', {
          provider: body.provider,
          currency: total.currency,
          accepted: provider.currencies,
        });
      }
    }

    const input: OrderWorkflowInput = { orderId, ...body, fingerprint: print, checkoutTtlMs: deps.checkoutTtlMs, ...deps.orderSettings };
    const start = new WithStartWorkflowOperation<typeof orderWorkflow>('orderWorkflow', {
      workflowId: orderWorkflowId(orderId),
      taskQueue: deps.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      // Only a run that failed (an outage while opening checkout) may start again; a closed order answers from the database.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      typedSearchAttributes: [
        { key: CUSTOMER_EMAIL, value: body.email },
        { key: ORDER_STATUS, value: 'PENDING' },
      ],
    });
    let view: CheckoutView;
    try {
      view = await temporal.workflow.executeUpdateWithStart(checkoutUpdate, { args: [{ fingerprint: print }], startWorkflowOperation: start });
    } catch (err) {
      // The workflow closed between our read and the update (e.g. it just expired).
      const closed = err instanceof WorkflowExecutionAlreadyStartedError ? await getOrder(sql, orderId) : undefined;
      if (!closed) throw err;
      view = storedView(closed);
    }
    log.info({ orderNumber: view.orderNumber, provider: body.provider }, 'checkout opened');
    return c.json(view, 201);
  });
}
