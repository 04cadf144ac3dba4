// Provider webhooks: verify on the raw body, record once, signal the order's workflow, then acknowledge.
import { z } from '@hono/zod-openapi';
import { WorkflowNotFoundError } from '@temporalio/common';
import { DomainError } from '../domain/errors.js';
import { orderWorkflowId, PROVIDERS, type ProviderName } from '../domain/orders.js';
import type { VerifiedWebhook } from '../payments/provider.js';
import { paymentSignal } from '../workflows/definitions.js';
import type { ApiDeps } from './deps.js';
import { errorResponse, isPostgresDown, ServiceUnavailable } from './errors.js';
import { newRouter } from './router.js';

const Ack = z.object({ received: z.literal(true), outcome: z.enum(['signalled', 'duplicate', 'ignored', 'order_closed']) }).openapi('WebhookAck');
type Outcome = z.infer<typeof Ack>['outcome'];

type Recorded = { fresh: boolean; outcome: string | null };

async function record(sql: ApiDeps['sql'], provider: ProviderName, hook: VerifiedWebhook, rawBody: string): Promise<Recorded> {
  try {
    const inserted = await sql`
      INSERT INTO webhook_events (provider, event_id, event_type, order_id, raw_body)
      VALUES (${provider}, ${hook.eventId}, ${hook.eventType}, ${hook.orderId ?? null}, ${rawBody})
      ON CONFLICT (provider, event_id) DO NOTHING RETURNING id`;
    if (inserted.length > 0) return { fresh: true, outcome: null };
    const [row] = await sql<{ outcome: string | null }[]>`SELECT outcome FROM webhook_events WHERE provider = ${provider} AND event_id = ${hook.eventId}`;
    return { fresh: false, outcome: row?.outcome ?? null };
  } catch (err) {
    if (isPostgresDown(err)) throw new ServiceUnavailable('event_not_recorded', 'The event could not be recorded; retry later.');
    throw err;
  }
}

export function webhookRoutes({ sql, temporal, payments }: ApiDeps) {
  const router = newRouter();
  // Documented by hand: a body validator would parse (and re-serialise) the JSON before the signature is checked.
  router.openAPIRegistry.registerPath({
    method: 'post',
    path: '/api/v1/webhooks/{provider}',
    tags: ['webhooks'],
    description: 'Payment provider events. The signature is verified over the exact bytes received (Stripe-Signature or Sandbox-Signature).',
    request: { params: z.object({ provider: z.enum(PROVIDERS) }), body: { content: { 'application/json': { schema: z.object({}).loose() } } } },
    responses: {
      200: { content: { 'application/json': { schema: Ack } }, description: 'Recorded (and signalled, when the order acts on it)' },
      202: { content: { 'application/json': { schema: Ack } }, description: 'Recorded; the order is closed and an operator reconciles it' },
      400: errorResponse('Missing or invalid signature, or not an event of this provider; nothing recorded'),
      404: errorResponse('Unknown or disabled provider'),
      503: errorResponse('Could not record or signal; the provider should retry'),
    },
  });

  router.post('/api/v1/webhooks/:provider', async (c) => {
    const name = c.req.param('provider') as ProviderName;
    const provider = payments[name];
    if (!provider) throw new DomainError('provider_not_found', `No enabled payment provider is called ${name}.`, 'not_found');
    const rawBody = await c.req.text();
    const hook = provider.verifyWebhook(rawBody, (h) => c.req.header(h));
    const log = c.get('log').child({ provider: name, eventId: hook.eventId, eventType: hook.eventType, orderId: hook.orderId, workflowId: hook.orderId && orderWorkflowId(hook.orderId) });

    const recorded = await record(sql, name, hook, rawBody);
    const ack = (outcome: Outcome, status: 200 | 202 = 200) => c.json({ received: true as const, outcome }, status);
    if (recorded.outcome) return ack('duplicate');
    if (!hook.event) {
      await sql`UPDATE webhook_events SET outcome = 'ignored' WHERE provider = ${name} AND event_id = ${hook.eventId}`;
      return ack('ignored');
    }
    // Not yet signalled (new, or an earlier delivery failed to signal): signal now. The workflow ignores repeats.
    try {
      await temporal.workflow.getHandle(orderWorkflowId(hook.event.orderId)).signal(paymentSignal, hook.event);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) {
        log.warn({ err }, 'webhook recorded but not signalled; answering 503 so the provider retries');
        throw new ServiceUnavailable('event_not_signalled', 'The event was recorded but could not be delivered to its order; retry later.');
      }
      await sql`UPDATE webhook_events SET outcome = 'order_closed' WHERE provider = ${name} AND event_id = ${hook.eventId}`;
      log.warn('webhook for an order whose workflow is closed or unknown; kept for reconciliation');
      return ack('order_closed', 202);
    }
    await sql`UPDATE webhook_events SET outcome = 'signalled', signalled_at = now() WHERE provider = ${name} AND event_id = ${hook.eventId}`;
    log.info({ kind: hook.event.kind, fresh: recorded.fresh }, 'webhook signalled');
    return ack('signalled');
  });
  return router;
}
