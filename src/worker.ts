// Worker entry (`npm run worker`): runs order workflows and activities on the configured task queue.
import { loadConfig } from './config.js';
import { createSql } from './db/client.js';
import { migrate } from './db/migrate.js';
import { createMailer } from './email/transport.js';
import { addresses } from './addresses.js';
import { createLogger } from './log.js';
import { createPaymentProviders } from './payments/index.js';
import { Client } from '@temporalio/client';
import { bundleOrderWorkflows, createOrderWorker, ensureReconcileSchedule, ensureRetentionSchedule, installTemporalRuntime } from './wiring.js';
import { exitOnSignalWhileStarting, onShutdown } from './shutdown.js';
import { waitFor } from './waitFor.js';

const config = loadConfig();
const log = createLogger(config.logLevel, 'worker');
exitOnSignalWhileStarting(log);
installTemporalRuntime('WARN');
const at = addresses(config);
const sql = createSql(at.databaseUrl);
// Activities need the schema: the database comes first, and the worker polls only once it is migrated.
await waitFor('database', () => migrate(sql), { log });
const mailer = createMailer(at.smtpUrl, config.mailFrom);
const workflowBundle = await bundleOrderWorkflows();
const parts = { temporalAddress: at.temporalAddress, sql, payments: createPaymentProviders(config, sql), mailer };
const { worker, connection } = await waitFor('temporal', () => createOrderWorker(config, parts, { workflowBundle }), { log });
const running = worker.run();
onShutdown(log, [
  ['worker', async () => {
    worker.shutdown();
    await running;
  }],
  ['mailer', () => mailer.close()],
  ['temporal', () => connection.close()],
  ['database', () => sql.end({ timeout: 5 })],
]);
running.catch((err: unknown) => {
  log.fatal({ err }, 'worker failed');
  process.exit(1);
});
const scheduler = new Client({ connection, namespace: config.temporal.namespace });
await waitFor('temporal schedules', () => Promise.all([ensureReconcileSchedule(scheduler, config), ensureRetentionSchedule(scheduler, config)]), { log });
log.info({ taskQueue: config.temporal.taskQueue, temporal: at.temporalAddress }, 'worker running');
