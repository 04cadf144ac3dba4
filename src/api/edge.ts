// What every request meets before any route: body size limits, text PostgreSQL cannot store, and 405 for a known path.
import type { Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { methodNotAllowed } from 'hono/method-not-allowed';
import { errorJson } from './errors.js';

/** JSON bodies are a cart or a form's worth of fields; provider events carry whole objects (Stripe's can be large). */
export const JSON_BODY_MAX = 64 * 1024;
export const WEBHOOK_BODY_MAX = 1024 * 1024;
const WEBHOOKS = '/api/v1/webhooks/';

/**
 * 413 from the Content-Length alone, or, for a chunked body, as soon as the bytes read pass the limit: a body is
 * never read past its limit. Webhooks get the larger limit and no rate limit (providers retry whatever is refused).
 */
export function bodyLimits(): MiddlewareHandler {
  const limit = (maxSize: number) =>
    bodyLimit({ maxSize, onError: (c) => errorJson(c, 413, 'payload_too_large', `The request body is larger than ${maxSize} bytes.`, { details: { maxBytes: maxSize } }) });
  const json = limit(JSON_BODY_MAX);
  const webhook = limit(WEBHOOK_BODY_MAX);
  return (c, next) => (c.req.path.startsWith(WEBHOOKS) ? webhook(c, next) : json(c, next));
}

/** NUL cannot be stored in a PostgreSQL text value, and a lone UTF-16 surrogate has no UTF-8 form. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
export const isStorableText = (s: string) => !s.includes('\0') && !LONE_SURROGATE.test(s);

function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part; // not percent-encoding we can read: routes see it as typed
  }
}

/** Every string in a parsed JSON value, keys included. */
function* stringsOf(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const v of value) yield* stringsOf(v);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      yield k;
      yield* stringsOf(v);
    }
  }
}

async function bodyStrings(c: Parameters<MiddlewareHandler>[0]): Promise<Iterable<string>> {
  const type = c.req.header('content-type') ?? '';
  if (!c.req.raw.body) return [];
  // Read as text (cached by Hono): a webhook's signature is checked later over these exact bytes.
  if (/json/i.test(type)) {
    try {
      return stringsOf(JSON.parse(await c.req.text()));
    } catch {
      return []; // not JSON: the route's own validation answers that
    }
  }
  if (/application\/x-www-form-urlencoded/i.test(type)) {
    const form = new URLSearchParams(await c.req.text());
    return [...form.keys(), ...form.values()];
  }
  return [];
}

/**
 * Refuses with 400 a path, query or JSON/form body holding text PostgreSQL cannot store, before any route reads it:
 * otherwise it reaches a query and fails as a 500. The document says so (see contract.ts).
 */
export function refuseUnstorableText(): MiddlewareHandler {
  return async (c, next) => {
    const url = new URL(c.req.url);
    // The codec endpoint stores nothing: it only turns Temporal payloads into other payloads, whatever text they hold.
    if (url.pathname.startsWith('/codec/')) return next();
    const inUrl = [...url.pathname.split('/').map(decoded), ...url.searchParams.keys(), ...url.searchParams.values()];
    const bad = inUrl.find((s) => !isStorableText(s)) !== undefined || [...(await bodyStrings(c))].some((s) => !isStorableText(s));
    if (bad) return errorJson(c, 400, 'invalid_text', 'The request holds text that cannot be stored: a NUL character or an unpaired UTF-16 surrogate.');
    return next();
  };
}

/** 405 with `Allow` for a method the path does not take (after any route-level auth has answered). */
export function methodNotAllowedFor(app: Pick<Hono, 'routes'>): MiddlewareHandler {
  return methodNotAllowed({
    // It reads only the route table, which is the same whatever the app's Env type.
    app: app as Hono,
    onMethodNotAllowed: (c, methods) =>
      errorJson(c, 405, 'method_not_allowed', `${c.req.method} is not allowed here; use ${methods.join(', ')}.`, { headers: { Allow: methods.join(', ') } }),
  });
}
