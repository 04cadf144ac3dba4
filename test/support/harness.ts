// One test file's slice of the product on the shared real parts: its own worker (own task queue) and API server.
import type { Client } from '@temporalio/client';
import { Runtime, DefaultLogger, type Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { HISTORY_FIXTURES, HISTORY_JSON } from './histories.js';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { createSql, type Sql } from '../../src/db/client.js';
import type { CapturedEmail } from '../../src/email/devMailbox.js';
import { createMailer } from '../../src/email/transport.js';
import { createLogger } from '../../src/log.js';
import { createPaymentProviders } from '../../src/payments/index.js';
import { countOrdersWithStatus } from '../../src/db/orders.js';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import { startTracing, type Tracing } from '../../src/observability/tracing.js';
import { createOrderWorker, ensureReconcileSchedule } from '../../src/wiring.js';
import { connectTemporal } from '../../src/temporalClient.js';
import { apiDepsFrom, startHttpServer } from '../../src/api/server.js';
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
  reconcileScheduleId: string;
  close(): Promise<void>;
}

export async function startHarness(env: Record<string, string> = {}, options: { tracing?: Tracing } = {}): Promise<Harness> {
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
    FULFILMENT_RETRY_SECONDS: '4',
    RECONCILE_AFTER_SECONDS: '0',
    ADMIN_TOKEN: ADMIN_TOKEN,
    ...env,
  });
  const sql = createSql(config.databaseUrl!, { max: 5 });
  const payments = createPaymentProviders(config, sql);
  const mailer = createMailer(config.smtpUrl!, config.mailFrom);
  const metrics = createMetrics({ defaults: false, countHeldOrders: () => countOrdersWithStatus(sql, 'HELD') });
  const tracing = options.tracing ?? startTracing('test', {});
  const { worker, connection } = await createOrderWorker(
    config,
    { temporalAddress: config.temporal.address!, sql, payments, mailer, metrics, tracing },
    { workflowBundle: { code: inject('workflowCode') }, stickyQueueScheduleToStartTimeoutMs: 1000 },
  );
  const running: Promise<void> = worker.run();
  const temporal = await connectTemporal(config.temporal.address!, config.temporal.namespace, config.codec.keys);
  const reconcileScheduleId = await ensureReconcileSchedule(temporal, config);
  const http = await startHttpServer(apiDepsFrom(config, { sql, temporal, payments, log: createLogger('silent'), metrics }), '127.0.0.1', port);

  return {
    baseUrl: config.publicUrl,
    apiPort: port,
    config,
    sql,
    temporal,
    metrics,
    mailboxUrl: inject('mailboxUrl'),
    reconcileScheduleId,
    async close() {
      await temporal.schedule.getHandle(reconcileScheduleId).delete();
      await http.close();
      await stopWorker(worker, running);
      mailer.close();
      await temporal.connection.close();
      await connection.close();
      await sql.end({ timeout: 5 });
    },
  };
}

async function stopWorker(worker: Worker, running: Promise<void>) {
  worker.shutdown();
  await running;
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

export async function checkout(h: Harness, body: Record<string, unknown>, key = `key-${randomUUID()}`) {
  return postJson(`${h.baseUrl}/api/v1/checkout`, { provider: 'sandbox', name: 'Test Buyer', ...body }, { 'idempotency-key': key });
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
 * With RECORD_HISTORIES=1, saves a closed workflow's history as a replay fixture (test/workflow/replay.test.ts
 * replays every one, so a workflow change that breaks determinism fails CI). Without it, does nothing.
 */
export async function recordHistory(h: Harness, workflowId: string, name: string) {
  if (!process.env.RECORD_HISTORIES) return;
  const handle = h.temporal.workflow.getHandle(workflowId);
  await handle.result().catch(() => undefined);
  const history = await handle.fetchHistory();
  await mkdir(HISTORY_FIXTURES, { recursive: true });
  await writeFile(`${HISTORY_FIXTURES}${name}.json`, `${JSON.stringify({ workflowId, history: temporal.api.history.v1.History.toObject(temporal.api.history.v1.History.fromObject(history), HISTORY_JSON) })}\n`);
}
