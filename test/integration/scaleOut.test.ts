// Two API processes behind one port and two workers on one task queue: any API answers any request, and work spreads.
import type { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { apiDepsFrom, startHttpServer, type HttpServer } from '../../src/api/server.js';
import { createMailer, type Mailer } from '../../src/email/transport.js';
import { createLogger } from '../../src/log.js';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import { startTracing } from '../../src/observability/tracing.js';
import { createPaymentProviders } from '../../src/payments/index.js';
import { freePort } from '../../src/stack/process.js';
import { createOrderWorker } from '../../src/wiring.js';
import { checkout, packageId, sandboxAction, startHarness, uniqueEmail, waitForStatus, type Harness } from '../support/harness.js';
import { roundRobin, type RoundRobin } from '../support/roundRobin.js';

const PURCHASES = 6;

let h: Harness;
let front: RoundRobin;
let second: { metrics: Metrics; api: HttpServer; worker: Worker; running: Promise<void>; connection: NativeConnection; mailer: Mailer };

beforeAll(async () => {
  const frontPort = await freePort();
  // Every process is configured alike: links and webhook addresses name the front, as behind a load balancer, so
  // h.baseUrl (PUBLIC_URL) is the front too.
  h = await startHarness({ PUBLIC_URL: `http://127.0.0.1:${frontPort}` });
  const metrics = createMetrics({ defaults: false });
  const payments = createPaymentProviders(h.config, h.sql);
  const mailer = createMailer(h.config.smtpUrl!, h.config.mailFrom, h.config.smtpPool);
  const { worker, connection } = await createOrderWorker(
    h.config,
    { temporalAddress: h.config.temporal.address!, sql: h.sql, payments, mailer, metrics, tracing: startTracing('test', {}) },
    { workflowBundle: { code: inject('workflowCode') }, stickyQueueScheduleToStartTimeoutMs: 1000 },
  );
  const api = await startHttpServer(apiDepsFrom(h.config, { sql: h.sql, temporal: h.temporal, payments, log: createLogger('silent'), metrics }), '127.0.0.1', 0);
  second = { metrics, api, worker, running: worker.run(), connection, mailer };
  front = await roundRobin(frontPort, [h.apiPort, api.port]);
});

afterAll(async () => {
  await front?.close();
  await second?.api.close();
  second?.worker.shutdown();
  await second?.running;
  second?.mailer.close();
  await second?.connection.close();
  await h?.close();
});

async function total(metrics: Metrics, name: 'ordersCreated' | 'emails' | 'orderStatus'): Promise<number> {
  const { values } = await metrics[name].get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

describe('scaled out behind one port', () => {
  it('answers a retried checkout from the other API process with the same order (nothing lives in an API process)', async () => {
    const body = { packageIds: [await packageId(h.sql, 'chatbot-rag')], email: uniqueEmail('scaled'), locale: 'en' };
    const key = `key-${randomUUID()}`;
    const before = [...front.served];
    const first = await checkout(h, body, key);
    const retried = await checkout(h, body, key);
    expect(first.status).toBe(201);
    expect(retried.status).toBe(201);
    expect(retried.body).toEqual(first.body);
    expect(front.served.map((n, i) => n - before[i]!)).toEqual([1, 1]);
  });

  it('spreads purchases over both APIs and both workers, and fulfils every one', async () => {
    const pkg = await packageId(h.sql, 'chatbot-rag');
    const orders = await Promise.all(
      Array.from({ length: PURCHASES }, async () => {
        const res = await checkout(h, { packageIds: [pkg], email: uniqueEmail('scaled'), locale: 'en' });
        expect(res.status).toBe(201);
        expect((await sandboxAction(res.body.paymentUrl, 'pay')).status).toBe(303);
        return res.body.orderId as string;
      }),
    );
    for (const orderId of orders) await waitForStatus(h, orderId, 'FULFILLED');

    // Both API processes took requests (checkouts, payment pages, webhooks, status polls).
    expect(front.served.every((n) => n >= PURCHASES)).toBe(true);
    // Both workers ran activities, and together they did each order's work once.
    const perWorker = await Promise.all([h.metrics, second.metrics].map(async (m) => (await total(m, 'ordersCreated')) + (await total(m, 'orderStatus')) + (await total(m, 'emails'))));
    expect(perWorker.every((n) => n > 0), `activities per worker: ${perWorker.join(', ')}`).toBe(true);
    const emails = (await total(h.metrics, 'emails')) + (await total(second.metrics, 'emails'));
    expect(emails).toBe(PURCHASES);
  });
});
