// The operators' API (bearer ADMIN_TOKEN): find and inspect orders, and cancel, refund, resolve or re-send through workflows.
import { createRoute, z } from '@hono/zod-openapi';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { toRefundRecord } from '../activities/refunds.js';
import { getOrder } from '../db/orders.js';
import { DomainError } from '../domain/errors.js';
import { isUuid, orderWorkflowId, type OrderStatus } from '../domain/orders.js';
import { resolveUpdate } from '../workflows/definitions.js';
import type { resendEmailWorkflow } from '../workflows/email.js';
import type { ApiDeps } from './deps.js';
import { errorResponse, ServiceUnavailable } from './errors.js';
import { cancelOrder } from './orders.js';
import { requestRefund } from './refunds.js';
import { newRouter } from './router.js';
import { MoneySchema, OrderStatusSchema } from './schemas.js';

const security = [{ adminBearer: [] }];
const tags = ['admin'];
const OrderIdParam = z.object({ orderId: z.string().uuid() });
const digest = (s: string) => createHash('sha256').update(s).digest();

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
  from: z.string().datetime({ offset: true }).optional().openapi({ description: 'Created at or after (ISO 8601)' }),
  to: z.string().datetime({ offset: true }).optional().openapi({ description: 'Created before (ISO 8601)' }),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().optional().openapi({ description: 'nextCursor of the previous page' }),
});

const listRoute = createRoute({
  method: 'get',
  path: '/api/v1/admin/orders',
  tags,
  security,
  request: { query: ListQuery },
  responses: {
    200: { content: { 'application/json': { schema: z.object({ orders: z.array(OrderRow), nextCursor: z.string().nullable() }) } }, description: 'Newest first' },
    400: errorResponse('Bad filter or cursor'),
    401: errorResponse('Missing or wrong admin token'),
  },
});

const detailRoute = createRoute({
  method: 'get',
  path: '/api/v1/admin/orders/{orderId}',
  tags,
  security,
  request: { params: OrderIdParam },
  responses: {
    200: { content: { 'application/json': { schema: z.object({}).loose().openapi('AdminOrderDetail') } }, description: 'The order with its items, timeline, payment, webhook events, refunds, emails and workflow links' },
    401: errorResponse('Missing or wrong admin token'),
    404: errorResponse('No such order'),
  },
});

const cancelRoute = createRoute({
  method: 'post',
  path: '/api/v1/admin/orders/{orderId}/cancel',
  tags,
  security,
  request: { params: OrderIdParam, body: { content: { 'application/json': { schema: z.object({ reason: z.string().max(500).optional() }).strict() } }, required: false } },
  responses: {
    200: { content: { 'application/json': { schema: z.object({ orderId: z.string(), status: OrderStatusSchema }) } }, description: 'Cancelled' },
    401: errorResponse('Missing or wrong admin token'),
    404: errorResponse('No such order'),
    409: errorResponse('Paid, being paid, or closed'),
  },
});

const RefundBody = z
  .object({
    amount: z.number().int().positive().optional().openapi({ description: 'Minor units; default: the listed items, or everything left' }),
    packageIds: z.array(z.string().uuid()).min(1).max(50).optional().openapi({ description: 'Order items to refund; their access is revoked (a bundle: its children)' }),
    reason: z.string().min(1).max(500),
  })
  .strict()
  .openapi('RefundRequest');

const RefundView = z
  .object({ refundId: z.string().uuid(), seq: z.number().int(), amount: MoneySchema, packageIds: z.array(z.string()), status: z.enum(['pending', 'succeeded']) })
  .openapi('Refund');

