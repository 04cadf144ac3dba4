// API entry (`npm run api`): the HTTP server alone, against the configured database and Temporal; workers deliver webhooks.
import type { Client } from '@temporalio/client';
import { loadConfig } from '../config.js';
import { createSql } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { addresses } from '../addresses.js';
import { createLogger } from '../log.js';
import { createPaymentProviders } from '../payments/index.js';
import { connectTemporal } from '../temporalClient.js';
import { createApp } from './app.js';
import { apiDepsFrom, listen, startMetricsServer } from './server.js';
import { countOrdersWithStatus } from '../db/orders.js';
import { undeliveredSummary } from '../db/webhookEvents.js';
import { createMetrics } from '../observability/metrics.js';
import { startTracing } from '../observability/tracing.js';
import { startingApp, type StartupChecks } from './starting.js';
import { onShutdown } from '../shutdown.js';
import { waitFor } from '../waitFor.js';

const config = loadConfig();
const log = createLogger(config.logLevel, 'api');
const at = addresses(config);
const sql = createSql(at.databaseUrl);
const tracing = startTracing(config.tracing.serviceName ?? 'checkout-api', config.tracing);
const metrics = createMetrics({ countHeldOrders: () => countOrdersWithStatus(sql, 'HELD'), undeliveredWebhooks: () => undeliveredSummary(sql) });
const metricsServer = config.metrics.port ? await startMetricsServer(metrics, config.metrics.token, config.host, config.metrics.port, log) : undefined;
// Listen first: while the database or Temporal is away the API is alive and answers /readyz 503, instead of exiting.
const checks: StartupChecks = { database: 'failed', temporal: 'failed' };
const http = await listen(startingApp(checks).fetch, config.host, config.port);
log.info({ url: `http://${config.host}:${http.port}`, publicUrl: config.publicUrl }, 'api listening; waiting for dependencies');
const connected: { temporal?: Client } = {};
onShutdown(log, [
  ['http', () => http.close()],
  ['metrics', async () => metricsServer?.close()],
  ['tracing', () => tracing.shutdown()],
  ['temporal', () => connected.temporal?.connection.close()],
  ['database', () => sql.end({ timeout: 5 })],
]);

// Both waits run together; the real app is served only once the schema is migrated and Temporal answers.
const [, temporal] = await Promise.all([
  waitFor('database', () => migrate(sql), { log }).then(() => {
    checks.database = 'ok';
  }),
  waitFor('temporal', () => connectTemporal(at.temporalAddress, config.temporal.namespace, config.temporal.security, config.codec.keys), { log }).then((client) => {
    checks.temporal = 'ok';
    connected.temporal = client;
    return client;
  }),
]);
const deps = apiDepsFrom(config, { sql, temporal, payments: createPaymentProviders(config, sql), log, metrics });
http.serve(createApp(deps).fetch);
log.info('api ready');
