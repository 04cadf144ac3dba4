// PayU HTTP: an OAuth client-credentials token cached until shortly before it expires, and JSON calls that renew it once on a 401.
import { PROVIDER_REQUEST_TIMEOUT_MS } from './provider.js';
import { describePayuError, oauthTokenSchema } from './payuWire.js';

export interface PayuCredentials {
  apiUrl: string;
  clientId: string;
  clientSecret: string;
}

export interface PayuAnswer {
  status: number;
  /** The Location header: PayU's 302 to the payment page, read without following it. */
  location: string | null;
  body: unknown;
}

export interface PayuHttp {
  call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<PayuAnswer>;
}

// Renew a minute early so a token never expires between our check and PayU's; tokens live 43199 s.
const RENEW_MARGIN_S = 60;

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function createPayuHttp(s: PayuCredentials, now: () => number = Date.now): PayuHttp {
  const base = s.apiUrl.replace(/\/+$/, '');
  let cached: { token: string; renewAt: number } | undefined;
  // Concurrent calls share one token request instead of each fetching their own.
  let inFlight: Promise<string> | undefined;

  async function fetchToken(): Promise<string> {
    const res = await fetch(`${base}/pl/standard/user/oauth/authorize`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: s.clientId, client_secret: s.clientSecret }).toString(),
      signal: AbortSignal.timeout(PROVIDER_REQUEST_TIMEOUT_MS),
    });
    const body = await readBody(res);
    // The message names the client id and PayU's error, never the secret.
    if (!res.ok) throw new Error(`PayU OAuth refused client ${s.clientId}: HTTP ${res.status} ${describePayuError(body)}`);
    const parsed = oauthTokenSchema.safeParse(body);
    if (!parsed.success) throw new Error('PayU OAuth answered without a usable access token');
    const lifetime = parsed.data.expires_in;
    cached = { token: parsed.data.access_token, renewAt: now() + Math.max(lifetime - RENEW_MARGIN_S, lifetime / 2) * 1000 };
    return cached.token;
  }

  function token(): Promise<string> {
    if (cached && now() < cached.renewAt) return Promise.resolve(cached.token);
    inFlight ??= fetchToken().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  async function send(method: string, path: string, body: unknown, bearer: string): Promise<PayuAnswer> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      // PayU answers an order with a 302 to its payment page: ours to hand to the buyer, never to follow.
      redirect: 'manual',
      signal: AbortSignal.timeout(PROVIDER_REQUEST_TIMEOUT_MS),
    });
    return { status: res.status, location: res.headers.get('location'), body: await readBody(res) };
  }

  return {
    async call(method, path, body) {
      const first = await token();
      const answer = await send(method, path, body, first);
      if (answer.status !== 401) return answer;
      // Revoked or expired early: one fresh token, one retry; a second 401 is the caller's to report.
      if (cached?.token === first) cached = undefined;
      return send(method, path, body, await token());
    },
  };
}
