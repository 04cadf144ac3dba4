// Liveness (the process answers) and readiness (the database and Temporal answer).
import { createRoute, z } from '@hono/zod-openapi';
import { ping } from '../db/client.js';
import { newRouter } from './router.js';
import type { ApiDeps } from './deps.js';
import { jsonContent } from './schemas.js';

const Health = z.object({ status: z.enum(['ok', 'unavailable']), checks: z.record(z.string(), z.enum(['ok', 'failed'])).optional() }).openapi('Health');

const CHECK_TIMEOUT_MS = 2000;

/** Whether probe settles successfully within timeoutMs. */
export async function check(probe: () => Promise<unknown>, timeoutMs = CHECK_TIMEOUT_MS): Promise<'ok' | 'failed'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
  });
  try {
    await Promise.race([probe(), timeout]);
    return 'ok';
  } catch {
    return 'failed';
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes({ sql, temporal }: ApiDeps) {
  const json = (description: string) => jsonContent(Health, description);
  return newRouter()
    .openapi(createRoute({ method: 'get', path: '/healthz', tags: ['health'], responses: { 200: json('The process is up') } }), (c) => c.json({ status: 'ok' as const }, 200))
    .openapi(
      createRoute({ method: 'get', path: '/readyz', tags: ['health'], responses: { 200: json('Ready to take orders'), 503: json('A dependency is unreachable') } }),
      async (c) => {
        const [database, temporalCheck] = await Promise.all([check(() => ping(sql)), check(() => temporal.workflowService.getSystemInfo({}))]);
        const checks = { database, temporal: temporalCheck };
        const ok = database === 'ok' && temporalCheck === 'ok';
        return ok ? c.json({ status: 'ok' as const, checks }, 200) : c.json({ status: 'unavailable' as const, checks }, 503);
      },
    );
}
