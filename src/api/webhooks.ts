// Provider webhooks: verify on the raw body, record once, hand to the order's workflow (or a refund workflow), then acknowledge.
import { z } from '@hono/zod-openapi';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { DomainError } from '../domain/errors.js';
import { findOrderId } from '../db/orders.js';
import { recordWebhookEvent, setWebhookOutcome } from '../db/webhookEvents.js';
import { PROVIDERS, type PaymentEvent, type ProviderName } from '../domain/orders.js';
import type { RefundNotice } from '../payments/provider.js';
import { orderWorkflowId, paymentSignal, type ResumeInput } from '../workflows/definitions.js';
import type { orderWorkflow } from '../workflows/order.js';
import type { ApiDeps } from './deps.js';
import { errorResponse, isPostgresDown, ServiceUnavailable } from './errors.js';
import { recordProviderRefund } from './refunds.js';
import { newRouter } from './router.js';
import { jsonBody, jsonContent } from './schemas.js';

const OUTCOMES = ['signalled', 'refund_started', 'duplicate', 'ignored', 'unmatched'] as const;
const Ack = z.object({ received: z.literal(true), outcome: z.enum(OUTCOMES) }).openapi('WebhookAck');
type Outcome = z.infer<typeof Ack>['outcome'];

/** A database outage while recording or matching becomes a 503, so the provider delivers the event again. */
async function orUnavailable<T>(work: Promise<T>, message: string): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (isPostgresDown(err)) throw new ServiceUnavailable('event_not_recorded', message);
    throw err;
  }
}

/**
 * Signal-with-start: a running order gets the event; an order whose run has closed (expired, cancelled, fulfilled,
 * or ended by an outage) gets a resumed run that handles it — a late payment is never lost nor silently kept.
 */
async function deliverPayment(deps: ApiDeps, event: PaymentEvent) {
  const resume: ResumeInput = { orderId: event.orderId, resume: true, events: [], ...deps.orderSettings };
  await deps.temporal.workflow.signalWithStart<typeof orderWorkflow, [PaymentEvent]>('orderWorkflow', {
    workflowId: orderWorkflowId(event.orderId),
    taskQueue: deps.taskQueue,
    args: [resume],
    signal: paymentSignal,
    signalArgs: [event],
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
  });
}

async function deliverRefund(deps: ApiDeps, provider: ProviderName, orderId: string, notice: RefundNotice) {
  const source = notice.kind === 'refund' ? 'provider' : 'dispute';
  try {
    await recordProviderRefund(deps, {
      orderId,
      key: notice.key,
      source,
      reason: source,
      note: `${provider} ${notice.kind}`,
      ...(notice.kind === 'refund' ? { providerTotal: notice.amount.amount } : { amount: notice.amount.amount }),
    });
  } catch (err) {
    // Already running for this very refund: that run records it.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

// Documented by hand: a body validator would parse (and re-serialise) the JSON before the signature is checked.
const webhookDoc = {
  method: 'post' as const,
  path: '/api/v1/webhooks/{provider}',
  tags: ['webhooks'],
  description: 'Payment provider events. The signature is verified over the exact bytes received (Stripe-Signature or Sandbox-Signature).',
  request: { params: z.object({ provider: z.enum(PROVIDERS) }), body: jsonBody(z.object({}).loose(), false) },
  responses: {
    200: jsonContent(Ack, 'Recorded (and signalled, when the order acts on it)'),
    202: jsonContent(Ack, 'Recorded; it names no order of ours, so an operator looks at it'),
    400: errorResponse('Missing or invalid signature, or not an event of this provider; nothing recorded'),
    404: errorResponse('Unknown or disabled provider'),
    503: errorResponse('Could not record or signal; the provider should retry'),
  },
};

export function webhookRoutes(deps: ApiDeps) {
  const { sql, payments } = deps;
  const router = newRouter();
  router.openAPIRegistry.registerPath(webhookDoc);

  router.post('/api/v1/webhooks/:provider', async (c) => {
    const name = c.req.param('provider') as ProviderName;
    const provider = payments[name];
    if (!provider) throw new DomainError('provider_not_found', `No enabled payment provider is called ${name}.`, 'not_found');
    const rawBody = await c.req.text();
    const hook = await provider.verifyWebhook(rawBody, (h) => c.req.header(h));
    const log = c.get('log').child({ provider: name, eventId: hook.eventId, eventType: hook.eventType, orderId: hook.orderId, workflowId: hook.orderId && orderWorkflowId(hook.orderId) });

    const recorded = await orUnavailable(
      recordWebhookEvent(sql, { provider: name, eventId: hook.eventId, eventType: hook.eventType, orderId: hook.orderId ?? null, rawBody }),
      'The event could not be recorded; retry later.',
    );
    const ack = (outcome: Outcome, status: 200 | 202 = 200) => c.json({ received: true as const, outcome }, status);
    if (recorded.outcome) return ack('duplicate');
    const setOutcome = (outcome: Outcome) => setWebhookOutcome(sql, name, hook.eventId, outcome, outcome === 'signalled' || outcome === 'refund_started');
    if (!hook.event && !hook.refund) {
      await setOutcome('ignored');
      return ack('ignored');
    }
    const orderId = await orUnavailable(
      findOrderId(sql, name, hook.event?.orderId ?? hook.refund?.orderId, hook.refund?.paymentId),
      'The event could not be matched to its order; retry later.',
    );
    if (!orderId) {
      // Money for no order of ours is kept on record for operators (GET /api/v1/admin/webhook-events?outcome=unmatched).
      await setOutcome('unmatched');
      log.warn('webhook names no known order; kept for operators');
      return ack('unmatched', 202);
    }
    // Not yet handed over (new, or an earlier delivery failed to): do it now. Workflows ignore repeats.
    try {
      if (hook.event) await deliverPayment(deps, { ...hook.event, orderId });
      else await deliverRefund(deps, name, orderId, hook.refund!);
    } catch (err) {
      log.warn({ err }, 'webhook recorded but not delivered to its workflow; answering 503 so the provider retries');
      throw new ServiceUnavailable('event_not_signalled', 'The event was recorded but could not be delivered to its order; retry later.');
    }
    const outcome = hook.event ? 'signalled' : 'refund_started';
    await setOutcome(outcome);
    log.info({ kind: hook.event?.kind ?? hook.refund?.kind, fresh: recorded.fresh }, `webhook ${outcome}`);
    return ack(outcome);
  });
  return router;
}
