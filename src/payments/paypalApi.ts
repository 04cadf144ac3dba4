// PayPal REST over fetch (token kept until shortly before it lapses, PayPal's error body), and the shapes both ends share.
import { z } from 'zod';
import { DomainError } from '../domain/errors.js';
import { fromMajorUnits, toMajorUnits, type Money } from '../domain/money.js';
import { PROVIDER_REQUEST_TIMEOUT_MS } from './provider.js';

export interface PaypalCredentials {
  apiUrl: string;
  clientId: string;
  clientSecret: string;
}

/** A refused call, with PayPal's error `name` and the first `details[].issue` (ORDER_ALREADY_CAPTURED, REFUND_AMOUNT_EXCEEDED…). */
export class PaypalApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorName: string | undefined,
    readonly issue: string | undefined,
    readonly debugId: string | undefined,
  ) {
    super(`PayPal answered ${status}${errorName ? ` ${errorName}` : ''}${issue ? ` (${issue})` : ''}${debugId ? `, debug_id ${debugId}` : ''}`);
    this.name = 'PaypalApiError';
  }
}

const tokenAnswer = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });
const errorBody = z.object({ name: z.string().optional(), debug_id: z.string().optional(), details: z.array(z.object({ issue: z.string().optional() })).optional() }).loose();

// Renew a minute early so a token never lapses between being read and reaching PayPal.
const TOKEN_MARGIN_MS = 60_000;

export interface PaypalClient {
  call(method: 'GET' | 'POST', path: string, options?: { body?: unknown; requestId?: string }): Promise<{ status: number; json: unknown }>;
}

export function createPaypalClient(c: PaypalCredentials, now: () => number = Date.now): PaypalClient {
  const base = c.apiUrl.replace(/\/+$/, '');
  let cached: { token: string; until: number } | undefined;

  async function fetchToken(): Promise<string> {
    const res = await fetch(`${base}/v1/oauth2/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: 'grant_type=client_credentials',
      signal: AbortSignal.timeout(PROVIDER_REQUEST_TIMEOUT_MS),
    });
    // The body of a refused token call names no secret, but we still say only the status.
    if (!res.ok) throw new PaypalApiError(res.status, 'oauth_token_refused', undefined, undefined);
    const parsed = tokenAnswer.parse(await res.json());
    cached = { token: parsed.access_token, until: now() + parsed.expires_in * 1000 - TOKEN_MARGIN_MS };
    return parsed.access_token;
  }

  async function send(method: string, path: string, token: string, body: unknown, requestId: string | undefined): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (requestId) headers['paypal-request-id'] = requestId;
    // Ask for the full resource: the default (return=minimal) omits purchase units and captures.
    headers.prefer = 'return=representation';
    return fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(PROVIDER_REQUEST_TIMEOUT_MS) });
  }

  return {
    async call(method, path, options = {}) {
      const token = cached && cached.until > now() ? cached.token : await fetchToken();
      let res = await send(method, path, token, options.body, options.requestId);
      // A token revoked or expired early: fetch a fresh one once, and retry with the same request id.
      if (res.status === 401) res = await send(method, path, await fetchToken(), options.body, options.requestId);
      const text = await res.text();
      const json: unknown = text ? JSON.parse(text) : undefined;
      if (res.ok) return { status: res.status, json };
      const err = errorBody.safeParse(json);
      const e = err.success ? err.data : {};
      throw new PaypalApiError(res.status, e.name, e.details?.[0]?.issue, e.debug_id);
    },
  };
}

/** PayPal refuses decimals for these even where ISO 4217 has a minor unit (TWD). */
const NO_DECIMALS = new Set(['HUF', 'JPY', 'TWD']);

export const paypalMoney = z.object({ currency_code: z.string().length(3), value: z.string() });

/** Our minor units as PayPal's `{currency_code, value}` (decimal string in major units). */
export function toPaypalMoney(m: Money): z.infer<typeof paypalMoney> {
  const currency = m.currency.toUpperCase();
  let value = toMajorUnits(m);
  if (NO_DECIMALS.has(currency) && value.includes('.')) {
    const [whole, fraction] = value.split('.') as [string, string];
    if (/[1-9]/.test(fraction)) throw new DomainError('unsupported_amount', `PayPal takes ${currency} in whole units only, not ${value}.`);
    value = whole;
  }
  return { currency_code: currency, value };
}

export function fromPaypalMoney(m: z.infer<typeof paypalMoney>): Money {
  return fromMajorUnits(m.value, m.currency_code);
}

export const captureObject = z.object({ id: z.string(), status: z.string(), amount: paypalMoney.optional(), custom_id: z.string().optional() }).loose();

/** What a capture's status means for the order: money taken (refunds later do not undo that), on its way, or refused. */
export function captureKind(status: string): 'succeeded' | 'processing' | 'failed' {
  if (status === 'COMPLETED' || status === 'REFUNDED' || status === 'PARTIALLY_REFUNDED') return 'succeeded';
  return status === 'PENDING' ? 'processing' : 'failed';
}

export function refundStatus(status: string): 'succeeded' | 'pending' | 'failed' {
  if (status === 'COMPLETED') return 'succeeded';
  return status === 'PENDING' ? 'pending' : 'failed';
}
