// Assembles the HTTP API from its feature routers; the only place that knows them all.
import { randomUUID } from 'node:crypto';
import { adminRoutes } from './admin/index.js';
import { authRoutes } from './auth.js';
import { catalogRoutes } from './catalog.js';
import { checkoutRoutes } from './checkout.js';
import { quoteRoutes } from './quote.js';
import { withEdgeRules } from './contract.js';
import { codecRoutes } from './codec.js';
import { databaseDeadline } from './deadline.js';
import { docsRoutes } from './docs.js';
import type { ApiDeps } from './deps.js';
import { bodyLimits, methodNotAllowedFor, refuseUnstorableText } from './edge.js';
import { errorHandler, errorJson } from './errors.js';
import { corsForStorefronts, noStorePrivate, securityHeaders } from './headers.js';
import { newRouter } from './router.js';
import { healthRoutes } from './health.js';
import { meRoutes } from './me.js';
import { httpMetrics, metricsRoutes } from './metrics.js';
import { httpTracing } from '../observability/tracing.js';
import { orderRoutes } from './orders.js';
import { pageRoutes } from './pages/index.js';
import { paymentMethodRoutes } from './paymentMethods.js';
import { paypalReturnRoutes } from './paypalReturn.js';
import { webhookRoutes } from './webhooks.js';

export function createApp(deps: ApiDeps) {
  const app = newRouter();

  app.use(httpTracing());
  app.use(async (c, next) => {
    const started = performance.now();
    const log = deps.log.child({ reqId: c.req.header('x-request-id') ?? randomUUID() });
    c.set('log', log);
    await next();
    log.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) }, 'request');
  });
  app.use(httpMetrics(deps.metrics));
  app.use(securityHeaders(deps.publicUrl));
  app.use(corsForStorefronts(deps.corsOrigins));
  app.use(noStorePrivate());
  app.use(methodNotAllowedFor(app));
  app.use(bodyLimits());
  app.use(refuseUnstorableText());
  app.use(databaseDeadline(deps.sql));
  app.onError(errorHandler(deps.log));
  app.notFound((c) => errorJson(c, 404, 'not_found', `No route for ${c.req.method} ${c.req.path}.`));

  app.route('/', healthRoutes(deps));
  if (deps.metricsEndpoint) app.route('/', metricsRoutes(deps.metrics, deps.metricsEndpoint.token));
  app.route('/', catalogRoutes(deps));
  app.route('/', paymentMethodRoutes(deps));
  app.route('/', paypalReturnRoutes(deps));
  app.route('/', quoteRoutes(deps));
  app.route('/', checkoutRoutes(deps));
  app.route('/', orderRoutes(deps));
  app.route('/', webhookRoutes(deps));
  app.route('/', authRoutes(deps));
  app.route('/', adminRoutes(deps));
  app.route('/', codecRoutes({ ...deps.codec, adminToken: deps.adminToken }));
  app.route('/', meRoutes(deps));
  app.route('/', pageRoutes(deps));

  let document: ReturnType<typeof app.getOpenAPI31Document> | undefined;
  app.get('/openapi.json', (c) => {
    document ??= withEdgeRules(
      app.getOpenAPI31Document({
        openapi: '3.1.0',
        info: { title: 'Durable checkout API', version: '0.1.0', description: 'Checkout, order status and payment webhooks for digital packages; every order is a Temporal workflow.' },
      }),
    );
    return c.json(document);
  });
  app.route('/', docsRoutes());
  app.get('/', (c) => c.redirect(deps.payments.sandbox ? '/shop' : '/docs'));
  app.get('/favicon.ico', (c) => c.body(null, 204));
  return app;
}

export type App = ReturnType<typeof createApp>;
