// GET /api/v1/payment-methods: the enabled providers and the currencies each accepts, so a storefront offers only what works.
import { createRoute, z } from '@hono/zod-openapi';
import { PROVIDERS } from '../domain/orders.js';
import type { ApiDeps } from './deps.js';
import { newRouter } from './router.js';

const PaymentMethod = z
  .object({
    provider: z.enum(PROVIDERS),
    currencies: z.array(z.string().length(3)).nullable().openapi({ description: 'ISO codes the provider accepts; null when it takes any currency' }),
  })
  .openapi('PaymentMethod');

const route = createRoute({
  method: 'get',
  path: '/api/v1/payment-methods',
  tags: ['checkout'],
  responses: { 200: { content: { 'application/json': { schema: z.object({ methods: z.array(PaymentMethod) }) } }, description: 'Enabled providers, in a stable order' } },
});

export function paymentMethodRoutes({ payments }: ApiDeps) {
  return newRouter().openapi(route, (c) => {
    const methods = PROVIDERS.flatMap((name) => {
      const p = payments[name];
      return p ? [{ provider: name, currencies: p.currencies ? [...p.currencies] : null }] : [];
    });
    return c.json({ methods }, 200);
  });
}
