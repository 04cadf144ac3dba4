// The fake PayPal's HTTP side: OAuth, bearer checks, PayPal-Request-Id replays, routes, the buyer page; records every call.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { PaypalError, errorBody } from './paypalMoney.js';
import type { PaypalLedger } from './paypalLedger.js';
import { SIGNING_CERT, captureJson, orderJson, refundJson } from './paypalWire.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: string;
  json?: any;
}

export interface ServerConfig {
  clientId: string;
  clientSecret: string;
  tokenTtlSeconds: number;
  /** Called when the buyer approves on the fake's page (the driver sends CHECKOUT.ORDER.APPROVED from there). */
  onBuyerApproval: (orderId: string) => Promise<void>;
}

interface Answer {
  status: number;
  json?: unknown;
  html?: string;
  redirect?: string;
  text?: string;
}

const debugId = () => randomBytes(7).toString('hex');

function withToken(url: string, orderId: string, payerId?: string): string {
  const u = new URL(url);
  u.searchParams.set('token', orderId);
  if (payerId) u.searchParams.set('PayerID', payerId);
  return u.href;
}

export class PaypalHttp {
  readonly requests: RecordedRequest[] = [];
  readonly tokens = new Set<string>();
  base = '';
  // PayPal-Request-Id replays are per operation: the same id on another endpoint is a different request.
  private readonly replays = new Map<string, { status: number; json: unknown }>();

  constructor(
    private readonly ledger: PaypalLedger,
    private readonly cfg: ServerConfig,
  ) {}

