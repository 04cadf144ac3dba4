// PostFinance Checkout API v2.0 over fetch: the per-request JWT the 5.x SDK sends, the Space header, error bodies.
import { SignJWT } from 'jose';
import { z } from 'zod';
import { PROVIDER_REQUEST_TIMEOUT_MS } from './provider.js';

export interface PostfinanceSettings {
  /** Base URL ending in /api/v2.0, e.g. https://checkout.postfinance.ch/api/v2.0 (no trailing slash). */
  apiUrl: string;
  spaceId: number;
  userId: number;
  /** The application user's authentication key, base64 as the back office shows it. */
  authKey: string;
}

/** The token's requestPath always starts with this, whatever host the base URL names (the SDK hard-codes it). */
export const API_PREFIX = '/api/v2.0';

/** RestApiErrorResponse: what PostFinance answers with a 4xx/5xx. */
const errorBody = z.object({ code: z.string().optional(), message: z.string().optional(), id: z.string().optional() }).loose();

export class PostfinanceApiError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    readonly code: string | undefined,
    detail: string,
  ) {
    super(`PostFinance ${method} ${path} answered ${status}${code ? ` ${code}` : ''}: ${detail}`);
    this.name = 'PostfinanceApiError';
  }

  /** A request PostFinance refused for what it says (bad amount, unknown id), not for who sent it or when. */
  get isRefusal(): boolean {
    return this.status >= 400 && this.status < 500 && ![401, 403, 408, 429].includes(this.status);
  }
}

/** The SDK's query encoding (runtime.querystring): k=v with encodeURIComponent, joined by &, apostrophes escaped. */
export function encodeQuery(query: Record<string, string | number>): string {
  return Object.entries(query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&')
    .replace(/'/g, '%27');
}

/**
 * HS256 JWT as HttpBearerAuth (5.5.0) builds it: header {alg, typ, ver:1}; claims sub (user id as a string), iat
 * (unix seconds), requestPath (/api/v2.0 + path + ?query) and requestMethod; key = the base64-decoded auth key.
 */
export async function signRequestToken(s: Pick<PostfinanceSettings, 'userId' | 'authKey'>, method: string, pathAndQuery: string, nowSeconds = Math.trunc(Date.now() / 1000)): Promise<string> {
  const claims = { sub: String(s.userId), iat: nowSeconds, requestPath: `${API_PREFIX}${pathAndQuery}`, requestMethod: method };
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT', ver: 1 }).sign(Buffer.from(s.authKey, 'base64'));
}

export interface CallOptions {
  query?: Record<string, string | number>;
  body?: unknown;
  /** Endpoints that produce text/plain or a JSON string (payment page URL, encryption key). */
  text?: boolean;
}

export type PostfinanceCall = <T = unknown>(method: 'GET' | 'POST', path: string, options?: CallOptions) => Promise<T>;

export function createPostfinanceCall(s: PostfinanceSettings): PostfinanceCall {
  return async <T>(method: 'GET' | 'POST', path: string, options: CallOptions = {}): Promise<T> => {
    const query = options.query && Object.keys(options.query).length > 0 ? `?${encodeQuery(options.query)}` : '';
    const headers: Record<string, string> = {
      Authorization: `Bearer ${await signRequestToken(s, method, path + query)}`,
      Space: String(s.spaceId),
      Accept: options.text ? 'text/plain, application/json' : 'application/json',
    };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${s.apiUrl}${path}${query}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(PROVIDER_REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    if (!response.ok) throw apiError(response.status, method, path, text);
    if (!text) return undefined as T;
    const json = (response.headers.get('content-type') ?? '').includes('json');
    if (options.text) return (json ? JSON.parse(text) : text.trim()) as T;
    return JSON.parse(text) as T;
  };
}

function apiError(status: number, method: string, path: string, text: string): PostfinanceApiError {
  let parsed: z.infer<typeof errorBody> | undefined;
  try {
    const result = errorBody.safeParse(JSON.parse(text));
    parsed = result.success ? result.data : undefined;
  } catch {
    parsed = undefined;
  }
  return new PostfinanceApiError(status, method, path, parsed?.code, parsed?.message ?? text.slice(0, 200));
}