const refundRoute = createRoute({
  method: 'post',
  path: '/api/v1/admin/orders/{orderId}/refunds',
  tags,
  security,
  request: {
    params: OrderIdParam,
    headers: z.object({ 'idempotency-key': z.string().min(8).max(255).regex(/^[\x21-\x7e]+$/) }),
    body: { content: { 'application/json': { schema: RefundBody } }, required: true },
  },
  responses: {
    202: { content: { 'application/json': { schema: z.object({ refund: RefundView, workflowId: z.string(), workflowUrl: z.string() }) } }, description: 'Recorded; the refund workflow revokes access, refunds at the provider and emails the customer' },
    400: errorResponse('Malformed request'),
    401: errorResponse('Missing or wrong admin token'),
    404: errorResponse('No such order'),
    409: errorResponse('Not refundable now (unpaid, held, already refunded, item refunded before)'),
    422: errorResponse('More than was paid or than the items cost, an item not in the order, or a reused Idempotency-Key'),
  },
});

const resolveRoute = createRoute({
  method: 'post',
  path: '/api/v1/admin/orders/{orderId}/resolve',
  tags,
  security,
  request: {
    params: OrderIdParam,
    body: { content: { 'application/json': { schema: z.object({ action: z.enum(['fulfil', 'refund']), note: z.string().max(500).optional() }).strict().openapi('Resolution') } }, required: true },
  },
  responses: {
    200: { content: { 'application/json': { schema: z.object({ orderId: z.string(), status: OrderStatusSchema }) } }, description: 'Resolved: fulfilled or refunded' },
    401: errorResponse('Missing or wrong admin token'),
    404: errorResponse('No such order'),
    409: errorResponse('Not held, or held for a reason that resolves itself'),
  },
});

const resendRoute = createRoute({
  method: 'post',
  path: '/api/v1/admin/orders/{orderId}/emails/resend',
  tags,
  security,
  request: { params: OrderIdParam },
  responses: {
    200: { content: { 'application/json': { schema: z.object({ resent: z.object({ kind: z.string(), ref: z.string() }) }) } }, description: 'The newest email of the order was sent again' },
    401: errorResponse('Missing or wrong admin token'),
    404: errorResponse('No such order'),
    409: errorResponse('The order has sent no email yet'),
    422: errorResponse('The mail server refused it again'),
  },
});

const eventsRoute = createRoute({
  method: 'get',
  path: '/api/v1/admin/webhook-events',
  tags,
  security,
  request: { query: z.object({ outcome: z.string().optional().openapi({ example: 'unmatched' }), limit: z.coerce.number().int().min(1).max(100).default(50) }) },
  responses: {
    200: { content: { 'application/json': { schema: z.object({ events: z.array(z.object({}).loose()) }) } }, description: 'Recorded provider events, newest first' },
    401: errorResponse('Missing or wrong admin token'),
  },
});

