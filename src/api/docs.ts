// Interactive API docs at /docs: Swagger UI's files served from our own node_modules (no CDN), started by a nonced script.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { escapeHtml } from '../domain/html.js';
import { errorJson } from './errors.js';
import { scriptNonce } from './headers.js';
import { newRouter } from './router.js';

const ASSETS = { 'swagger-ui.css': 'text/css; charset=utf-8', 'swagger-ui-bundle.js': 'text/javascript; charset=utf-8' } as const;
const distDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const docsPage = (nonce: string) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Durable checkout API</title><link rel="stylesheet" href="/docs/assets/swagger-ui-dist/swagger-ui.css"></head>
<body><div id="swagger-ui"></div><script src="/docs/assets/swagger-ui-dist/swagger-ui-bundle.js"></script>
<script nonce="${escapeHtml(nonce)}">window.ui = SwaggerUIBundle({ dom_id: '#swagger-ui', url: '/openapi.json', persistAuthorization: true });</script>
</body></html>`;

export function docsRoutes() {
  const router = newRouter();
  const cache = new Map<string, string>();
  router.get('/docs', (c) => c.html(docsPage(scriptNonce(c))));
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
