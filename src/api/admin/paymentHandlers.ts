// Handlers of the operators' money routes: record the payment or the decision, then hand it to the workflow that acts on it.
import type { RouteHandler } from '@hono/zod-openapi';
import { createHash } from 'node:crypto';
import { recordManualPayment } from '../../db/manualPayments.js';
import { getOrder } from '../../db/orders.js';
import { getRefund } from '../../db/refunds.js';
import { DomainError } from '../../domain/errors.js';
import { refundOutcomeSignal, retryRefundSignal } from '../../workflows/definitions.js';
import { deliverPayment } from '../delivery.js';
import type { ApiDeps } from '../deps.js';
import type { AppEnv } from '../router.js';
import type { confirmRefundRoute, paymentRoute, retryRefundRoute } from './paymentRoutes.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function paymentHandlers(deps: ApiDeps) {
  const { sql, temporal } = deps;

  async function requireRefund(orderId: string, refundId: string) {
    const refund = await getRefund(sql, refundId);
    if (!refund || refund.order_id !== orderId || !refund.workflow_id) throw new DomainError('refund_not_found', 'No such refund of this order.', 'not_found');
    return refund as typeof refund & { workflow_id: string };
  }

  const payment: RouteHandler<typeof paymentRoute, AppEnv> = async (c) => {
    const { orderId } = c.req.valid('param');
    const body = c.req.valid('json');
    const order = await getOrder(sql, orderId);
    if (!order) throw new DomainError('order_not_found', 'No such order.', 'not_found');
    if (order.provider !== 'bank_transfer') {
      throw new DomainError('not_bank_transfer', `Order ${order.orderNumber} is paid through ${order.provider}; its provider reports the money.`, 'unprocessable');
    }
    const fingerprint = sha256(JSON.stringify({ amount: body.amount.amount, currency: body.amount.currency.toUpperCase(), reference: body.reference }));
    const key = sha256(c.req.valid('header')['idempotency-key']);
    const recorded = await recordManualPayment(sql, { orderId, key, amount: { ...body.amount, currency: body.amount.currency.toUpperCase() }, reference: body.reference, fingerprint });
    if (recorded.fingerprint !== fingerprint) throw new DomainError('idempotency_key_reused', 'This Idempotency-Key was already used for a different payment.', 'unprocessable');
    // The workflow decides: the exact amount fulfils, another holds, a repeat (same event id) changes nothing.
    await deliverPayment(deps, {
      provider: 'bank_transfer',
      eventId: `manual:${recorded.paymentId}`,
      kind: 'succeeded',
      orderId,
      sessionId: order.sessionId ?? undefined,
      paymentId: `transfer:${recorded.reference}`,
      amount: recorded.amount,
    });
    c.get('log').info({ orderId, paymentId: recorded.paymentId, amount: recorded.amount }, 'bank transfer recorded by an operator');
    const { fingerprint: _f, ...view } = recorded;
    return c.json({ payment: view, orderStatus: order.status }, 202);
  };

  const confirmRefund: RouteHandler<typeof confirmRefundRoute, AppEnv> = async (c) => {
    const { orderId, refundId } = c.req.valid('param');
    const refund = await requireRefund(orderId, refundId);
    const { note, operator } = c.req.valid('json') ?? {};
    let reason: string;
    if (refund.status === 'pending_manual') reason = `confirmed by ${operator ?? 'an operator'}${note ? `: ${note}` : ''}`;
    else if (refund.status === 'failed') {
      // The one way out of a refusal the provider will repeat: the money went back another way, and we record who says so.
      if (!operator || !note) throw new DomainError('confirmation_incomplete', 'Settling a refused refund outside the provider needs operator and note.', 'unprocessable');
      reason = `refunded outside the provider, confirmed by ${operator}: ${note}`;
    } else throw new DomainError('refund_not_manual', `This refund is ${refund.status}; only one waiting for an operator or refused by the provider can be confirmed.`, 'conflict');
    await temporal.workflow.getHandle(refund.workflow_id).signal(refundOutcomeSignal, { refundId, status: 'succeeded', reason });
    c.get('log').info({ orderId, refundId, from: refund.status, operator }, 'refund confirmed by an operator');
    return c.json({ refundId, status: 'succeeded', workflowId: refund.workflow_id }, 202);
  };

  const retryRefund: RouteHandler<typeof retryRefundRoute, AppEnv> = async (c) => {
    const { orderId, refundId } = c.req.valid('param');
    const refund = await requireRefund(orderId, refundId);
    if (refund.status !== 'failed') throw new DomainError('refund_not_failed', `This refund is ${refund.status}; only a failed one can be retried.`, 'conflict');
    await temporal.workflow.getHandle(refund.workflow_id).signal(retryRefundSignal, { refundId });
    return c.json({ refundId, status: 'pending', workflowId: refund.workflow_id }, 202);
  };

  return { payment, confirmRefund, retryRefund };
}
