// Worker entry (`npm run worker`): runs order workflows and activities on the configured task queue, and the webhook relay.
import { loadConfig } from './config.js';
import { createSql } from './db/client.js';
import { migrate } from './db/migrate.js';
import { createMailer } from './email/transport.js';
import { addresses } from './addresses.js';
import { createLogger } from './log.js';
import { createPaymentProviders } from './payments/index.js';
import { orderSettingsOf, startMetricsServer } from './api/server.js';
import { startWebhookRelay, type WebhookRelay } from './api/webhookRelay.js';
import { createMetrics } from './observability/metrics.js';
import { startTracing } from './observability/tracing.js';
import { temporalClient } from './temporalClient.js';
import { createOrderWorker, ensureReconcileSchedule, ensureRetentionSchedule, installTemporalRuntime, orderWorkflowBundle } from './wiring.js';
import { exitOnSignalWhileStarting, onShutdown } from './shutdown.js';
import { waitFor } from './waitFor.js';

const config = loadConfig();
const log = createLogger(config.logLevel, 'worker');
exitOnSignalWhileStarting(log);
installTemporalRuntime('WARN', config.metrics.temporalPort ? `${config.host}:${config.metrics.temporalPort}` : undefined);
const tracing = startTracing(config.tracing.serviceName ?? 'checkout-worker', config.tracing);
const metrics = createMetrics();
// Prometheus's conventional port for an application exporter, when METRICS_PORT names none. A second worker on the
// same machine (joining `npm start`) finds it taken and takes a free one; a port named in METRICS_PORT must be free.
const DEFAULT_METRICS_PORT = 9464;
const metricsServer = await startMetricsServer(metrics, config.metrics.token, config.host, config.metrics.port ?? DEFAULT_METRICS_PORT, log).catch((err: unknown) => {
  if (config.metrics.port || (err as { code?: string }).code !== 'EADDRINUSE') throw err;
  log.warn({ port: DEFAULT_METRICS_PORT, action: 'serving /metrics on a free port; set METRICS_PORT to choose one' }, 'metrics port taken');
  return startMetricsServer(metrics, config.metrics.token, config.host, 0, log);
});
const at = addresses(config);
const sql = createSql(at.databaseUrl);
// Activities need the schema: the database comes first, and the worker polls only once it is migrated.
await waitFor('database', () => migrate(sql), { log });
const mailer = createMailer(at.smtpUrl, config.mailFrom, config.smtpPool);
const workflowBundle = await orderWorkflowBundle(config);
const parts = { temporalAddress: at.temporalAddress, sql, payments: createPaymentProviders(config, sql), mailer, metrics, tracing };
const { worker, connection } = await waitFor('temporal', () => createOrderWorker(config, parts, { workflowBundle }), { log });
const running = worker.run();
const started: { relay?: WebhookRelay } = {};
const stopForGood = onShutdown(log, [
  // First: its pass under way finishes and is recorded while the connection and the database are still there.
  ['webhook relay', async () => started.relay?.stop()],
  ['worker', async () => {
    worker.shutdown();
    await running;
  }],
  ['mailer', () => mailer.close()],
  ['metrics', () => metricsServer.close()],
  ['tracing', () => tracing.shutdown()],
  ['temporal', () => connection.close()],
  ['database', () => sql.end({ timeout: 5 })],
]);
// A worker that fails (not one that stops when asked) takes the same ordered stop, exit 1: the relay's pass under
// way is recorded and the connections close; a supervisor starts the process again.
running.catch((err: unknown) => {
  log.fatal({ err }, 'worker failed');
  void stopForGood('the worker failed');
});
const client = temporalClient(connection, config.temporal.namespace, config.codec.keys);
await waitFor('temporal schedules', () => Promise.all([ensureReconcileSchedule(client, config), ensureRetentionSchedule(client, config)]), { log });
// Every worker runs a relay (docs/decisions.md, "Webhook relay"): SKIP LOCKED lets them share the events, and the
// API's event loop only records them. It signals through this worker's connection (the SDK's native gRPC).
const relayDeps = { sql, temporal: client, taskQueue: config.temporal.taskQueue, orderSettings: orderSettingsOf(config), log, metrics };
started.relay = await startWebhookRelay(relayDeps, config.webhookRelay);
log.info({ taskQueue: config.temporal.taskQueue, temporal: at.temporalAddress, metricsPort: metricsServer.port }, 'worker running');
