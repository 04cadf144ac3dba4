// Browser-facing headers on every answer: security headers (CSP with a per-request script nonce), CORS, and no-store.
import type { Context, MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { NONCE, secureHeaders } from 'hono/secure-headers';

/**
 * Scripts run only from our origin or with this request's nonce (the pages' inline scripts carry it); inline styles
 * are allowed, since the pages and the captured emails use style attributes. No page may be framed.
 */
export function securityHeaders(publicUrl: string): MiddlewareHandler {
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'", NONCE],
      styleSrc: ["'self'", "'unsafe-inline'"],
      // Emails shown in the dev mailbox may link images from anywhere.
      imgSrc: ["'self'", 'data:', 'https:'],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
    xFrameOptions: 'DENY',
    referrerPolicy: 'no-referrer',
    // Over plain http (a local demo) HSTS would be ignored at best; behind https it pins the browser to https.
    strictTransportSecurity: publicUrl.startsWith('https://') ? 'max-age=31536000; includeSubDomains' : false,
  });
}

/** The nonce this request's CSP allows inline scripts with. */
export const scriptNonce = (c: Context): string => c.get('secureHeadersNonce') ?? '';

/** Answers that belong to one customer or to operators must not be kept by browsers or shared caches. */
const PRIVATE = /^\/api\/v1\/(me|admin|auth)(\/|$)/;

export function noStorePrivate(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (PRIVATE.test(c.req.path)) c.res.headers.set('Cache-Control', 'no-store');
  };
}

/** The admin API and provider webhooks are never called from a browser on another origin. */
const NO_CORS = /^\/api\/v1\/(admin|webhooks)(\/|$)/;

/**
 * CORS for the public and customer API, for the origins listed in CORS_ORIGINS (none by default). Customers
 * authenticate with a bearer token, not cookies, so credentials are not allowed.
 */
export function corsForStorefronts(origins: string[]): MiddlewareHandler {
  const allowed = new Set(origins);
  const handler = cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    allowMethods: ['GET', 'POST'],
    allowHeaders: ['Content-Type', 'Authorization', 'Idempotency-Key'],
    exposeHeaders: ['Retry-After'],
    maxAge: 600,
  });
  return (c, next) => (allowed.size > 0 && c.req.path.startsWith('/api/v1/') && !NO_CORS.test(c.req.path) ? handler(c, next) : next());
}
