// The operators' API handlers: each reads the validated request, calls the database or a workflow, and answers.
import type { RouteHandler } from '@hono/zod-openapi';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { createHash, randomUUID } from 'node:crypto';
import { listOrders, orderDetail, type PagePosition } from '../../db/admin.js';
import { getOrder } from '../../db/orders.js';
import { refundByKey, toRefundRecord } from '../../db/refunds.js';
import { listWebhookEvents, undeliveredSummary } from '../../db/webhookEvents.js';
import { DomainError } from '../../domain/errors.js';
import { isUuid } from '../../domain/orders.js';
import { emailResendWorkflowId, orderWorkflowId, orderWorkflowsQuery, resolveUpdate } from '../../workflows/definitions.js';
import type { resendEmailWorkflow } from '../../workflows/email.js';
import { orderRunSummary } from '../../workflows/summaries.js';
import type { ApiDeps } from '../deps.js';
import { ServiceUnavailable } from '../errors.js';
import { cancelOrder } from '../orders.js';
import { requestRefund } from '../refunds.js';
import type { AppEnv } from '../router.js';
import { withinUpdateDeadline } from '../updates.js';
import type { cancelRoute, detailRoute, eventsRoute, listRoute, refundRoute, resendRoute, resolveRoute } from './routes.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function encodeCursor(at: PagePosition) {
  return Buffer.from(`${at.createdAt}|${at.id}`).toString('base64url');
}

function decodeCursor(cursor: string): PagePosition {
  const [createdAt, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!createdAt || !isUuid(id) || Number.isNaN(Date.parse(createdAt))) throw new DomainError('invalid_cursor', 'The cursor is not one this API gave out.', 'unprocessable');
  return { createdAt, id };
}

export function adminHandlers(deps: ApiDeps) {
  const { sql, temporal, temporalUi } = deps;
  const workflows = `${temporalUi.url}/namespaces/${encodeURIComponent(temporalUi.namespace)}/workflows`;
  const workflowUrl = (workflowId: string) => `${workflows}/${encodeURIComponent(workflowId)}`;

  async function requireOrder(orderId: string) {
    const order = await getOrder(sql, orderId);
    if (!order) throw new DomainError('order_not_found', 'No such order.', 'not_found');
    return order;
  }

  const list: RouteHandler<typeof listRoute, AppEnv> = async (c) => {
    const { cursor, ...q } = c.req.valid('query');
    const { orders, next } = await listOrders(sql, { ...q, after: cursor ? decodeCursor(cursor) : undefined });
    return c.json({ orders, nextCursor: next ? encodeCursor(next) : null }, 200);
  };

  const detail: RouteHandler<typeof detailRoute, AppEnv> = async (c) => {
    const order = await requireOrder(c.req.valid('param').orderId);
    const workflowId = orderWorkflowId(order.orderId);
    const allUrl = `${workflows}?query=${encodeURIComponent(orderWorkflowsQuery(order.orderId))}`;
    return c.json({ ...(await orderDetail(sql, order)), workflow: { workflowId, url: workflowUrl(workflowId), allUrl } }, 200);
  };

  const cancel: RouteHandler<typeof cancelRoute, AppEnv> = async (c) => {
    const body = c.req.valid('json') ?? {};
    const done = await cancelOrder(deps, c.req.valid('param').orderId, { by: 'operator', reason: body.reason });
    return c.json({ orderId: done.orderId, status: done.status }, 200);
  };

  const refund: RouteHandler<typeof refundRoute, AppEnv> = async (c) => {
    const { orderId } = c.req.valid('param');
    const body = c.req.valid('json');
    await requireOrder(orderId);
    const key = sha256(c.req.valid('header')['idempotency-key']).slice(0, 32);
    const fingerprint = sha256(JSON.stringify({ amount: body.amount ?? null, packageIds: [...new Set(body.packageIds ?? [])].sort(), reason: body.reason }));
    const { refund, workflowId } = await requestRefund(deps, { orderId, key: `operator:${key}`, source: 'operator', reason: 'requested', note: body.reason, amount: body.amount, packageIds: body.packageIds, fingerprint });
    if (!refund) throw new DomainError('order_fully_refunded', 'Nothing is left to refund.', 'conflict');
    c.get('log').info({ orderId, workflowId, refundId: refund.refundId, amount: refund.amount }, 'refund accepted');
    return c.json({ refund, workflowId, workflowUrl: workflowUrl(workflowId) }, 202);
  };

  const resolve: RouteHandler<typeof resolveRoute, AppEnv> = async (c) => {
    const { orderId } = c.req.valid('param');
    const order = await requireOrder(orderId);
    const notHeld = () => new DomainError('order_not_held', `Order ${order.orderNumber} is ${order.status}; only a held order can be resolved.`, 'conflict', { status: order.status });
    if (order.status !== 'HELD') throw notHeld();
    try {
      const handle = temporal.workflow.getHandle(orderWorkflowId(orderId));
      const state = await withinUpdateDeadline(temporal, deps.updateDeadlineMs, () => handle.executeUpdate(resolveUpdate, { args: [c.req.valid('json')] }));
      // Still held: the refund waits for the provider or for the operator's own transfer back, which they confirm by its id.
      const row = state.status === 'HELD' ? await refundByKey(sql, orderId, 'held_payment') : undefined;
      if (!row) return c.json({ orderId, status: state.status }, 200);
      const { refundId, seq, amount, packageIds, status } = toRefundRecord(row);
      return c.json({ orderId, status: state.status, refund: { refundId, seq, amount, packageIds, status } }, 200);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      throw notHeld();
    }
  };

  const resend: RouteHandler<typeof resendRoute, AppEnv> = async (c) => {
    const { orderId } = c.req.valid('param');
    const order = await requireOrder(orderId);
    let resent: Awaited<ReturnType<typeof resendEmailWorkflow>>;
    try {
      resent = await temporal.workflow.execute<typeof resendEmailWorkflow>('resendEmailWorkflow', {
        workflowId: emailResendWorkflowId(orderId, randomUUID()),
        taskQueue: deps.taskQueue,
        args: [{ orderId }],
        ...orderRunSummary('operator resends the newest email', order),
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
  };

  const events: RouteHandler<typeof eventsRoute, AppEnv> = async (c) => {
    const { undelivered, ...query } = c.req.valid('query');
    const [events, waiting] = await Promise.all([listWebhookEvents(sql, { ...query, undelivered: undelivered === 'true' }), undeliveredSummary(sql)]);
    return c.json({ events, undelivered: waiting }, 200);
  };

  return { list, detail, cancel, refund, resolve, resend, events };
}
