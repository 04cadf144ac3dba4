// `npm start`: the whole product on one machine. Embedded PostgreSQL and Temporal dev server start unless DATABASE_URL /
// TEMPORAL_ADDRESS point elsewhere, the dev mailbox only in a local demo without SMTP_URL; then the worker and the API.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadStackConfig, loadToolsConfig } from './config.js';
import { createSql } from './db/client.js';
import { migrate } from './db/migrate.js';
import { startDevMailbox } from './email/devMailbox.js';
import { createMailer } from './email/transport.js';
import { EMBEDDED_DATABASE, addresses } from './addresses.js';
import { createLogger } from './log.js';
import { createPaymentProviders } from './payments/index.js';
import { countOrdersWithStatus } from './db/orders.js';
import { undeliveredSummary } from './db/webhookEvents.js';
import { createMetrics } from './observability/metrics.js';
import { startTracing } from './observability/tracing.js';
import { bundleOrderWorkflows, createOrderWorker, ensureReconcileSchedule, ensureRetentionSchedule, installTemporalRuntime } from './wiring.js';
import { waitFor } from './waitFor.js';
import { connectTemporal } from './temporalClient.js';
import { apiDepsFrom, startHttpServer, startMetricsServer } from './api/server.js';
import { startWebhookRelay } from './api/webhookRelay.js';
import { onShutdown } from './shutdown.js';
import { startEmbeddedPostgres } from './stack/postgres.js';
import type { Service } from './stack/process.js';
import { startTemporalDevServer } from './stack/temporal.js';
import { resolveTool, TEMPORAL_CLI } from './stack/tools.js';

const config = loadStackConfig();
const log = createLogger(config.logLevel, 'stack');
installTemporalRuntime('WARN', config.metrics.temporalPort ? `${config.host}:${config.metrics.temporalPort}` : undefined);
const tracing = startTracing(config.tracing.serviceName ?? 'checkout', config.tracing);
const at = addresses(config);
const dataDir = resolve(config.stack.dataDir);
await mkdir(dataDir, { recursive: true });
const embedded: Service[] = [];
// An embedded server that died does not come back by itself, and the stack cannot work without it: stop in order and
// exit 1 with its reason, so whoever runs the stack (a person, a supervisor) sees why and starts it again.
const shutdown: { forGood?: (reason: string) => Promise<void> } = {};
const onUnexpectedExit = (why: string) => {
  log.fatal(why);
  if (shutdown.forGood) void shutdown.forGood('an embedded server exited');
  else void Promise.allSettled(embedded.map((s) => s.stop())).then(() => process.exit(1));
};

if (!config.databaseUrl) {
  log.info({ port: config.stack.pgPort }, 'starting embedded PostgreSQL');
  embedded.push(await startEmbeddedPostgres({ dataDir: join(dataDir, 'pg'), port: config.stack.pgPort, database: EMBEDDED_DATABASE }));
}
if (!config.temporal.address) {
  const cliPath = await resolveTool(TEMPORAL_CLI, loadToolsConfig(), (line) => log.info(line));
  log.info({ port: config.stack.temporalPort, ui: config.stack.temporalUiPort }, 'starting Temporal dev server');
  embedded.push(
    await startTemporalDevServer({ cliPath, port: config.stack.temporalPort, uiPort: config.stack.temporalUiPort, dbFile: join(dataDir, 'temporal.db'), onUnexpectedExit }),
  );
}

// From here on one ordered stop serves a signal, a dead embedded server and a failed worker, whenever it comes: each
// step stops what has started by then, and the exit at its end takes whatever starts later.
const started: Partial<{
  http: { close(): Promise<void> };
  relay: { stop(): Promise<void> };
  metricsServer: { close(): Promise<void> };
  worker: { shutdown(): void; running: Promise<void> };
  mailbox: { close(): Promise<void> };
}> = {};
// Clients close in the reverse of the order they opened.
const clients: Array<() => unknown> = [];
shutdown.forGood = onShutdown(log, [
  ['http', () => started.http?.close()],
  ['webhook relay', () => started.relay?.stop()],
  ['metrics', () => started.metricsServer?.close()],
  ['worker', async () => {
    started.worker?.shutdown();
    await started.worker?.running;
  }],
  ['clients', async () => {
    for (const close of clients.toReversed()) await close();
  }],
  ['mailbox', () => started.mailbox?.close()],
  ['tracing', () => tracing.shutdown()],
  ...embedded.toReversed().map((s): [string, () => Promise<void>] => [s.name, () => s.stop()]),
]);

