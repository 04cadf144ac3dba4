// The operators' API routes (bearer ADMIN_TOKEN), declared apart from their handlers: paths, parameters, bodies, every answer.
import { createRoute, z } from '@hono/zod-openapi';
import { errorResponse } from '../errors.js';
import { IdempotencyKeyHeader, InstantSchema, jsonBody, jsonContent, MAX_MINOR_UNITS, MoneySchema, OrderStatusSchema } from '../schemas.js';
import { REFUND_STATUSES } from '../../domain/refunds.js';

const security = [{ adminBearer: [] }];
const tags = ['admin'];
const OrderIdParam = z.object({ orderId: z.string().uuid() });

const OrderRow = z
  .object({
    orderId: z.string().uuid(),
    orderNumber: z.string(),
    status: OrderStatusSchema,
    email: z.string(),
    customerName: z.string(),
    provider: z.string(),
    total: MoneySchema,
    heldReason: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('AdminOrder');

const ListQuery = z.object({
  status: OrderStatusSchema.optional(),
  email: z.string().optional().openapi({ description: 'Exact customer email (case-insensitive)' }),
  orderNumber: z.string().optional(),
  from: InstantSchema.optional().openapi({ description: 'Created at or after (ISO 8601)' }),
  to: InstantSchema.optional().openapi({ description: 'Created before (ISO 8601)' }),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().optional().openapi({ description: 'nextCursor of the previous page' }),
});

export const listRoute = createRoute({
  method: 'get',
  path: '/api/v1/admin/orders',
  tags,
  security,
  request: { query: ListQuery },
  responses: {
    200: jsonContent(z.object({ orders: z.array(OrderRow), nextCursor: z.string().nullable() }), 'Newest first'),
    400: errorResponse('Bad filter'),
    422: errorResponse('`invalid_cursor`: not a cursor this API gave out'),
    401: errorResponse('Missing or wrong admin token'),
  },
});

export const detailRoute = createRoute({
  method: 'get',
  path: '/api/v1/admin/orders/{orderId}',
  tags,
  security,
  request: { params: OrderIdParam },
  responses: {
    200: jsonContent(z.object({}).loose().openapi('AdminOrderDetail'), 'The order with its items, timeline, payment, webhook events, refunds, emails and workflow links'),
    401: errorResponse('Missing or wrong admin token'),
    404: errorResponse('No such order'),
  },
});

export const cancelRoute = createRoute({
  method: 'post',
  path: '/api/v1/admin/orders/{orderId}/cancel',
  tags,
  security,
  request: { params: OrderIdParam, body: jsonBody(z.object({ reason: z.string().max(500).optional() }).strict(), false) },
  responses: {
    200: jsonContent(z.object({ orderId: z.string(), status: OrderStatusSchema }), 'Cancelled'),
    401: errorResponse('Missing or wrong admin token'),
    404: errorResponse('No such order'),
    409: errorResponse('Paid, being paid, or closed'),
  },
});

const RefundBody = z
  .object({
    amount: z.number().int().min(1).max(MAX_MINOR_UNITS).optional().openapi({ description: 'Minor units; default: the listed items, or everything left' }),
    packageIds: z.array(z.string().uuid()).min(1).max(50).optional().openapi({ description: 'Order items to refund; their access is revoked (a bundle: its children)' }),
    reason: z.string().min(1).max(500),
  })
  .strict()
  .openapi('RefundRequest');

const RefundView = z
  .object({ refundId: z.string().uuid(), seq: z.number().int(), amount: MoneySchema, packageIds: z.array(z.string()), status: z.enum(REFUND_STATUSES) })
  .openapi('Refund');

export const refundRoute = createRoute({
  method: 'post',
  path: '/api/v1/admin/orders/{orderId}/refunds',
  tags,
  security,
  request: {
    params: OrderIdParam,
    headers: IdempotencyKeyHeader,
    body: jsonBody(RefundBody),
  },
  responses: {
    202: jsonContent(z.object({ refund: RefundView, workflowId: z.string(), workflowUrl: z.string() }), 'Recorded; the refund workflow revokes access, refunds at the provider and emails the customer'),
    400: errorResponse('Malformed request'),
    401: errorResponse('Missing or wrong admin token'),
    404: errorResponse('No such order'),
    409: errorResponse('Not refundable now (unpaid, held, already refunded, item refunded before)'),
    422: errorResponse('More than was paid or than the items cost, an item not in the order, or a reused Idempotency-Key'),
  },
});

export const resolveRoute = createRoute({
  method: 'post',
  path: '/api/v1/admin/orders/{orderId}/resolve',
  tags,
  security,
  request: {
    params: OrderIdParam,
    body: jsonBody(z.object({ action: z.enum(['fulfil', 'refund']), note: z.string().max(500).optional() }).strict().openapi('Resolution')),
  },
  responses: {
    200: jsonContent(
      z.object({
        orderId: z.string(),
        status: OrderStatusSchema,
        refund: RefundView.optional().openapi({ description: 'A refund still under way (the order stays HELD): a bank transfer sent back by hand waits for …/refunds/{refundId}/confirm, a provider for its answer' }),
      }),
      'Resolved: fulfilled, refunded, or HELD with the refund under way; a repeat of the same decision answers the same way',
    ),
    401: errorResponse('Missing or wrong admin token'),
    404: errorResponse('No such order'),
    409: errorResponse('Not held, held for a reason that resolves itself, or already resolved the other way (`order_already_resolved`)'),
  },
});

export const resendRoute = createRoute({
  method: 'post',
  path: '/api/v1/admin/orders/{orderId}/emails/resend',
  tags,
  security,
  request: { params: OrderIdParam },
  responses: {
    200: jsonContent(z.object({ resent: z.object({ kind: z.string(), ref: z.string() }) }), 'The newest email of the order was sent again'),
    401: errorResponse('Missing or wrong admin token'),
    404: errorResponse('No such order'),
    409: errorResponse('The order has sent no email yet'),
    422: errorResponse('The mail server refused it again'),
  },
});

const AdminWebhookEvent = z
  .object({
    provider: z.string(),
    eventId: z.string(),
    type: z.string(),
    orderId: z.string().nullable(),
    outcome: z.string().nullable().openapi({ description: 'null while the event waits for the relay' }),
    receivedAt: z.string(),
    deliveredAt: z.string().nullable().openapi({ description: 'When the relay handed it to its workflow' }),
    undelivered: z
      .object({ nextAttemptAt: z.string(), attempts: z.number().int(), lastError: z.string().nullable(), ageSeconds: z.number() })
      .nullable()
      .openapi({ description: 'Present while the event is still to be handed to its workflow' }),
    body: z.string(),
  })
  .openapi('AdminWebhookEvent');

export const eventsRoute = createRoute({
  method: 'get',
  path: '/api/v1/admin/webhook-events',
  tags,
  security,
  request: {
    query: z.object({
      outcome: z.string().optional().openapi({ example: 'unmatched' }),
      undelivered: z.enum(['true', 'false']).optional().openapi({ description: 'true: only events still waiting for the relay to hand them to their workflow, oldest first' }),
      limit: z.coerce.number().int().min(1).max(100).default(50),
    }),
  },
  responses: {
    200: jsonContent(
      z.object({
        events: z.array(AdminWebhookEvent),
        undelivered: z.object({ count: z.number().int(), oldestAgeSeconds: z.number() }).openapi({ description: 'Every event still waiting for the relay, whatever the filter' }),
      }),
      'Recorded provider events, newest first (undelivered ones oldest first)',
    ),
    401: errorResponse('Missing or wrong admin token'),
  },
});

