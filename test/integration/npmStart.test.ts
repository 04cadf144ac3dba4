// `npm start` as a person runs it (src/stack.ts: worker and API in one process): /metrics moves as a purchase is made.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../src/stack/process.js';
import { connectTemporal } from '../../src/temporalClient.js';
import { reconcileScheduleId, retentionScheduleId } from '../../src/workflows/definitions.js';
import { startEntry, type Child } from '../support/child.js';
import { eventually, postJson, sandboxAction, uniqueEmail } from '../support/harness.js';
import { sample } from '../support/prometheus.js';

// A month between runs and a ten-year retention: this stack's schedules never touch the orders of other test files.
const MONTH = String(30 * 24 * 3600);
const taskQueue = `test-${randomUUID()}`;
let stack: Child;
let baseUrl: string;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'checkout-stack-'));
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  // The suite's PostgreSQL and Temporal stand in for the embedded ones (the same servers, started the same way).
  stack = startEntry('src/stack.ts', {
    PORT: String(port),
    PUBLIC_URL: baseUrl,
    DATA_DIR: dataDir,
    DATABASE_URL: inject('databaseUrl'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    SMTP_URL: inject('smtpUrl'),
    RECONCILE_INTERVAL_SECONDS: MONTH,
    RECONCILE_AFTER_SECONDS: MONTH,
    RETENTION_INTERVAL_SECONDS: MONTH,
    RETENTION_DAYS: '3650',
    // Every file checks out from 127.0.0.1 into the one shared database, as the harness says: its limits are lifted too.
    CHECKOUT_RATE_PER_IP: '1000000',
    CHECKOUT_RATE_PER_EMAIL: '1000000',
  });
  const ready = async () => {
    if (!stack.alive()) throw new Error(`npm start exited:\n${stack.output()}`);
    return fetch(`${baseUrl}/readyz`).then((r) => r.status, () => 0);
  };
  // It bundles the workflows at start: slow on a busy machine.
  await eventually(ready, (status) => status === 200, 'the stack to be ready', 150_000);
});

afterAll(async () => {
  await stack?.stop();
  const temporal = await connectTemporal(inject('temporalAddress'), 'default', {}, []);
  for (const id of [reconcileScheduleId(taskQueue), retentionScheduleId(taskQueue)]) await temporal.schedule.getHandle(id).delete().catch(() => undefined);
  await temporal.connection.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function metric(series: string): Promise<number> {
  const res = await fetch(`${baseUrl}/metrics`);
  expect(res.status).toBe(200);
  return sample(await res.text(), series) ?? 0;
}

const SERIES = {
  checkouts: 'checkout_http_request_duration_seconds_count{method="POST",route="/api/v1/checkout",status="201"}',
  created: 'checkout_orders_created_total{provider="sandbox"}',
  // The webhook is acknowledged once recorded (queued); the stack's relay hands it to the workflow (signalled).
  queued: 'checkout_webhooks_total{provider="sandbox",outcome="queued"}',
  signalled: 'checkout_webhook_deliveries_total{outcome="signalled"}',
  fulfilled: 'checkout_order_status_total{status="FULFILLED"}',
  welcomes: 'checkout_emails_total{kind="welcome",result="sent"}',
  latency: 'checkout_to_fulfilled_seconds_count',
};

describe('npm start', () => {
  it('shows the counters moving on /metrics as a purchase is made', async () => {
    const before = Object.fromEntries(await Promise.all(Object.entries(SERIES).map(async ([k, s]) => [k, await metric(s)])));
    expect(before).toEqual({ checkouts: 0, created: 0, queued: 0, signalled: 0, fulfilled: 0, welcomes: 0, latency: 0 });

    const packages = await (await fetch(`${baseUrl}/api/v1/packages`)).json() as { packages: { id: string }[] };
    const bought = await postJson(`${baseUrl}/api/v1/checkout`, { provider: 'sandbox', packageIds: [packages.packages[0]!.id], email: uniqueEmail('by-hand'), name: 'Test Buyer', locale: 'en' }, { 'idempotency-key': randomUUID() });
    expect(bought.status, JSON.stringify(bought.body)).toBe(201);
    expect(await metric(SERIES.checkouts)).toBe(1);
    expect(await metric(SERIES.created)).toBe(1);

    expect((await sandboxAction(bought.body.paymentUrl as string, 'pay')).status).toBe(303);
    const status = () => fetch(`${baseUrl}/api/v1/orders/${bought.body.orderId}/status`).then(async (r) => ((await r.json()) as { status: string }).status);
    await eventually(status, (s) => s === 'FULFILLED', 'the order to be fulfilled', 60_000);
    // The welcome email is counted when its activity ends, which may be just after FULFILLED shows.
    await eventually(() => metric(SERIES.welcomes), (n) => n === 1, 'the welcome email to be counted');
    expect(await metric(SERIES.queued)).toBe(1);
    expect(await metric(SERIES.signalled)).toBe(1);
    expect(await metric(SERIES.fulfilled)).toBe(1);
    expect(await metric(SERIES.latency)).toBe(1);
  });
});
