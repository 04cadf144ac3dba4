// The worker and the API start while PostgreSQL or Temporal is away, wait (alive, not ready), and work once it returns.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { freePort } from '../../src/stack/process.js';
import { reconcileScheduleId } from '../../src/workflows/definitions.js';
import { connectTemporal } from '../../src/temporalClient.js';
import { startEntry, type Child } from '../support/child.js';
import { eventually } from '../support/harness.js';
import { hostPort, tcpProxy, type TcpProxy } from '../support/tcpProxy.js';

const started: Array<Child | TcpProxy> = [];
afterEach(async () => {
  for (const part of started.splice(0).reverse()) await ('stop' in part ? part.stop('SIGKILL') : part.close());
});

/** A database and a Temporal that are not there yet: each comes when its proxy opens. */
async function awayDependencies() {
  const [database, temporal] = await Promise.all([tcpProxy(hostPort(inject('databaseUrl'))), tcpProxy(hostPort(inject('temporalAddress')))]);
  started.push(database, temporal);
  const url = new URL(inject('databaseUrl'));
  url.port = String(database.port);
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: url.toString(),
    TEMPORAL_ADDRESS: `127.0.0.1:${temporal.port}`,
    TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`,
    SMTP_URL: inject('smtpUrl'),
    SANDBOX_WEBHOOK_SECRET: randomBytes(24).toString('hex'),
    METRICS_PORT: String(await freePort()),
    TEMPORAL_METRICS_PORT: String(await freePort()),
  };
  return { database, temporal, env };
}

function start(entry: string, env: Record<string, string>): Child {
  const child = startEntry(entry, env);
  started.push(child);
  return child;
}

async function readyz(baseUrl: string) {
  const res = await fetch(`${baseUrl}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('start-up without dependencies', () => {
  it('the worker waits for PostgreSQL, then Temporal, and polls its task queue once both are back', async () => {
    const { database, temporal, env } = await awayDependencies();
    const worker = start('src/worker.ts', env);
    // Three failed attempts: it retried, and is still alive, where it used to exit on the first.
    await worker.waitForLog('waiting for database', 3);
    await database.open();
    await worker.waitForLog('waiting for temporal', 2, 45_000);
    expect(worker.alive()).toBe(true);
    await temporal.open();
    await worker.waitForLog('worker running', 1, 30_000);
    // Its own /metrics (METRICS_PORT), and the Temporal SDK's worker metrics (TEMPORAL_METRICS_PORT).
    const metrics = await (await fetch(`http://127.0.0.1:${env.METRICS_PORT}/metrics`)).text();
    expect(metrics).toContain('# TYPE checkout_emails_total counter');
    expect(metrics).toContain('process_resident_memory_bytes');
    const sdk = await eventually(() => fetch(`http://127.0.0.1:${env.TEMPORAL_METRICS_PORT}/metrics`).then((r) => r.text()), (t) => t.includes('temporal_'), 'the SDK metrics');
    expect(sdk).toMatch(/^temporal_\w+/m);

    const client = await connectTemporal(inject('temporalAddress'), 'default', {}, []);
    try {
      const pollers = await eventually(
        async () => (await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: env.TEMPORAL_TASK_QUEUE }, taskQueueType: 1 })).pollers ?? [],
        (p) => p.length > 0,
        'a workflow poller on the worker’s task queue',
      );
      expect(pollers.length).toBeGreaterThan(0);
      expect(await worker.stop('SIGTERM')).toBe(0);
      await client.schedule.getHandle(reconcileScheduleId(env.TEMPORAL_TASK_QUEUE)).delete();
    } finally {
      await client.connection.close();
    }
  });

  it('a worker told to stop while it waits exits at once', async () => {
    const { env } = await awayDependencies();
    const worker = start('src/worker.ts', env);
    await worker.waitForLog('waiting for database', 2);
    const asked = Date.now();
    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(Date.now() - asked).toBeLessThan(3000);
  });

  it('a second worker on the machine takes a free metrics port when the default one is taken', async () => {
    const { env } = await awayDependencies();
    // Whoever holds 9464 (this test, or another worker on the machine), the port is taken.
    const holder = createServer();
    await new Promise<void>((resolve) => holder.once('error', () => resolve()).listen(9464, '127.0.0.1', resolve));
    try {
      const { METRICS_PORT: _unset, ...withoutPort } = env;
      const worker = start('src/worker.ts', withoutPort);
      await worker.waitForLog('metrics port taken', 1);
      await worker.waitForLog('waiting for database', 1);
      expect(worker.alive()).toBe(true);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('the API listens at once, answers /readyz 503 while it waits, and serves once both are back', async () => {
    const { database, temporal, env } = await awayDependencies();
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const api = start('src/api/main.ts', { ...env, PORT: String(port), PUBLIC_URL: baseUrl });
    await api.waitForLog('waiting for database', 3);
    expect(await readyz(baseUrl)).toEqual({ status: 503, body: { status: 'unavailable', checks: { database: 'failed', temporal: 'failed' } } });
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    const catalog = await fetch(`${baseUrl}/api/v1/packages`);
    expect(catalog.status).toBe(503);

    await database.open();
    await eventually(() => readyz(baseUrl), (r) => (r.body.checks as Record<string, string>).database === 'ok', 'the database check to pass', 30_000);
    expect((await readyz(baseUrl)).status).toBe(503);
    expect(api.alive()).toBe(true);

    await temporal.open();
    await eventually(() => readyz(baseUrl), (r) => r.status === 200, '/readyz 200', 30_000);
    expect((await fetch(`${baseUrl}/api/v1/packages`)).status).toBe(200);
    const asked = Date.now();
    expect(await api.stop('SIGTERM')).toBe(0);
    expect(Date.now() - asked).toBeLessThan(10_000);
  });
});
