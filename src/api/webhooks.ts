// Provider webhooks: verify on the raw body, record once, hand to the order's workflow (or a refund workflow), then acknowledge.
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { DomainError } from '../domain/errors.js';
import { findEventOrder } from '../db/orders.js';
import { recordWebhookEvent, setWebhookOutcome } from '../db/webhookEvents.js';
import { isStaleEvent, PROVIDERS, type ProviderName } from '../domain/orders.js';
import type { WebhookOutcome } from '../observability/metrics.js';
import type { VerifiedWebhook } from '../payments/provider.js';
import { orderWorkflowId } from '../workflows/definitions.js';
import type { ApiDeps } from './deps.js';
import { deliverDisputeWon, deliverPayment, deliverProviderRefund, deliverRefundUpdate } from './delivery.js';
import { errorResponse, isPostgresDown, ServiceUnavailable } from './errors.js';
import { newRouter, type AppEnv } from './router.js';
import { jsonBody, jsonContent } from './schemas.js';

/**
 * signalled: handed to the order; refund_started / refund_updated / dispute_won: handed to a refund's workflow;
 * stale: says less than the order already knows (payment state only moves forward), recorded and not acted on.
 */
const OUTCOMES = ['signalled', 'refund_started', 'refund_updated', 'dispute_won', 'stale', 'duplicate', 'ignored', 'unmatched'] as const;
/** Outcomes that reached a workflow: the row's delivery time is stamped. */
const DELIVERED: readonly string[] = ['signalled', 'refund_started', 'refund_updated', 'dispute_won'];
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

// Documented by hand: a body validator would parse (and re-serialise) the JSON before the signature is checked.
const webhookDoc = {
  method: 'post' as const,
  path: '/api/v1/webhooks/{provider}',
  tags: ['webhooks'],
  description:
    'Payment provider events (stripe, payu, paypal, postfinance, sandbox). The signature is verified over the exact bytes received: Stripe-Signature, OpenPayu-Signature, PAYPAL-TRANSMISSION-SIG with its certificate, X-Signature (ECDSA), Sandbox-Signature.',
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
    const count = (outcome: WebhookOutcome) => deps.metrics.webhooks.inc({ provider: name, outcome });
    const hook = await provider.verifyWebhook(rawBody, (h) => c.req.header(h)).catch((err: unknown) => {
      // A bad signature or a body that is no event of this provider: a spike means an attack or a rotated secret.
      count(err instanceof DomainError && err.kind === 'bad_request' ? 'refused' : 'failed');
      throw err;
    });
    try {
      return await handleVerified(c, hook, rawBody, count);
    } catch (err) {
      count('failed');
      throw err;
    }
  });

  async function handleVerified(c: Context<AppEnv>, hook: VerifiedWebhook, rawBody: string, count: (outcome: WebhookOutcome) => void) {
    const name = c.req.param('provider') as ProviderName;
    const log = c.get('log').child({ provider: name, eventId: hook.eventId, eventType: hook.eventType, orderId: hook.orderId, workflowId: hook.orderId && orderWorkflowId(hook.orderId) });
    const recorded = await orUnavailable(
      recordWebhookEvent(sql, { provider: name, eventId: hook.eventId, eventType: hook.eventType, orderId: hook.orderId ?? null, rawBody }),
      'The event could not be recorded; retry later.',
    );
    const ack = (outcome: Outcome, status: 200 | 202 = 200) => {
      count(outcome);
      return c.json({ received: true as const, outcome }, status);
    };
    if (recorded.outcome) return ack('duplicate');
    const setOutcome = (outcome: Outcome) => setWebhookOutcome(sql, name, hook.eventId, outcome, DELIVERED.includes(outcome));
    if (!hook.event && !hook.refund && !hook.refundUpdate) {
      await setOutcome('ignored');
      return ack('ignored');
    }
    const ref = hook.event ?? hook.refund ?? hook.refundUpdate;
    const order = await orUnavailable(findEventOrder(sql, name, { orderId: ref?.orderId, paymentId: ref?.paymentId }), 'The event could not be matched to its order; retry later.');
    if (!order) {
      // Money for no order of ours is kept on record for operators (GET /api/v1/admin/webhook-events?outcome=unmatched).
      await setOutcome('unmatched');
      log.warn('webhook names no known order; kept for operators');
      return ack('unmatched', 202);
    }
    if (hook.event && isStale(hook, order)) {
      await setOutcome('stale');
      log.info({ kind: hook.event.kind, status: order.status }, 'stale webhook recorded, not acted on');
      return ack('stale');
    }
    // Not yet handed over (new, or an earlier delivery failed to): do it now. Workflows ignore repeats.
    let outcome: Outcome;
    try {
      outcome = await deliver(deps, name, order.orderId, hook);
    } catch (err) {
      if (err instanceof ServiceUnavailable) throw err;
      log.warn({ err }, 'webhook recorded but not delivered to its workflow; answering 503 so the provider retries');
      throw new ServiceUnavailable('event_not_signalled', 'The event was recorded but could not be delivered to its order; retry later.');
    }
    await setOutcome(outcome);
    log.info({ kind: hook.event?.kind ?? hook.refund?.kind ?? hook.refundUpdate?.status, fresh: recorded.fresh }, `webhook ${outcome}`);
    return ack(outcome);
  }
  return router;
}

/**
 * Less than the order already knows (PENDING after COMPLETED, an approval after it closed), or about a session the
 * order has left behind (a provider's earlier, abandoned attempt): recorded, never acted on. A payment is never stale.
 */
function isStale(hook: VerifiedWebhook, order: { status: Parameters<typeof isStaleEvent>[1]; sessionId: string | null }): boolean {
  const event = hook.event!;
  if (isStaleEvent(event.kind, order.status)) return true;
  return event.kind !== 'succeeded' && Boolean(event.sessionId && order.sessionId && event.sessionId !== order.sessionId);
}

async function deliver(deps: ApiDeps, provider: ProviderName, orderId: string, hook: VerifiedWebhook): Promise<Outcome> {
  if (hook.event) {
    await deliverPayment(deps, { ...hook.event, orderId });
    return 'signalled';
  }
  if (hook.refundUpdate) return deliverRefundUpdate(deps, provider, orderId, hook.refundUpdate);
  const notice = hook.refund!;
  if (notice.kind === 'dispute_won') {
    await deliverDisputeWon(deps, orderId, notice);
    return 'dispute_won';
  }
  await deliverProviderRefund(deps, provider, orderId, notice);
  return 'refund_started';
}
