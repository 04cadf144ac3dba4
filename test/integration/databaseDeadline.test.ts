// While PostgreSQL is frozen (accepts, never answers), requests answer 503 within ~5 s instead of hanging, and recover.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSql } from '../../src/db/client.js';
import { createLogger } from '../../src/log.js';
import { createPaymentProviders } from '../../src/payments/index.js';
import { apiDepsFrom, startHttpServer } from '../../src/api/server.js';
import { checkout, eventually, packageId, startHarness, uniqueEmail, type Harness } from '../support/harness.js';
import { hostPort, tcpProxy, type TcpProxy } from '../support/tcpProxy.js';
import { createMetrics } from '../../src/observability/metrics.js';

let h: Harness;
let database: TcpProxy;
let api: { url: string; close(): Promise<void> };
let closeSql: () => Promise<void>;

beforeAll(async () => {
  h = await startHarness();
  database = await tcpProxy(hostPort(h.config.databaseUrl!));
  await database.open();
  const url = new URL(h.config.databaseUrl!);
  url.port = String(database.port);
  const sql = createSql(url.toString(), { max: 3 });
  closeSql = () => sql.end({ timeout: 0 });
  const server = await startHttpServer(apiDepsFrom(h.config, { sql, temporal: h.temporal, payments: createPaymentProviders(h.config, sql), log: createLogger('silent'), metrics: createMetrics({ defaults: false }) }), '127.0.0.1', 0);
  api = { url: `http://127.0.0.1:${server.port}`, close: () => server.close() };
});
afterAll(async () => {
  database?.thaw();
  await api?.close();
  await closeSql?.();
  await database?.close();
  await h?.close();
});

/** A request timed on the client; it gives up at 20 s so a hang fails the test instead of stalling it. */
async function timed(path: string, init: RequestInit = {}) {
  const started = Date.now();
  const res = await fetch(`${api.url}${path}`, { ...init, signal: AbortSignal.timeout(20_000) });
  return { status: res.status, body: (await res.json()) as Record<string, any>, ms: Date.now() - started };
}

describe('a frozen database', () => {
  it('gets 503 within about 5 s, readiness says so, and requests work again when it answers', async () => {
    // Open pooled connections first: the outage then strikes connections the API already holds, as in production.
    await Promise.all([1, 2, 3].map(() => timed('/api/v1/packages')));
    database.freeze();

    const [catalog, checkoutAnswer] = await Promise.all([
      timed('/api/v1/packages'),
      timed('/api/v1/checkout', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': `frozen-${crypto.randomUUID()}` },
        body: JSON.stringify({ packageIds: [crypto.randomUUID()], email: uniqueEmail(), name: 'A', provider: 'sandbox' }),
      }),
    ]);
    for (const answer of [catalog, checkoutAnswer]) {
      expect(answer).toMatchObject({ status: 503, body: { error: { code: 'database_unavailable' } } });
      expect(answer.ms).toBeLessThan(5500);
    }
    const ready = await timed('/readyz');
    expect(ready).toMatchObject({ status: 503, body: { checks: { database: 'failed', temporal: 'ok' } } });

    database.thaw();
    await eventually(() => timed('/api/v1/packages'), (r) => r.status === 200, 'the catalog to answer again', 30_000);
    expect((await timed('/readyz')).status).toBe(200);
    // And a write path, end to end: a checkout through the thawed pool.
    const res = await checkout({ ...h, baseUrl: api.url }, { packageIds: [await packageId(h.sql, 'chatbot-rag')], email: uniqueEmail() });
    expect(res.status).toBeLessThan(300);
    expect(res.body.orderId).toEqual(expect.any(String));
  });
});
