// What the API answers while it waits for its dependencies: alive, not ready, and 503 to everything else.
import { Hono } from 'hono';
import { errorJson } from './errors.js';

export type Check = 'ok' | 'failed';

/** Start-up progress, filled in as each dependency is reached; /readyz shows it. */
export interface StartupChecks {
  database: Check;
  temporal: Check;
}

/**
 * Served before the real app exists, so an orchestrator sees a live process that is not ready (rather than a crash
 * loop) and a client gets a 503 it can retry, never a connection refused.
 */
export function startingApp(checks: StartupChecks) {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' as const }, 200));
  app.get('/readyz', (c) => c.json({ status: 'unavailable' as const, checks: { ...checks } }, 503));
  app.all('*', (c) => errorJson(c, 503, 'starting', 'The service is starting; try again shortly.', { headers: { 'retry-after': '2' } }));
  return app;
}
