// When the database or Temporal is down, webhooks and checkout answer 503 (so providers retry) and lose nothing.
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSql } from '../../src/db/client.js';
import { createLogger } from '../../src/log.js';
import { signSandboxPayload } from '../../src/payments/sandbox.js';
import { createPaymentProviders } from '../../src/payments/index.js';
import { apiDepsFrom, startHttpServer } from '../../src/api/server.js';
import { freePort } from '../../src/stack/process.js';
import { checkout, packageId, post, startHarness, uniqueEmail, waitForStatus, type Harness } from '../support/harness.js';
import { createMetrics } from '../../src/observability/metrics.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

/** The same API, with one of its parts pointed at a port where nothing listens. */
async function apiWith(broken: 'database' | 'temporal') {
  const deadPort = await freePort();
  const sql = broken === 'database' ? createSql(`postgres://postgres:postgres@127.0.0.1:${deadPort}/none`, { max: 1 }) : h.sql;
  const temporal = broken === 'temporal' ? new Client({ connection: Connection.lazy({ address: `127.0.0.1:${deadPort}`, connectTimeout: 500 }) }) : h.temporal;
  const deps = apiDepsFrom(h.config, { sql, temporal, payments: createPaymentProviders(h.config, sql), log: createLogger('silent'), metrics: createMetrics({ defaults: false }) });
  const server = await startHttpServer(deps, '127.0.0.1', 0);
  return { url: `http://127.0.0.1:${server.port}`, close: () => server.close() };
}

function signedPayment(o: { orderId: string; sessionId: string }, amount: number) {
  const event = { id: `evt_${crypto.randomUUID()}`, type: 'payment.succeeded', created: Math.floor(Date.now() / 1000), data: { sessionId: o.sessionId, orderId: o.orderId, amount, currency: 'PLN', paymentId: 'pay_outage' } };
  const body = JSON.stringify(event);
  return { event, send: (baseUrl: string) => post(`${baseUrl}/api/v1/webhooks/sandbox`, body, { 'sandbox-signature': signSandboxPayload(body, h.config.sandbox!.webhookSecret) }) };
}

describe('outages', () => {
  it('answers 503 to a webhook it cannot signal, keeps the event, and signals it on the provider’s retry', async () => {
    const res = await checkout(h, { packageIds: [await packageId(h.sql, 'chatbot-rag')], email: uniqueEmail() });
    const [order] = await h.sql<{ provider_session_id: string }[]>`SELECT provider_session_id FROM orders WHERE id = ${res.body.orderId}`;
    const payment = signedPayment({ orderId: res.body.orderId, sessionId: order!.provider_session_id }, 14900);

    const down = await apiWith('temporal');
    try {
      expect(await payment.send(down.url)).toMatchObject({ status: 503, body: { error: { code: 'event_not_signalled' } } });
    } finally {
      await down.close();
    }
    const [kept] = await h.sql`SELECT outcome, signalled_at FROM webhook_events WHERE event_id = ${payment.event.id}`;
    expect(kept).toEqual({ outcome: null, signalled_at: null });
    expect((await h.sql`SELECT status FROM orders WHERE id = ${res.body.orderId}`)[0]!.status).toBe('PENDING');

    expect(await payment.send(h.baseUrl)).toEqual({ status: 200, body: { received: true, outcome: 'signalled' } });
    await waitForStatus(h, res.body.orderId, 'FULFILLED');
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
