// The operators' customer handlers: a customer's key for searching Temporal, and erasure on request.
import type { RouteHandler } from '@hono/zod-openapi';
import { randomUUID } from 'node:crypto';
import { customerKey } from '../../auth/customerKeys.js';
import { eraseCustomer } from '../../db/erasure.js';
import { DomainError } from '../../domain/errors.js';
import { customerWorkflowsQuery } from '../../workflows/definitions.js';
import type { ApiDeps } from '../deps.js';
import type { AppEnv } from '../router.js';
import type { eraseRoute, lookupRoute } from './customerRoutes.js';

/** A per-erasure address that no mail server accepts (RFC 2606 `.invalid`) and that links to nobody. */
const tombstone = () => `erased-${randomUUID()}@erased.invalid`;

export function customerHandlers(deps: ApiDeps) {
  const { sql, temporalUi, customerKeySecret } = deps;
  const workflows = `${temporalUi.url}/namespaces/${encodeURIComponent(temporalUi.namespace)}/workflows`;

  const lookup: RouteHandler<typeof lookupRoute, AppEnv> = async (c) => {
    const key = customerKey(customerKeySecret, c.req.valid('query').email);
    const visibilityQuery = customerWorkflowsQuery(key);
    return c.json({ customerKey: key, visibilityQuery, workflowsUrl: `${workflows}?query=${encodeURIComponent(visibilityQuery)}` }, 200);
  };

  const erase: RouteHandler<typeof eraseRoute, AppEnv> = async (c) => {
    const { email } = c.req.valid('json');
    const result = await eraseCustomer(sql, email, tombstone());
    if ('notFound' in result) throw new DomainError('customer_not_found', 'No order or account has this email.', 'not_found');
    if ('openOrders' in result) {
      throw new DomainError('customer_has_open_orders', 'Some orders of this customer are still in flight; settle them first.', 'conflict', { orders: result.openOrders });
    }
    c.get('log').info({ orders: result.erased.orderIds.length }, 'customer erased');
    // Only what is true of this deployment: without PAYLOAD_KEYS (a local demo) Temporal keeps the inputs in clear.
    const kept = deps.codec.keys.length > 0 ? 'keep their inputs (encrypted by the payload codec)' : 'keep their inputs in clear (PAYLOAD_KEYS is not set)';
    const note = `Workflow histories of these orders ${kept} until the namespace retention removes them; delete them sooner with \`temporal workflow delete --query\` and this query.`;
    return c.json({ ...result.erased, temporal: { visibilityQuery: customerWorkflowsQuery(customerKey(customerKeySecret, email)), note } }, 200);
  };

  return { lookup, erase };
}
