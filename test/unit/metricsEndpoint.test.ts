// GET /metrics through createApp and on its own port: who may read it, and requests labelled by route pattern only.
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { startMetricsServer } from '../../src/api/server.js';
import { createLogger } from '../../src/log.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { fakeApiDeps, fakeSql } from '../support/fakeDeps.js';

const TOKEN = 'metrics-token-0123456789abcdef';
const ORDER_ID = '0b7c9f2e-1d4a-4c3b-9e5f-a1b2c3d4e5f6';

describe('GET /metrics on the API', () => {
  it('labels requests by route pattern and status, never by raw path', async () => {
    const metrics = createMetrics({ defaults: false });
    const app = createApp(fakeApiDeps({ metrics, sql: fakeSql([new Error('database away')]) }));
    await app.request(`/api/v1/orders/${ORDER_ID}/status`);
    await app.request('/api/v1/orders/not-a-uuid/status');
    await app.request(`/no/such/${ORDER_ID}`);
    const text = await (await app.request('/metrics')).text();
    expect(text).toContain('checkout_http_request_duration_seconds_count{method="GET",route="/api/v1/orders/:orderId/status",status="400"} 1');
    expect(text).toMatch(/checkout_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/orders\/:orderId\/status",status="5\d\d"\} 1/);
    expect(text).toContain('checkout_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 1');
    expect(text).not.toContain(ORDER_ID);
    expect(text).not.toContain('not-a-uuid');
  });

  it('asks for METRICS_TOKEN when one is set', async () => {
    const app = createApp(fakeApiDeps({ metricsEndpoint: { token: TOKEN } }));
    const refused = await app.request('/metrics');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect((await app.request('/metrics', { headers: { authorization: 'Bearer wrong-token-0123456789abcdef' } })).status).toBe(401);
    const allowed = await app.request('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('# TYPE checkout_webhooks_total counter');
  });

  it('is not on the public port when METRICS_PORT serves it, which answers on its own', async () => {
    const metrics = createMetrics();
    const app = createApp(fakeApiDeps({ metrics, metricsEndpoint: undefined }));
    expect((await app.request('/metrics')).status).toBe(404);
    const server = await startMetricsServer(metrics, undefined, '127.0.0.1', 0, createLogger('silent'));
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain('checkout_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 1');
      // Process metrics (CPU, memory, event loop) come with every registry but the tests'.
      expect(text).toContain('process_cpu_user_seconds_total');
      expect((await fetch(`http://127.0.0.1:${server.port}/api/v1/catalog`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe('the undelivered-webhook gauges', () => {
  it('read the database once per scrape for both figures, and again on the next scrape', async () => {
    let reads = 0;
    const metrics = createMetrics({ defaults: false, undeliveredWebhooks: async () => ({ count: 3 + reads++, oldestAgeSeconds: 42 }) });
    const first = await metrics.registry.metrics();
    expect(reads).toBe(1);
    expect(first).toContain('checkout_webhooks_undelivered 3');
    expect(first).toContain('checkout_webhook_oldest_undelivered_seconds 42');
    expect(await metrics.registry.metrics()).toContain('checkout_webhooks_undelivered 4');
    expect(reads).toBe(2);
  });
});
