// Request rate limits at the API edge: whose address a request counts against, and the 429 that refuses it.
import { getConnInfo } from '@hono/node-server/conninfo';
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { clientIp } from '../auth/clientIp.js';
import { hitRateLimits, type Limit, type Verdict } from '../auth/rateLimit.js';
import type { Sql } from '../db/client.js';
import { errorJson, errorResponse } from './errors.js';

/** The documented 429: the common error body with `Retry-After`. */
export const rateLimitedResponse = (description: string) => ({
  ...errorResponse(`${description}; \`details.retryAfterSeconds\` says when to retry`),
  headers: z.object({ 'Retry-After': z.string().openapi({ description: 'Seconds until a new request is counted', example: '540' }) }),
});

/** The client's address (IPv6 as its /64), from the socket or as far as trusted proxies wrote X-Forwarded-For. */
export function requestIp(c: Context, trustedProxyHops: number): string {
  return clientIp(socketAddress(c), c.req.header('x-forwarded-for'), trustedProxyHops);
}

/** The peer of the request's socket; undefined when not served by @hono/node-server (app.request in a test). */
export function socketAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

export function tooManyRequests(c: Context, retryAfterSeconds: number) {
  const message = `Too many requests; try again in ${retryAfterSeconds} seconds.`;
  return errorJson(c, 429, 'rate_limited', message, { details: { retryAfterSeconds }, headers: { 'Retry-After': String(retryAfterSeconds) } });
}

/** Counts the request against every limit; a refusal is the 429 to answer with, otherwise undefined. */
export async function refuseOverLimit(c: Context, sql: Sql, limits: Limit[], windowSeconds: number) {
  const v: Verdict = await hitRateLimits(sql, limits, windowSeconds);
  return v.allowed ? undefined : tooManyRequests(c, v.retryAfterSeconds);
}
