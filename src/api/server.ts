// Serves the API over HTTP: its dependencies from configuration, and the node server around createApp.
import { serve, type ServerType } from '@hono/node-server';
import type { Client } from '@temporalio/client';
import type { Config } from '../config.js';
import type { Sql } from '../db/client.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../observability/metrics.js';
import type { PaymentProviders } from '../payments/index.js';
import { createApp } from './app.js';
import { metricsRoutes } from './metrics.js';
import { errorHandler } from './errors.js';
import { newRouter } from './router.js';
import type { ApiDeps } from './deps.js';

/** What every order run is started with, from whichever process starts or resumes it. */
export function orderSettingsOf(config: Config): ApiDeps['orderSettings'] {
  return { fulfilmentRetryMs: config.fulfilmentRetryMs, latePaymentPolicy: config.latePaymentPolicy, settlementMs: config.settlementMs };
}

export function apiDepsFrom(config: Config, parts: { sql: Sql; temporal: Client; payments: PaymentProviders; log: Logger; metrics: Metrics }): ApiDeps {
  return {
    ...parts,
    publicUrl: config.publicUrl,
    taskQueue: config.temporal.taskQueue,
    checkoutTtlMs: config.checkoutTtlMs,
    orderIdSecret: config.orderIdSecret,
    customerKeySecret: config.customerKeySecret,
    orderSettings: orderSettingsOf(config),
    adminToken: config.adminToken,
    // With METRICS_PORT, /metrics lives on that listener only (startMetricsServer), never on the public port.
    metricsEndpoint: config.metrics.port ? undefined : { token: config.metrics.token },
    codec: config.codec,
    temporalUi: { url: config.temporal.uiUrl, namespace: config.temporal.namespace },
    accounts: { jwt: config.jwt, rateLimit: config.authRateLimit, trustedProxyHops: config.trustedProxyHops },
    checkoutRateLimit: config.checkoutRateLimit,
    corsOrigins: config.corsOrigins,
    sandboxSecret: config.sandbox?.webhookSecret,
    bankAccount: config.bankTransfer,
  };
}

export type FetchHandler = (request: Request, env?: unknown) => Response | Promise<Response>;

export interface HttpServer {
  server: ServerType;
  port: number;
  /** Replaces what answers requests: the API listens while it starts, and serves the real app once it can. */
  serve(fetch: FetchHandler): void;
  close(): Promise<void>;
}

export async function listen(fetch: FetchHandler, host: string, port: number): Promise<HttpServer> {
  let current = fetch;
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: (request, env) => current(request, env), hostname: host, port }, (info) =>
      resolve({
        server,
        port: info.port,
        serve: (next) => {
          current = next;
        },
        close: () => new Promise<void>((r) => server.close(() => r())),
      }),
    );
    server.once('error', reject);
  });
}

export async function startHttpServer(deps: ApiDeps, host: string, port: number): Promise<HttpServer> {
  return listen(createApp(deps).fetch, host, port);
}

/** GET /metrics alone on a port of its own (the worker's, or the API's with METRICS_PORT): kept off the public port. */
export async function startMetricsServer(metrics: Metrics, token: string | undefined, host: string, port: number, log: Logger): Promise<HttpServer> {
  const app = newRouter();
  app.onError(errorHandler(log));
  app.route('/', metricsRoutes(metrics, token));
  return listen(app.fetch, host, port);
}
