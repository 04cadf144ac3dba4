// The chaos run's deployment on 127.0.0.1: PostgreSQL, the Temporal dev server (on a file), an SMTP counter, one API, N workers.
import type { Client } from '@temporalio/client';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EMBEDDED_DATABASE } from '../../src/addresses.js';
import { loadToolsConfig } from '../../src/config.js';
import { createSql, type Sql } from '../../src/db/client.js';
import { startEmbeddedPostgres } from '../../src/stack/postgres.js';
import { freePort, waitForPort, type Service } from '../../src/stack/process.js';
import { startTemporalDevServer } from '../../src/stack/temporal.js';
import { resolveTool, TEMPORAL_CLI } from '../../src/stack/tools.js';
import { connectTemporal } from '../../src/temporalClient.js';
import { bundleOrderWorkflows } from '../../src/wiring.js';
import { ORDER_ID_SECRET } from './plan.js';
import { mailCounter, type MailCounter } from './mailCounter.js';
import { composeNodeCommand, type NodeCommand } from './composeCommand.js';
import { supervise, type Supervised } from './supervisor.js';

export interface ChaosStack {
  baseUrl: string;
  sandboxSecret: string;
  /** The run's own connection (the provider's side and the final checks); it waits out outages like any client. */
  probe: Sql;
  temporal: Client;
  mail: MailCounter;
  api: Supervised;
  workers: Supervised[];
  /** What the API and workers were started with, for more processes of the same deployment (the bench's baselines). */
  env: Record<string, string>;
  /** Their commands, from docker-compose.yml. */
  commands: { api: NodeCommand; worker: NodeCommand };
  /** The dev server's and the postmaster's process ids (the bench reads their CPU time). */
  pids(): Promise<{ temporal: number; postgres: number }>;
  /** SIGKILL of the dev server, a pause, and a start on the same database file. */
  restartTemporal(downMs: number): Promise<void>;
  /** Immediate shutdown of the postmaster (what `pg_ctl stop -m immediate` sends), a pause, a start on the same data. */
  stopPostgres(downMs: number): Promise<void>;
  stopSmtp(downMs: number): Promise<void>;
  close(): Promise<void>;
}


