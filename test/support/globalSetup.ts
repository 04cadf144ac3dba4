// Starts the real parts once per test run: embedded PostgreSQL, the Temporal dev server, stripe-mock and an SMTP mailbox.
import { serve } from '@hono/node-server';
import { Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { Hono } from 'hono';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { check } from '../../src/api/health.js';
import { mailboxRoutes } from '../../src/api/pages/mailbox.js';
import { loadToolsConfig } from '../../src/config.js';
import { createSql, ping } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { startDevMailbox } from '../../src/email/devMailbox.js';
import { startEmbeddedPostgres } from '../../src/stack/postgres.js';
import { freePort, spawnService } from '../../src/stack/process.js';
import { startTemporalDevServer } from '../../src/stack/temporal.js';
import { WORKFLOW_BUNDLE_OPTIONS } from '../../src/wiring.js';
import { resolveTool, STRIPE_MOCK, TEMPORAL_CLI } from '../../src/stack/tools.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    temporalAddress: string;
    /** The Temporal dev server's Prometheus endpoint. */
    temporalMetricsUrl: string;
    stripeMockPort: number;
    smtpUrl: string;
    mailboxUrl: string;
    workflowCode: string;
  }
}

const quietLogger = new DefaultLogger('WARN');

/** How long a check took, or that it failed or gave no answer within 5 s (readiness's own check): one line for a log. */
async function timed(what: string, probe: () => Promise<unknown>): Promise<string> {
  const started = Date.now();
  return (await check(probe, 5000)) === 'ok' ? `${what} answered in ${Date.now() - started} ms` : `${what} FAILED or gave no answer within 5 s`;
}

/** Whether the shared servers still answer when the run ends: a hung server does not exit, so only this shows it. */
async function stillAnswering(databaseUrl: string, temporalAddress: string): Promise<string> {
  const sql = createSql(databaseUrl, { max: 1 });
  const database = await timed('PostgreSQL', () => ping(sql));
  await sql.end({ timeout: 1 });
  const temporal = await timed('Temporal', async () => {
    const connection = await Connection.connect({ address: temporalAddress, connectTimeout: 5000 });
    try {
      await connection.workflowService.getSystemInfo({});
    } finally {
      await connection.close();
    }
  });
  return `${database}; ${temporal}`;
}

export default async function setup(project: TestProject) {
  const tools = loadToolsConfig();
  const [temporalCli, stripeMock] = await Promise.all([resolveTool(TEMPORAL_CLI, tools), resolveTool(STRIPE_MOCK, tools)]);
  const root = await mkdtemp(join(tmpdir(), 'checkout-it-'));
  const [pgPort, temporalPort, temporalMetricsPort, stripePort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);

  // Every file shares these servers: one that dies takes the rest of the run with it, and the files' own errors
  // (timeouts, refused connections) would not say which or why. Said when it happens, and again after the summary.
  const crashes: string[] = [];
  const onUnexpectedExit = (why: string) => {
    crashes.push(why);
    console.error(`\n[globalSetup] ${why}\n`);
  };
  const [pg, temporal, stripe, mailbox, bundle] = await Promise.all([
    startEmbeddedPostgres({ dataDir: join(root, 'pg'), port: pgPort, database: 'checkout' }),
    startTemporalDevServer({ cliPath: temporalCli, port: temporalPort, metricsPort: temporalMetricsPort, onUnexpectedExit }),
    // Its HTTPS side would take the fixed port 12112 and collide with any other run on the machine: let the OS pick.
    spawnService('stripe-mock', stripeMock, ['-http-addr', `127.0.0.1:${stripePort}`, '-https-addr', '127.0.0.1:'], { readyPort: stripePort, onUnexpectedExit }),
    startDevMailbox({ port: 0 }),
    // Bundled once and shared by every test file's worker.
    bundleWorkflowCode({ ...WORKFLOW_BUNDLE_OPTIONS, logger: quietLogger }),
  ]);
  const sql = createSql(pg.url, { max: 1 });
  await migrate(sql);
  await sql.end();

  const viewer = new Hono().route('/', mailboxRoutes(mailbox));
  const viewerPort = await freePort();
  const http = serve({ fetch: viewer.fetch, hostname: '127.0.0.1', port: viewerPort });

  project.provide('databaseUrl', pg.url);
  project.provide('temporalAddress', temporal.address);
  project.provide('temporalMetricsUrl', `http://127.0.0.1:${temporalMetricsPort}/metrics`);
  project.provide('stripeMockPort', stripePort);
  project.provide('smtpUrl', `smtp://127.0.0.1:${mailbox.port}`);
  project.provide('mailboxUrl', `http://127.0.0.1:${viewerPort}`);
  project.provide('workflowCode', bundle.code);

  return async () => {
    for (const why of crashes) console.error(`\n[globalSetup] during this run, ${why}`);
    console.error(`[globalSetup] at the end of the run: ${await stillAnswering(pg.url, temporal.address)}`);
    http.close();
    await mailbox.close();
    await Promise.all([stripe.stop(), temporal.stop()]);
    await pg.stop();
    await rm(root, { recursive: true, force: true });
  };
}
