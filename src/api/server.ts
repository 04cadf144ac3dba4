// Serves the API over HTTP: its dependencies from configuration, and the node server around createApp.
import { serve, type ServerType } from '@hono/node-server';
import type { Client } from '@temporalio/client';
import type { Config } from '../config.js';
import type { Sql } from '../db/client.js';
import type { Logger } from '../log.js';
import type { PaymentProviders } from '../payments/index.js';
import { createApp } from './app.js';
import type { ApiDeps } from './deps.js';

export function apiDepsFrom(config: Config, parts: { sql: Sql; temporal: Client; payments: PaymentProviders; log: Logger }): ApiDeps {
  return {
    ...parts,
    publicUrl: config.publicUrl,
    taskQueue: config.temporal.taskQueue,
    checkoutTtlMs: config.checkoutTtlMs,
    orderIdSecret: config.orderIdSecret,
    customerKeySecret: config.customerKeySecret,
    orderSettings: { fulfilmentRetryMs: config.fulfilmentRetryMs, latePaymentPolicy: config.latePaymentPolicy, settlementMs: config.settlementMs },
    adminToken: config.adminToken,
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