// Configuration refuses a missing SMTP_URL outside the demo: the mailbox shows every email to whoever asks.
const mailbox = config.demo && !config.smtpUrl ? await startDevMailbox({ port: config.stack.smtpPort }) : undefined;
started.mailbox = mailbox;

const sql = createSql(at.databaseUrl);
clients.push(() => sql.end({ timeout: 5 }));
// DATABASE_URL / TEMPORAL_ADDRESS may point at servers that are still starting or briefly away: wait, do not exit.
await waitFor('database', () => migrate(sql), { log });
const payments = createPaymentProviders(config, sql);
// One process, one registry: the worker's counters and the API's requests show on the same /metrics.
const metrics = createMetrics({ countHeldOrders: () => countOrdersWithStatus(sql, 'HELD'), undeliveredWebhooks: () => undeliveredSummary(sql) });
started.metricsServer = config.metrics.port ? await startMetricsServer(metrics, config.metrics.token, config.host, config.metrics.port, log) : undefined;
const mailer = createMailer(at.smtpUrl, config.mailFrom, config.smtpPool);
clients.push(() => mailer.close());
const workflowBundle = await bundleOrderWorkflows();
const { worker, connection } = await waitFor('temporal', () => createOrderWorker(config, { temporalAddress: at.temporalAddress, sql, payments, mailer, metrics, tracing }, { workflowBundle }), { log });
clients.push(() => connection.close());
const running = worker.run();
started.worker = { shutdown: () => worker.shutdown(), running };
// A worker that fails (not one that stops when asked) leaves the stack unable to fulfil: the same ordered stop, exit 1.
running.catch((err: unknown) => {
  log.fatal({ err }, 'worker failed');
  void shutdown.forGood?.('the worker failed');
});
const temporal = await waitFor('temporal', () => connectTemporal(at.temporalAddress, config.temporal.namespace, config.temporal.security, config.codec.keys), { log });
clients.push(() => temporal.connection.close());
await waitFor('temporal schedules', () => Promise.all([ensureReconcileSchedule(temporal, config), ensureRetentionSchedule(temporal, config)]), { log });
// Zero-config operators: without ADMIN_TOKEN the stack makes one and keeps it with its data (never printed).
const adminToken = config.adminToken ?? (await localAdminToken(join(dataDir, 'admin-token')));
const apiDeps = { ...apiDepsFrom(config, { sql, temporal, payments, log, metrics }), mailbox, adminToken };
started.http = await startHttpServer(apiDeps, config.host, config.port);
started.relay = await startWebhookRelay(apiDeps, config.webhookRelay);

async function localAdminToken(file: string): Promise<string> {
  const kept = await readFile(file, 'utf8').catch(() => '');
  if (kept.trim().length >= 24) return kept.trim();
  const token = randomBytes(24).toString('base64url');
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return token;
}

const [firstPackage] = await sql<{ slug: string }[]>`SELECT slug FROM packages WHERE published ORDER BY featured DESC, price_amount LIMIT 1`;
console.log(
  [
    '',
    config.demo ? 'Durable checkout is running as a LOCAL DEMO (sandbox payments, dev mailbox, generated secrets; loopback only):' : 'Durable checkout is running:',
    `  API            ${config.publicUrl}   (docs: ${config.publicUrl}/docs)`,
    `  Temporal UI    ${config.temporal.uiUrl}`,
    `  Admin API      ${config.publicUrl}/api/v1/admin/orders   (Authorization: Bearer ${config.adminToken ? '$ADMIN_TOKEN' : `$(cat ${join(config.stack.dataDir, 'admin-token')})`})`,
    ...(mailbox ? [`  Mailbox        ${config.publicUrl}/dev/mailbox   (SMTP on 127.0.0.1:${mailbox.port})`] : []),
    ...(payments.sandbox ? [`  Try a purchase ${config.publicUrl}/shop${firstPackage ? `?package=${firstPackage.slug}` : ''}   (sandbox payments)`] : []),
    '',
    'Ctrl-C stops everything.',
  ].join('\n'),
);
