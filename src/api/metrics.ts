// GET /metrics in Prometheus text format, and the middleware that times every request by its route pattern.
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Metrics } from '../observability/metrics.js';
import { errorResponse } from './errors.js';
import { requireBearer } from './operatorAuth.js';
import { newRouter } from './router.js';

export const metricsDoc = {
  method: 'get' as const,
  path: '/metrics',
  tags: ['operations'],
  description: 'Prometheus metrics of this process (bearer METRICS_TOKEN when one is set). With METRICS_PORT set, served there instead of here.',
  responses: {
    200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' as const } } } },
    401: errorResponse('METRICS_TOKEN is set and the request did not carry it'),
  },
};

/** The metrics endpoint; `token`, when set, must come as a bearer token (Prometheus: `authorization.credentials`). */
export function metricsRoutes(metrics: Metrics, token: string | undefined) {
  const router = newRouter();
  router.openAPIRegistry.registerPath(metricsDoc);
  if (token) router.use('/metrics', requireBearer(token, 'metrics', 'unreachable: a token is set'));
  router.get('/metrics', async (c) => c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }));
  return router;
}

/**
 * Observes each request under its route pattern (`/api/v1/orders/:id/status`), never the raw path: ids in labels
 * would grow the series without bound. A request no route matched is labelled `unmatched`.
 */
export function httpMetrics(metrics: Metrics): MiddlewareHandler {
  return async (c, next) => {
    const stop = metrics.httpDuration.startTimer({ method: c.req.method });
    try {
      await next();
    } finally {
      const route = routePath(c);
      stop({ route: route === '/*' || route === '*' ? 'unmatched' : route, status: String(c.res.status) });
    }
  };
}
