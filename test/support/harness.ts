// One test file's slice of the product on the shared real parts: its own worker (own task queue) and API server.
import type { Client } from '@temporalio/client';
import { Runtime, DefaultLogger, type Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { currentRelease, HISTORY_FIXTURES, HISTORY_JSON, uncutReleaseMessage } from './histories.js';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { createSql, type Sql } from '../../src/db/client.js';
import type { CapturedEmail } from '../../src/email/devMailbox.js';
import { createMailer } from '../../src/email/transport.js';
import { createLogger } from '../../src/log.js';
import { createPaymentProviders } from '../../src/payments/index.js';
import { createOrderWorker, reconcileInput } from '../../src/wiring.js';
import type { reconcileWorkflow } from '../../src/workflows/reconcile.js';
import { countOrdersWithStatus } from '../../src/db/orders.js';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import { startTracing, type Tracing } from '../../src/observability/tracing.js';
import { connectTemporal } from '../../src/temporalClient.js';
import { apiDepsFrom, startHttpServer } from '../../src/api/server.js';
import { startWebhookRelay } from '../../src/api/webhookRelay.js';
import { undeliveredSummary } from '../../src/db/webhookEvents.js';
import { freePort } from '../../src/stack/process.js';

let runtimeInstalled = false;

export const ADMIN_TOKEN = randomBytes(24).toString('hex');

export interface Harness {
  /** PUBLIC_URL: the harness's API, unless a test put something in front of it. */
  baseUrl: string;
  /** The port the harness's own API listens on. */
  apiPort: number;
  config: Config;
  sql: Sql;
  temporal: Client;
  /** The registry the harness's API and worker share, as in `npm start`. */
  metrics: Metrics;
  mailboxUrl: string;
  close(): Promise<void>;
}

/**
 * `relay: false`: no webhook relay for this file's task queue, so a test can run its own (against a Temporal that is
 * down). `onWorkerQuery`: the worker gets a pool of its own that reports to it, so a test tells its statements apart.
 */
export async function startHarness(
  env: Record<string, string> = {},
  options: { tracing?: Tracing; relay?: boolean; onQuery?: (query: string, connection: number) => void; onWorkerQuery?: (query: string, connection: number) => void } = {},
): Promise<Harness> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const port = await freePort();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: inject('databaseUrl'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`,
    SMTP_URL: inject('smtpUrl'),
    STRIPE_SECRET_KEY: 'sk_test_123',
    STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(16).toString('hex')}`,
    STRIPE_API_HOST: '127.0.0.1',
    STRIPE_API_PORT: String(inject('stripeMockPort')),
    STRIPE_API_PROTOCOL: 'http',
    SANDBOX_WEBHOOK_SECRET: randomBytes(24).toString('hex'),
    WORKER_SHUTDOWN_GRACE_SECONDS: '2',
    // Long enough that a slow activity on a busy machine never turns a purchase into a refund; tests of the budget set their own.
    FULFILMENT_RETRY_SECONDS: '120',
    RECONCILE_AFTER_SECONDS: '0',
    ADMIN_TOKEN: ADMIN_TOKEN,
    // Every file checks out from 127.0.0.1 into one shared database: checkout limits are tested where a file sets them.
    CHECKOUT_RATE_PER_IP: '1000000',
    CHECKOUT_RATE_PER_EMAIL: '1000000',
    // Notifications wake the relay at once; the sweep is the fallback a test of it waits on.
    WEBHOOK_RELAY_SWEEP_MS: '500',
    WEBHOOK_RELAY_RETRY_MAX_MS: '2000',
    ...env,
  });
  const sql = createSql(config.databaseUrl!, { max: 5, onQuery: options.onQuery });
  const workerSql = options.onWorkerQuery ? createSql(config.databaseUrl!, { max: 5, onQuery: options.onWorkerQuery }) : sql;
  const payments = createPaymentProviders(config, sql);
  const mailer = createMailer(config.smtpUrl!, config.mailFrom, config.smtpPool);
  const metrics = createMetrics({ defaults: false, countHeldOrders: () => countOrdersWithStatus(sql, 'HELD'), undeliveredWebhooks: () => undeliveredSummary(sql) });
  const tracing = options.tracing ?? startTracing('test', {});
  const { worker, connection } = await createOrderWorker(
    config,
    { temporalAddress: config.temporal.address!, sql: workerSql, payments, mailer, metrics, tracing },
    { workflowBundle: { code: inject('workflowCode') }, stickyQueueScheduleToStartTimeoutMs: 1000 },
  );
  const running: Promise<void> = worker.run();
  const temporal = await connectTemporal(config.temporal.address!, config.temporal.namespace, config.temporal.security, config.codec.keys);
  const deps = apiDepsFrom(config, { sql, temporal, payments, log: createLogger('silent'), metrics });
  const http = await startHttpServer(deps, '127.0.0.1', port);
  const relay = options.relay === false ? undefined : await startWebhookRelay(deps, config.webhookRelay);

  return {
    baseUrl: config.publicUrl,
    apiPort: port,
    config,
    sql,
    temporal,
    metrics,
    mailboxUrl: inject('mailboxUrl'),
    async close() {
      await http.close();
      await relay?.stop();
      await stopWorker(worker, running);
      mailer.close();
      await temporal.connection.close();
      await connection.close();
      if (workerSql !== sql) await workerSql.end({ timeout: 5 });
      await sql.end({ timeout: 5 });
    },
  };
}