async function buildProduct(note: (line: string) => void): Promise<void> {
  const startedAt = Date.now();
  try {
    await promisify(execFile)('npm', ['run', 'build'], { cwd: new URL('../../', import.meta.url), maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`npm run build failed: ${`${stdout ?? ''}${stderr ?? ''}`.trim().slice(-2000)}`);
  }
  note(`built the product into dist/ in ${Math.round((Date.now() - startedAt) / 1000)} s`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every worker polls both queues: traffic before that would time the workers' start-up, not the faults. */
export async function waitForPollers(temporal: Client, count: number, taskQueue = 'orders'): Promise<void> {
  const pollers = async (taskQueueType: 1 | 2) =>
    (await temporal.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType })).pollers?.length ?? 0;
  const deadline = Date.now() + 120_000;
  while ((await pollers(1)) < count || (await pollers(2)) < count) {
    if (Date.now() > deadline) throw new Error(`fewer than ${count} workers poll the ${taskQueue} task queue after 120 s`);
    await sleep(500);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `env` overrides the deployment's settings (the bench: quieter logs, its own SMTP sink, worker tuning). */
export async function startChaosStack(dir: string, workerCount: number, note: (line: string) => void, overrides: Record<string, string> = {}): Promise<ChaosStack> {
  const cliPath = await resolveTool(TEMPORAL_CLI, loadToolsConfig(), note);
  await buildProduct(note);
  const [pgPort, temporalPort, smtpPort, apiPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const pgDir = join(dir, 'pg');
  const dbFile = join(dir, 'temporal.db');
  const logs = join(dir, 'logs');
  await mkdir(logs, { recursive: true });
  const quiet = () => undefined;

  const startPg = () => startEmbeddedPostgres({ dataDir: pgDir, port: pgPort, database: EMBEDDED_DATABASE, log: quiet });
  const startTemporal = () => startTemporalDevServer({ cliPath, port: temporalPort, dbFile });
  let pg: Service & { url: string } = await startPg();
  let temporalServer = await startTemporal();
  const mail = mailCounter(smtpPort);
  await mail.start();

  // Bundled once, as a deployment's build would: a killed worker is back in seconds instead of bundling again.
  const bundleFile = join(dir, 'workflow-bundle.js');
  await writeFile(bundleFile, (await bundleOrderWorkflows()).code);
  const sandboxSecret = randomBytes(24).toString('hex');
  const baseUrl = `http://127.0.0.1:${apiPort}`;
  const env = {
    NODE_ENV: 'development',
    // Info: each process logs when it is ready (the run times restarts by it) and the API logs every request.
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    PUBLIC_URL: baseUrl,
    DATABASE_URL: pg.url,
    TEMPORAL_ADDRESS: temporalServer.address,
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    SANDBOX_ENABLED: 'true',
    SANDBOX_WEBHOOK_SECRET: sandboxSecret,
    ORDER_ID_SECRET,
    // Every buyer of the run comes from 127.0.0.1, as in a load test: the per-address checkout limit would refuse them.
    CHECKOUT_RATE_PER_IP: '1000000',
    CHECKOUT_RATE_PER_EMAIL: '1000000',
    WORKER_SHUTDOWN_GRACE_SECONDS: '5',
    WORKFLOW_BUNDLE_PATH: bundleFile,
    ...overrides,
  };
  // From the build output with compose's node flags, as the image runs them: under tsx a worker held about 60 MiB more,
  // and without its heap caps it grows as the deployment's does not (docs/decisions.md, "The worker as it ships").
  const commands = { api: await composeNodeCommand('api'), worker: await composeNodeCommand('worker') };
  const api = supervise('api', commands.api.entry, env, join(logs, 'api.log'), 'api ready', commands.api.nodeFlags);
  const workers = Array.from({ length: workerCount }, (_, i) =>
    supervise(`worker-${i + 1}`, commands.worker.entry, env, join(logs, `worker-${i + 1}.log`), 'worker running', commands.worker.nodeFlags),
  );
  const probe = createSql(pg.url, { max: 4 });
  const temporal = await connectTemporal(temporalServer.address, 'default', {}, []);
  await waitForPort(apiPort, '127.0.0.1', 60_000);
  await waitForPollers(temporal, workerCount);

  // The postmaster's pid, from the server itself: its data folder may be a copy the postgres user can reach.
  const postmasterPid = async () => {
    const [row] = await probe<{ pid: string }[]>`SELECT split_part(pg_read_file('postmaster.pid'), E'\n', 1) AS pid`;
    return Number(row!.pid);
  };

  return {
    baseUrl,
    sandboxSecret,
    probe,
    temporal,
    mail,
    api,
    workers,
    env,
    commands,
    async restartTemporal(downMs) {
      process.kill(temporalServer.pid, 'SIGKILL');
      await temporalServer.stop();
      await sleep(downMs);
      temporalServer = await startTemporal();
    },
    async pids() {
      return { temporal: temporalServer.pid, postgres: await postmasterPid() };
    },
    async stopPostgres(downMs) {
      const pid = await postmasterPid();
      process.kill(pid, 'SIGQUIT');
      while (isRunning(pid)) await sleep(50);
      await pg.stop();
      await sleep(downMs);
      pg = await startPg();
    },
    async stopSmtp(downMs) {
      await mail.stop();
      await sleep(downMs);
      await mail.start();
    },
    async close() {
      await Promise.allSettled([api.stop(), ...workers.map((w) => w.stop())]);
      await temporal.connection.close().catch(() => undefined);
      await probe.end({ timeout: 5 }).catch(() => undefined);
      await mail.stop();
      await temporalServer.stop();
      await pg.stop();
    },
  };
}
