// Provider webhooks: verify on the raw body, record once with what is still to be delivered, acknowledge; the relay delivers.
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { DomainError } from '../domain/errors.js';
import { findEventOrder } from '../db/orders.js';
import type { Sql } from '../db/client.js';
import { recordAndQueueWebhookEvent } from '../db/webhookEvents.js';
import { isStaleEvent, PROVIDERS, type ProviderName } from '../domain/orders.js';
import type { WebhookOutcome } from '../observability/metrics.js';
import { enabledProvider } from '../payments/index.js';
import type { VerifiedWebhook } from '../payments/provider.js';
import { orderWorkflowId } from '../workflows/definitions.js';
import type { ApiDeps } from './deps.js';
import { errorResponse, isPostgresDown, ServiceUnavailable } from './errors.js';
import { newRouter, type AppEnv } from './router.js';
import { jsonBody, jsonContent } from './schemas.js';
import type { Delivery } from './webhookRelay.js';

/**
 * queued: recorded with the delivery its workflow is still to get; the relay (webhookRelay.ts) hands it over.
 * stale: says less than the order already knows (payment state only moves forward), recorded and not acted on.
 * duplicate: recorded before (whatever became of it); ignored: no event we act on; unmatched: names no order of ours.
 */
const OUTCOMES = ['queued', 'stale', 'duplicate', 'ignored', 'unmatched'] as const;
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
    200: jsonContent(Ack, 'Recorded; when the order acts on it, it is handed to its workflow after this answer (outcome queued)'),
    202: jsonContent(Ack, 'Recorded; it names no order of ours, so an operator looks at it'),
    400: errorResponse('Missing or invalid signature, or not an event of this provider; nothing recorded'),
    404: errorResponse('Unknown or disabled provider'),
    503: errorResponse('Could not record the event (database unavailable); the provider should retry'),
  },
};

export function webhookRoutes(deps: ApiDeps) {
  const { sql, payments } = deps;
  const router = newRouter();
  router.openAPIRegistry.registerPath(webhookDoc);

  router.post('/api/v1/webhooks/:provider', async (c) => {
    const name = c.req.param('provider') as ProviderName;
    const provider = enabledProvider(payments, name);
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

  /** Decides what PostgreSQL alone can decide, then records the event and that decision in one statement. */
  async function handleVerified(c: Context<AppEnv>, hook: VerifiedWebhook, rawBody: string, count: (outcome: WebhookOutcome) => void) {
    const name = c.req.param('provider') as ProviderName;
    const log = c.get('log').child({ provider: name, eventId: hook.eventId, eventType: hook.eventType, orderId: hook.orderId, workflowId: hook.orderId && orderWorkflowId(hook.orderId) });
    const decision = await orUnavailable(decide(sql, name, hook), 'The event could not be matched to its order; retry later.');
    const recorded = await orUnavailable(
      recordAndQueueWebhookEvent(sql, { provider: name, eventId: hook.eventId, eventType: hook.eventType, orderId: hook.orderId ?? null, rawBody, taskQueue: deps.taskQueue, ...decision }),
      'The event could not be recorded; retry later.',
    );
    const outcome: Outcome = !recorded.fresh ? 'duplicate' : 'outcome' in decision ? decision.outcome : 'queued';
    count(outcome);
    // Money for no order of ours is kept on record for operators (GET /api/v1/admin/webhook-events?outcome=unmatched).
    if (outcome === 'unmatched') log.warn('webhook names no known order; kept for operators');
    else log.info({ kind: hook.event?.kind ?? hook.refund?.kind ?? hook.refundUpdate?.status }, `webhook ${outcome}`);
    return c.json({ received: true as const, outcome }, outcome === 'unmatched' ? 202 : 200);
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

/** The outcome when nothing is left to do, or the delivery the relay is to make. */
async function decide(sql: Sql, provider: ProviderName, hook: VerifiedWebhook): Promise<{ outcome: 'ignored' | 'unmatched' | 'stale' } | { delivery: Delivery }> {
  const ref = hook.event ?? hook.refund ?? hook.refundUpdate;
  if (!ref) return { outcome: 'ignored' };
  const order = await findEventOrder(sql, provider, { orderId: ref.orderId, paymentId: ref.paymentId });
  if (!order) return { outcome: 'unmatched' };
  const { orderId } = order;
  if (hook.event) return isStale(hook, order) ? { outcome: 'stale' } : { delivery: { orderId, event: { ...hook.event, orderId } } };
  return { delivery: hook.refund ? { orderId, refund: hook.refund } : { orderId, refundUpdate: hook.refundUpdate! } };
}