async function stopWorker(worker: Worker, running: Promise<void>) {
  worker.shutdown();
  await running;
}

/** An API on `config` (a test's own task queue or budget), sharing the harness's database, Temporal client and metrics. */
export async function apiOn(h: Harness, config: Config): Promise<{ api: Harness; close: () => Promise<void> }> {
  const http = await startHttpServer(apiDepsFrom(config, { sql: h.sql, temporal: h.temporal, payments: createPaymentProviders(config, h.sql), log: createLogger('silent'), metrics: h.metrics }), '127.0.0.1', 0);
  return { api: { ...h, config, baseUrl: `http://127.0.0.1:${http.port}` }, close: () => http.close() };
}

/** One more worker in this process on `config`'s task queue, running `code` (today's bundle unless another release's). */
export async function workerOn(h: Harness, config: Config, code: string = inject('workflowCode')): Promise<{ stop: () => Promise<void> }> {
  const mailer = createMailer(config.smtpUrl!, config.mailFrom, config.smtpPool);
  const parts = { temporalAddress: config.temporal.address!, sql: h.sql, payments: createPaymentProviders(config, h.sql), mailer, metrics: h.metrics, tracing: startTracing('test', {}) };
  const { worker, connection } = await createOrderWorker(config, parts, { workflowBundle: { code }, stickyQueueScheduleToStartTimeoutMs: 1000 });
  const running = worker.run();
  let stopping: Promise<void> | undefined;
  return {
    stop: () =>
      (stopping ??= (async () => {
        await stopWorker(worker, running);
        mailer.close();
        await connection.close();
      })()),
  };
}

/**
 * One reconciliation pass over these orders only, as the schedule would run it, and its outcome. Test files share one
 * database, so no harness runs the schedule: a pass over every order would act on other files' orders (their worker,
 * their budget) mid-test.
 */
export async function reconcile(h: Harness, orderIds: string[]) {
  const workflowId = `reconcile-${h.config.temporal.taskQueue}-${randomUUID()}`;
  const result = await h.temporal.workflow.execute<typeof reconcileWorkflow>('reconcileWorkflow', {
    workflowId,
    taskQueue: h.config.temporal.taskQueue,
    args: [{ ...reconcileInput(h.config), orderIds }],
  });
  return { workflowId, result };
}

/** Waits until a workflow's current run has closed (however it ended), so what it did can be counted. */
export async function finished(h: Harness, workflowId: string): Promise<void> {
  await h.temporal.workflow.getHandle(workflowId).result().catch(() => undefined);
}

/** What the Temporal UI shows of one run: its start summary and its current-details line (a closed run still answers). */
export async function uiLines(h: Harness, workflowId: string, runId?: string): Promise<{ summary?: string; currentDetails?: string }> {
  const handle = h.temporal.workflow.getHandle(workflowId, runId);
  const summary = await (await handle.describe()).staticSummary();
  const { currentDetails } = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return { summary, currentDetails };
}

/** The ids of the workflows a visibility query finds (eventually consistent: poll it). */
export async function workflowIds(h: Harness, query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of h.temporal.workflow.list({ query })) ids.push(w.workflowId);
  return ids;
}

export function uniqueEmail(tag = 'buyer'): string {
  return `${tag}-${randomUUID().slice(0, 8)}@example.com`;
}

export async function packageId(sql: Sql, slug: string): Promise<string> {
  const [row] = await sql<{ id: string }[]>`SELECT id FROM packages WHERE slug = ${slug}`;
  if (!row) throw new Error(`no package ${slug}`);
  return row.id;
}

/** POSTs an exact body (webhooks are signed over these bytes) and returns the status and parsed JSON answer. */
export async function post(url: string, rawBody: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: rawBody });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

export const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) => post(url, JSON.stringify(body), headers);

export async function checkout(h: Harness, body: Record<string, unknown>, key = `key-${randomUUID()}`, headers: Record<string, string> = {}) {
  return postJson(`${h.baseUrl}/api/v1/checkout`, { provider: 'sandbox', name: 'Test Buyer', ...body }, { 'idempotency-key': key, ...headers });
}

