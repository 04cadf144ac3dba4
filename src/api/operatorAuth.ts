// Bearer-token checks for operators' endpoints (admin API, codec endpoint, metrics): constant-time, one error body.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { errorJson } from './errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Requests must carry `token` as a bearer token; without a token configured, every request is refused with `disabled`. */
export function requireBearer(token: string | undefined, realm: string, disabled: string): MiddlewareHandler {
  const expected = token ? digest(token) : undefined;
  return async (c, next) => {
    const given = /^Bearer (.+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    // Hashing first makes the comparison constant-time whatever the lengths.
    if (!expected || !given || !timingSafeEqual(digest(given), expected)) {
      const message = expected ? `A valid ${realm} bearer token is required.` : disabled;
      return errorJson(c, 401, 'unauthorized', message, { headers: { 'WWW-Authenticate': `Bearer realm="${realm}"` } });
    }
    return next();
  };
}
