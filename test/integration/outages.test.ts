// Temporal down: webhooks are still acknowledged and delivered when it is back. Database down: 503 (providers retry). Nothing is lost.
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSql } from '../../src/db/client.js';
import { createLogger } from '../../src/log.js';
import { signSandboxPayload } from '../../src/payments/sandbox.js';
import { createPaymentProviders } from '../../src/payments/index.js';
import { apiDepsFrom, startHttpServer } from '../../src/api/server.js';
import { freePort } from '../../src/stack/process.js';
import { checkout, eventually, packageId, post, startHarness, uniqueEmail, waitForStatus, type Harness } from '../support/harness.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { startWebhookRelay } from '../../src/api/webhookRelay.js';
import { tcpProxy, hostPort, type TcpProxy } from '../support/tcpProxy.js';

let h: Harness;
beforeAll(async () => {
  // No relay of the harness's own: the only relay for this task queue is the one whose Temporal is away.
  h = await startHarness({}, { relay: false });
});
afterAll(async () => h?.close());

/** The same API (and its webhook relay), with one of its parts pointed at a port where nothing listens, or through a proxy. */
async function apiWith(broken: 'database' | 'temporal', temporalProxy?: TcpProxy) {
  const deadPort = await freePort();
  const sql = broken === 'database' ? createSql(`postgres://postgres:postgres@127.0.0.1:${deadPort}/none`, { max: 1 }) : h.sql;
  const temporal = broken === 'temporal' ? new Client({ connection: Connection.lazy({ address: `127.0.0.1:${temporalProxy?.port ?? deadPort}`, connectTimeout: 500 }) }) : h.temporal;
  const deps = apiDepsFrom(h.config, { sql, temporal, payments: createPaymentProviders(h.config, sql), log: createLogger('silent'), metrics: createMetrics({ defaults: false }) });
  const server = await startHttpServer(deps, '127.0.0.1', 0);
  const relay = broken === 'temporal' ? await startWebhookRelay(deps, { ...h.config.webhookRelay, deliveryTimeoutMs: 2000 }) : undefined;
  return {
    url: `http://127.0.0.1:${server.port}`,
    close: async () => {
      await server.close();
      await relay?.stop();
      if (broken === 'temporal') await temporal.connection.close();
    },
  };
}

function signedPayment(o: { orderId: string; sessionId: string }, amount: number) {
  const event = { id: `evt_${crypto.randomUUID()}`, type: 'payment.succeeded', created: Math.floor(Date.now() / 1000), data: { sessionId: o.sessionId, orderId: o.orderId, amount, currency: 'PLN', paymentId: 'pay_outage' } };
  const body = JSON.stringify(event);
  return { event, send: (baseUrl: string) => post(`${baseUrl}/api/v1/webhooks/sandbox`, body, { 'sandbox-signature': signSandboxPayload(body, h.config.sandbox!.webhookSecret) }) };
}

describe('outages', () => {
  it('acknowledges webhooks while Temporal is down, and the relay delivers them once it is back', async () => {
    const res = await checkout(h, { packageIds: [await packageId(h.sql, 'chatbot-rag')], email: uniqueEmail() });
    const [order] = await h.sql<{ provider_session_id: string }[]>`SELECT provider_session_id FROM orders WHERE id = ${res.body.orderId}`;
    const payment = signedPayment({ orderId: res.body.orderId, sessionId: order!.provider_session_id }, 14900);

    const proxy = await tcpProxy(hostPort(h.config.temporal.address!));
    const api = await apiWith('temporal', proxy);
    try {
      expect(await payment.send(api.url)).toEqual({ status: 200, body: { received: true, outcome: 'queued' } });
      // The relay has tried and failed (Temporal is away): the event waits in PostgreSQL, the order has not heard of it.
      const [waiting] = await eventually(
        () => h.sql<{ attempts: number; last_error: string | null; outcome: string | null; delivered_at: Date | null }[]>`
          SELECT attempts, last_error, outcome, delivered_at FROM webhook_events WHERE event_id = ${payment.event.id}`,
        (rows) => (rows[0]?.attempts ?? 0) >= 1,
        'a failed delivery attempt',
      );
      expect(waiting).toMatchObject({ outcome: null, delivered_at: null, last_error: expect.any(String) });
      expect((await h.sql`SELECT status FROM orders WHERE id = ${res.body.orderId}`)[0]!.status).toBe('PENDING');
      // A repeat from the provider meanwhile is acknowledged too, and delivered no second time.
      expect(await payment.send(api.url)).toEqual({ status: 200, body: { received: true, outcome: 'duplicate' } });

      await proxy.open();
      await waitForStatus(h, res.body.orderId, 'FULFILLED', 60_000);
      const [delivered] = await h.sql`SELECT outcome, delivered_at, next_attempt_at FROM webhook_events WHERE event_id = ${payment.event.id}`;
      expect(delivered).toMatchObject({ outcome: 'signalled', delivered_at: expect.any(Date), next_attempt_at: null });
    } finally {
      await api.close();
      await proxy.close();
    }
  });

  it('answers 503 to a webhook it cannot record, and 503 to a checkout without its database', async () => {
    const down = await apiWith('database');
    try {
      const payment = signedPayment({ orderId: crypto.randomUUID(), sessionId: 'sbx_x' }, 100);
      expect(await payment.send(down.url)).toMatchObject({ status: 503, body: { error: { code: 'event_not_recorded' } } });
      const res = await post(`${down.url}/api/v1/checkout`, JSON.stringify({ packageIds: [crypto.randomUUID()], email: uniqueEmail(), name: 'A', provider: 'sandbox' }), { 'idempotency-key': `down-${crypto.randomUUID()}` });
      expect(res).toMatchObject({ status: 503, body: { error: { code: 'database_unavailable' } } });
      const ready = await fetch(`${down.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'unavailable', checks: { database: 'failed', temporal: 'ok' } });
    } finally {
      await down.close();
    }
  });

  it('answers 503 to a checkout when Temporal is unreachable', async () => {
    const down = await apiWith('temporal');
    try {
      const res = await checkout({ ...h, baseUrl: down.url }, { packageIds: [await packageId(h.sql, 'chatbot-rag')], email: uniqueEmail() });
      expect(res).toMatchObject({ status: 503, body: { error: { code: 'temporal_unavailable' } } });
    } finally {
      await down.close();
    }
  });
});