function encodeCursor(createdAt: string, id: string) {
  return Buffer.from(`${createdAt}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const [createdAt, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!createdAt || !isUuid(id) || Number.isNaN(Date.parse(createdAt))) throw new DomainError('invalid_cursor', 'The cursor is not one this API gave out.', 'bad_request');
  return { createdAt, id };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function adminRoutes(deps: ApiDeps) {
  const { sql, temporal, temporalUi } = deps;
  const router = newRouter();
  const workflowUrl = (workflowId: string) => `${temporalUi.url}/namespaces/${encodeURIComponent(temporalUi.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  const expected = deps.adminToken ? digest(deps.adminToken) : undefined;

  router.openAPIRegistry.registerComponent('securitySchemes', 'adminBearer', { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' });
  router.use('/api/v1/admin/*', async (c, next) => {
    const given = /^Bearer (.+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    // Hashing first makes the comparison constant-time whatever the lengths.
    if (!expected || !given || !timingSafeEqual(digest(given), expected)) {
      c.header('WWW-Authenticate', 'Bearer realm="admin"');
      const message = expected ? 'A valid admin bearer token is required.' : 'The admin API is disabled: set ADMIN_TOKEN.';
      return c.json({ error: { code: 'unauthorized', message } }, 401);
    }
    return next();
  });

  async function requireOrderRow(orderId: string) {
    const order = await getOrder(sql, orderId);
    if (!order) throw new DomainError('order_not_found', 'No such order.', 'not_found');
    return order;
  }

  router.openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    const rows = await sql`
      -- Microseconds in the cursor, so orders created in the same millisecond are not skipped between pages.
      SELECT *, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at FROM orders WHERE true
        ${q.status ? sql`AND status = ${q.status}` : sql``}
        ${q.email ? sql`AND email = ${q.email.toLowerCase()}` : sql``}
        ${q.orderNumber ? sql`AND order_number = ${q.orderNumber.toUpperCase()}` : sql``}
        ${q.from ? sql`AND created_at >= ${q.from}` : sql``}
        ${q.to ? sql`AND created_at < ${q.to}` : sql``}
        ${after ? sql`AND (created_at, id) < (${after.createdAt}::timestamptz, ${after.id}::uuid)` : sql``}
      ORDER BY created_at DESC, id DESC LIMIT ${q.limit + 1}`;
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return c.json(
      {
        orders: page.map((o) => ({
          orderId: o.id,
          orderNumber: o.order_number,
          status: o.status as OrderStatus,
          email: o.email,
          customerName: o.customer_name,
          provider: o.provider,
          total: { amount: o.total_amount, currency: o.currency },
          heldReason: o.held_reason,
          createdAt: o.created_at.toISOString(),
          updatedAt: o.updated_at.toISOString(),
        })),
        nextCursor: rows.length > q.limit && last ? encodeCursor(last.cursor_at, last.id) : null,
      },
      200,
    );
  });

  router.openapi(detailRoute, async (c) => {
    const order = await requireOrderRow(c.req.valid('param').orderId);
    const id = order.orderId;
    const [row] = await sql`SELECT held_reason, paid_amount, paid_currency, paid_at, updated_at FROM orders WHERE id = ${id}`;
    const [events, hooks, refunds, emails, enrollments] = await Promise.all([
      sql`SELECT from_status, to_status, cause, details, created_at FROM order_events WHERE order_id = ${id} ORDER BY id`,
      sql`SELECT provider, event_id, event_type, outcome, received_at, signalled_at FROM webhook_events WHERE order_id = ${id} ORDER BY id`,
      sql`SELECT * FROM refunds WHERE order_id = ${id} ORDER BY seq`,
      sql`SELECT kind, ref, recipient, status, attempts, last_error, sent_at, created_at FROM sent_emails WHERE order_id = ${id} ORDER BY id`,
      sql`SELECT e.package_id, p.title, e.status, e.granted_at, e.revoked_at FROM enrollments e JOIN packages p ON p.id = e.package_id WHERE e.order_id = ${id} ORDER BY p.title`,
    ]);
    const workflowId = orderWorkflowId(id);
    return c.json(
      {
        order: { ...order, heldReason: row!.held_reason, createdAt: order.createdAt.toISOString(), updatedAt: iso(row!.updated_at), fingerprint: undefined },
        payment: { provider: order.provider, sessionId: order.sessionId, paymentId: order.paymentId, paid: row!.paid_amount == null ? null : { amount: row!.paid_amount, currency: row!.paid_currency }, paidAt: iso(row!.paid_at) },
        timeline: events.map((e) => ({ at: e.created_at.toISOString(), from: e.from_status, to: e.to_status, cause: e.cause, details: e.details })),
        webhookEvents: hooks.map((h) => ({ provider: h.provider, eventId: h.event_id, type: h.event_type, outcome: h.outcome, receivedAt: iso(h.received_at), deliveredAt: iso(h.signalled_at) })),
        refunds: refunds.map((r) => ({ ...toRefundRecord(r as never), note: r.note, completedAt: iso(r.completed_at) })),
        emails: emails.map((e) => ({ kind: e.kind, ref: e.ref, recipient: e.recipient, status: e.status, attempts: e.attempts, lastError: e.last_error, sentAt: iso(e.sent_at) })),
        enrollments: enrollments.map((e) => ({ packageId: e.package_id, title: e.title, status: e.status, grantedAt: iso(e.granted_at), revokedAt: iso(e.revoked_at) })),
        workflow: {
          workflowId,
          url: workflowUrl(workflowId),
          // Every workflow of this order (its runs, refunds, resends) in one Temporal UI list.
          allUrl: `${temporalUi.url}/namespaces/${encodeURIComponent(temporalUi.namespace)}/workflows?query=${encodeURIComponent(`WorkflowId STARTS_WITH "order-${id}" OR WorkflowId STARTS_WITH "refund-${id}" OR WorkflowId STARTS_WITH "email-${id}"`)}`,
        },
      },
      200,
    );
  });

  router.openapi(cancelRoute, async (c) => {
    const body = c.req.valid('json') ?? {};
    const done = await cancelOrder(deps, c.req.valid('param').orderId, { by: 'operator', reason: body.reason });
    return c.json({ orderId: done.orderId, status: done.status }, 200);
  });

  router.openapi(refundRoute, async (c) => {
    const { orderId } = c.req.valid('param');
    const body = c.req.valid('json');
    await requireOrderRow(orderId);
    const key = createHash('sha256').update(c.req.valid('header')['idempotency-key']).digest('hex').slice(0, 32);
    const fingerprint = createHash('sha256').update(JSON.stringify({ amount: body.amount ?? null, packageIds: [...new Set(body.packageIds ?? [])].sort(), reason: body.reason })).digest('hex');
    const { refund, workflowId } = await requestRefund(deps, { orderId, key: `operator:${key}`, source: 'operator', reason: 'requested', note: body.reason, amount: body.amount, packageIds: body.packageIds, fingerprint });
    if (!refund) throw new DomainError('order_fully_refunded', 'Nothing is left to refund.', 'conflict');
    c.get('log').info({ orderId, workflowId, refundId: refund.refundId, amount: refund.amount }, 'refund accepted');
    return c.json({ refund, workflowId, workflowUrl: workflowUrl(workflowId) }, 202);
  });

  router.openapi(resolveRoute, async (c) => {
    const { orderId } = c.req.valid('param');
    const order = await requireOrderRow(orderId);
    const notHeld = () => new DomainError('order_not_held', `Order ${order.orderNumber} is ${order.status}; only a held order can be resolved.`, 'conflict', { status: order.status });
    if (order.status !== 'HELD') throw notHeld();
    try {
      const state = await temporal.workflow.getHandle(orderWorkflowId(orderId)).executeUpdate(resolveUpdate, { args: [c.req.valid('json')] });
      return c.json({ orderId, status: state.status }, 200);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      throw notHeld();
    }
  });

  router.openapi(resendRoute, async (c) => {
    const { orderId } = c.req.valid('param');
    await requireOrderRow(orderId);
    let resent: Awaited<ReturnType<typeof resendEmailWorkflow>>;
    try {
      resent = await temporal.workflow.execute<typeof resendEmailWorkflow>('resendEmailWorkflow', {
        workflowId: `email-${orderId}-${randomUUID()}`,
        taskQueue: deps.taskQueue,
        args: [{ orderId }],
      });
    } catch (err) {
      // The activity's business error (say, the mail server refused again) is the answer.
      const cause = err instanceof WorkflowFailedError && err.cause instanceof ActivityFailure ? err.cause.cause : undefined;
      if (cause instanceof ApplicationFailure && cause.type) throw cause;
      // Retries ran out (the mail server did not answer): try again later.
      if (err instanceof WorkflowFailedError) throw new ServiceUnavailable('email_unavailable', 'The mail server did not accept the email in time; try again later.');
      throw err;
    }
    if (!resent) throw new DomainError('no_email_sent', 'This order has sent no email yet.', 'conflict');
    return c.json({ resent }, 200);
  });

  router.openapi(eventsRoute, async (c) => {
    const q = c.req.valid('query');
    const rows = await sql`
      SELECT provider, event_id, event_type, order_id, outcome, received_at, raw_body FROM webhook_events
      WHERE true ${q.outcome ? sql`AND outcome = ${q.outcome}` : sql``} ORDER BY id DESC LIMIT ${q.limit}`;
    return c.json(
      { events: rows.map((r) => ({ provider: r.provider, eventId: r.event_id, type: r.event_type, orderId: r.order_id, outcome: r.outcome, receivedAt: iso(r.received_at), body: r.raw_body })) },
      200,
    );
  });

  return router;
}
