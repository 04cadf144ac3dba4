// Interactive API docs at /docs, with Swagger UI's files served from our own node_modules (no CDN needed).
import { swaggerUI } from '@hono/swagger-ui';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { errorJson } from './errors.js';
import { newRouter } from './router.js';

const ASSETS = { 'swagger-ui.css': 'text/css; charset=utf-8', 'swagger-ui-bundle.js': 'text/javascript; charset=utf-8' } as const;
const distDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

export function docsRoutes() {
  const router = newRouter();
  const cache = new Map<string, string>();
  router.get('/docs', swaggerUI({ url: '/openapi.json', baseUrl: '/docs/assets', persistAuthorization: true }));
  router.get('/docs/assets/swagger-ui-dist/:file', async (c) => {
    const file = c.req.param('file');
    if (!(file in ASSETS)) return errorJson(c, 404, 'not_found', 'No such asset.');
    let body = cache.get(file);
    if (body === undefined) {
      body = await readFile(join(distDir, file), 'utf8');
      cache.set(file, body);
    }
    return c.body(body, 200, { 'content-type': ASSETS[file as keyof typeof ASSETS], 'cache-control': 'public, max-age=86400' });
  });
  return router;
}