  listen(): Promise<Server> {
    const server = createServer((req, res) => void this.handle(req, res));
    return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', this.base);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
    const rec: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers, body };
    try {
      rec.json = body && headers['content-type']?.includes('json') ? JSON.parse(body) : undefined;
    } catch {
      /* recorded as text; the route answers 400 */
    }
    this.requests.push(rec);
    let answer: Answer;
    try {
      answer = await this.route(rec);
    } catch (err) {
      if (!(err instanceof PaypalError)) throw err;
      answer = { status: err.status, json: errorBody(err, debugId()) };
    }
    const out: Record<string, string> = { 'paypal-debug-id': debugId() };
    if (answer.redirect) out.location = answer.redirect;
    const payload = answer.json !== undefined ? JSON.stringify(answer.json) : (answer.html ?? answer.text ?? '');
    out['content-type'] = answer.json !== undefined ? 'application/json' : answer.html ? 'text/html; charset=utf-8' : 'text/plain';
    res.writeHead(answer.status, out).end(payload);
  }

  private async route(r: RecordedRequest): Promise<Answer> {
    const p = r.path;
    if (r.method === 'GET' && p === '/v1/notifications/certs/fake-signing-cert') return { status: 200, text: SIGNING_CERT };
    if (r.method === 'GET' && p === '/checkoutnow') return this.buyerPage(r.query.get('token') ?? '');
    if (r.method === 'POST' && p === '/checkoutnow/approve') return this.buyerApproves(r.query.get('token') ?? '');
    if (r.method === 'POST' && p === '/v1/oauth2/token') return this.token(r);
    if (!this.tokens.has((r.headers.authorization ?? '').replace(/^Bearer /, ''))) {
      return { status: 401, json: { name: 'AUTHENTICATION_FAILURE', message: 'Authentication failed due to invalid authentication credentials or a missing Authorization header.', debug_id: debugId(), details: [], links: [] } };
    }
    let m: RegExpExecArray | null;
    if (r.method === 'POST' && p === '/v2/checkout/orders') return this.idempotent(r, 'create', () => ({ status: 201, json: orderJson(this.base, this.ledger.createOrder(this.body(r)), this.ledger) }));
    if (r.method === 'GET' && (m = /^\/v2\/checkout\/orders\/([^/]+)$/.exec(p))) return { status: 200, json: orderJson(this.base, this.ledger.order(m[1]!), this.ledger) };
    if (r.method === 'POST' && (m = /^\/v2\/checkout\/orders\/([^/]+)\/capture$/.exec(p))) {
      const id = m[1]!;
      return this.idempotent(r, `capture:${id}`, () => {
        this.ledger.capture(id);
        return { status: 201, json: orderJson(this.base, this.ledger.order(id), this.ledger) };
      });
    }
    if (r.method === 'GET' && (m = /^\/v2\/payments\/captures\/([^/]+)$/.exec(p))) {
      const c = this.ledger.captures.get(m[1]!);
      if (c) return { status: 200, json: captureJson(this.base, c) };
    }
    if (r.method === 'POST' && (m = /^\/v2\/payments\/captures\/([^/]+)\/refund$/.exec(p))) {
      const id = m[1]!;
      return this.idempotent(r, `refund:${id}`, () => ({ status: 201, json: refundJson(this.base, this.ledger.refund(id, this.body(r))) }));
    }
    if (r.method === 'GET' && (m = /^\/v2\/payments\/refunds\/([^/]+)$/.exec(p))) {
      const refund = this.ledger.refunds.get(m[1]!);
      if (refund) return { status: 200, json: refundJson(this.base, refund) };
    }
    throw new PaypalError(404, 'RESOURCE_NOT_FOUND', 'INVALID_RESOURCE_ID', 'Specified resource ID does not exist. Please check the resource ID and try again.');
  }

  private body(r: RecordedRequest): any {
    if (r.body && r.json === undefined) throw new PaypalError(400, 'INVALID_REQUEST', 'MALFORMED_REQUEST_JSON', 'The request JSON is not well formed.');
    return r.json ?? {};
  }

  /** First call answers 201 and is remembered; the same PayPal-Request-Id again replays it with 200. */
  private idempotent(r: RecordedRequest, operation: string, run: () => { status: number; json: unknown }): Answer {
    const requestId = r.headers['paypal-request-id'];
    const key = requestId ? `${operation}:${requestId}` : undefined;
    const seen = key ? this.replays.get(key) : undefined;
    if (seen) return { status: 200, json: seen.json };
    const answer = run();
    if (key) this.replays.set(key, answer);
    return answer;
  }

  private token(r: RecordedRequest): Answer {
    const expected = `Basic ${Buffer.from(`${this.cfg.clientId}:${this.cfg.clientSecret}`).toString('base64')}`;
    if (r.headers.authorization !== expected) return { status: 401, json: { error: 'invalid_client', error_description: 'Client Authentication failed' } };
    if (new URLSearchParams(r.body).get('grant_type') !== 'client_credentials') return { status: 400, json: { error: 'unsupported_grant_type', error_description: 'Grant Type is NULL' } };
    const token = `A21AA${randomBytes(24).toString('base64url')}`;
    this.tokens.add(token);
    return { status: 200, json: { scope: 'https://uri.paypal.com/services/payments/payment', access_token: token, token_type: 'Bearer', app_id: 'APP-FAKE', expires_in: this.cfg.tokenTtlSeconds, nonce: debugId() } };
  }

  private buyerPage(token: string): Answer {
    const order = this.ledger.order(token);
    const total = `${order.request.purchase_units[0].amount.value} ${order.currency}`;
    const cancel = order.cancelUrl ? `<a href="${withToken(order.cancelUrl, order.id)}">Cancel and return to merchant</a>` : '';
    return { status: 200, html: `<!doctype html><title>Fake PayPal</title><h1>Pay ${total}</h1><form method="post" action="/checkoutnow/approve?token=${order.id}"><button>Pay Now</button></form>${cancel}` };
  }

  private async buyerApproves(token: string): Promise<Answer> {
    const order = this.ledger.approve(token);
    await this.cfg.onBuyerApproval(order.id);
    if (!order.returnUrl) return { status: 200, html: '<!doctype html><p>Approved.</p>' };
    // PayPal sends the buyer back with the order id as `token` and the payer's id.
    return { status: 302, redirect: withToken(order.returnUrl, order.id, 'FAKEPAYER123') };
  }
}