/** Clicks Pay or Decline on the sandbox hosted page, as a browser would. */
export async function sandboxAction(paymentUrl: string, action: 'pay' | 'decline' | 'pay-silently') {
  const page = await fetch(paymentUrl);
  if (page.status !== 200) throw new Error(`payment page answered ${page.status}`);
  const html = await page.text();
  const form = html.match(new RegExp(`action="([^"]*/${action})"`));
  if (!form) throw new Error(`no ${action} button on the payment page`);
  const res = await fetch(new URL(form[1]!, paymentUrl), { method: 'POST', redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location') };
}

export async function eventually<T>(probe: () => Promise<T>, accept: (v: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (accept(last)) return last;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
}

export async function orderStatus(h: Harness, orderId: string) {
  const res = await fetch(`${h.baseUrl}/api/v1/orders/${orderId}/status`);
  return (await res.json()) as { status: string; orderNumber: string; items: { slug: string }[] };
}

export async function waitForStatus(h: Harness, orderId: string, status: string, timeoutMs?: number) {
  return eventually(() => orderStatus(h, orderId), (o) => o.status === status, `order ${orderId} to be ${status}`, timeoutMs);
}

export async function emailsTo(h: Harness, address: string): Promise<CapturedEmail[]> {
  const res = await fetch(`${h.mailboxUrl}/dev/mailbox/messages?to=${encodeURIComponent(address)}`);
  return ((await res.json()) as { messages: CapturedEmail[] }).messages;
}

export async function activeEnrollments(sql: Sql, email: string): Promise<string[]> {
  const rows = await sql<{ slug: string }[]>`
    SELECT p.slug FROM enrollments e JOIN users u ON u.id = e.user_id JOIN packages p ON p.id = e.package_id
    WHERE u.email = ${email} AND e.status = 'active' ORDER BY p.slug`;
  return rows.map((r) => r.slug);
}

/** Calls the admin API with the harness's token (or the given headers instead). */
export async function admin(h: Harness, method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` }) {
  const res = await fetch(`${h.baseUrl}/api/v1/admin${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** Makes the test SMTP server refuse (550) or accept mail for an address. */
export async function setRejected(h: Harness, address: string, rejected: boolean) {
  const res = await fetch(`${h.mailboxUrl}/dev/mailbox/rejections`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ address, rejected }) });
  if (!res.ok) throw new Error(`mailbox answered ${res.status}`);
}

/**
 * With RECORD_HISTORIES=1, saves a workflow's history as a replay fixture of the current release (the folder whose
 * manifest matches today's workflow code; test/workflow/replay.test.ts replays every release). It refuses to overwrite
 * a recorded history and to record code no release was cut for. Without RECORD_HISTORIES it does nothing.
 * A closed run is recorded once it ends; with `open`, a run still waiting (held, retrying, processing) as it stands.
 */
export async function recordHistory(h: Pick<Harness, 'temporal'>, workflowId: string, name: string, options: { open?: boolean } = {}) {
  if (!process.env.RECORD_HISTORIES) return;
  const release = currentRelease();
  if (!release) throw new Error(uncutReleaseMessage());
  const file = `${HISTORY_FIXTURES}${release.release}/${name}.json`;
  if (existsSync(file)) throw new Error(`${file} is a recorded history and is never overwritten: give the new scenario a new name.`);
  const handle = h.temporal.workflow.getHandle(workflowId);
  const history = options.open ? await settledHistory(h, workflowId) : (await handle.result().catch(() => undefined), await handle.fetchHistory());
  if (options.open && history.events?.some((e) => e.workflowExecutionCompletedEventAttributes || e.workflowExecutionFailedEventAttributes)) {
    throw new Error(`${workflowId} has closed: an open history must be recorded while the run waits`);
  }
  await writeFile(file, `${JSON.stringify({ workflowId, history: temporal.api.history.v1.History.toObject(temporal.api.history.v1.History.fromObject(history), HISTORY_JSON) })}\n`, { flag: 'wx' });
}

/** An open run's history at a quiet point: its last workflow task completed, so a replay ends where the run waits. */
async function settledHistory(h: Pick<Harness, 'temporal'>, workflowId: string) {
  const handle = h.temporal.workflow.getHandle(workflowId);
  const types = temporal.api.enums.v1.EventType;
  return eventually(
    () => handle.fetchHistory(),
    (history) => {
      const events = history.events ?? [];
      const last = (type: number) => events.findLastIndex((e) => e.eventType === type);
      return last(types.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) > last(types.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
    },
    `${workflowId} to finish its workflow task`,
  );
}
