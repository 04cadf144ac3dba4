// Worker entry (`npm run worker`): runs order workflows and activities on the configured task queue.
import { loadConfig } from './config.js';
import { createSql } from './db/client.js';
import { migrate } from './db/migrate.js';
import { createMailer } from './email/transport.js';
import { addresses } from './addresses.js';
import { createLogger } from './log.js';
import { createPaymentProviders } from './payments/index.js';
import { Client } from '@temporalio/client';
import { createOrderWorker, ensureReconcileSchedule, installTemporalRuntime } from './wiring.js';
import { onShutdown } from './shutdown.js';

const config = loadConfig();
const log = createLogger(config.logLevel, 'worker');
installTemporalRuntime('WARN');
const at = addresses(config);
const sql = createSql(at.databaseUrl);
await migrate(sql);
const mailer = createMailer(at.smtpUrl, config.mailFrom);
const { worker, connection } = await createOrderWorker(config, { temporalAddress: at.temporalAddress, sql, payments: createPaymentProviders(config, sql), mailer });
const running = worker.run();
await ensureReconcileSchedule(new Client({ connection, namespace: config.temporal.namespace }), config);
log.info({ taskQueue: config.temporal.taskQueue, temporal: at.temporalAddress }, 'worker running');
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
