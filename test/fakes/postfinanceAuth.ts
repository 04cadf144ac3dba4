// The fake PostFinance's gate: the 5.x SDK's per-request JWT checked claim by claim, the Space header, error bodies.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { decodeProtectedHeader, jwtVerify } from 'jose';

export interface FakeAnswer {
  status: number;
  body: unknown;
  contentType?: string;
}

/** RestApiErrorResponse as the 5.x SDK models it: {date, code, id, message, errors}. The code values are the fake's own. */
export function apiError(status: number, code: string, message: string, errors?: Record<string, string>): FakeAnswer {
  return { status, body: { date: new Date().toISOString(), code, id: randomUUID(), message, ...(errors ? { errors } : {}) } };
}

export interface AuthSettings {
  userId: number;
  authKey: string;
  spaceId: number;
  /** How far iat may lie from the fake's clock, either way. */
  tokenMaxAgeSeconds: number;
}

/** Why a token is refused, or undefined when it authenticates exactly this request. */
async function tokenProblem(req: IncomingMessage, s: AuthSettings): Promise<string | undefined> {
  const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  if (!match) return 'missing bearer token';
  const token = match[1]!;
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return 'malformed token';
  }
  if (header.alg !== 'HS256' || header.typ !== 'JWT' || header.ver !== 1) return 'unexpected token header';
  let payload: Record<string, unknown>;
  try {
    payload = (await jwtVerify(token, Buffer.from(s.authKey, 'base64'), { algorithms: ['HS256'] })).payload;
  } catch {
    return 'bad token signature';
  }
  if (payload.sub !== String(s.userId)) return 'unknown user';
  const iat = payload.iat;
  if (typeof iat !== 'number' || Math.abs(Date.now() / 1000 - iat) > s.tokenMaxAgeSeconds) return 'stale or missing iat';
  if (payload.requestPath !== req.url) return `token is for ${String(payload.requestPath)}, not ${req.url}`;
  if (payload.requestMethod !== req.method) return `token is for ${String(payload.requestMethod)}, not ${req.method}`;
  return undefined;
}

/** 401 for a token that does not authenticate this request, 400/403 for a missing or foreign Space header. */
export async function checkAuth(req: IncomingMessage, s: AuthSettings, needsSpace: boolean): Promise<FakeAnswer | undefined> {
  const problem = await tokenProblem(req, s);
  if (problem) return apiError(401, 'UNAUTHORIZED', `Authentication failed: ${problem}.`);
  if (!needsSpace) return undefined;
  const space = req.headers.space;
  if (space === undefined) return apiError(400, 'MISSING_HEADER', 'The Space header is required.');
  if (space !== String(s.spaceId)) return apiError(403, 'FORBIDDEN', `The user has no access to space ${String(space)}.`);
  return undefined;
}
