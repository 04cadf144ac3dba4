// A local PayU (REST v2.1) on 127.0.0.1 for tests: real HTTP, PayU's answers, recorded requests, and scenario controls.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { orderProperties, orderView, refundNotificationBody, signPayuBody, type Answer, type FakeOrder, type FakeOrderStatus, type FakeRefund, type SignatureAlgorithm } from './payuBooks.js';
import { authorised, cancelOrder, createOrder, createRefund, listRefunds, oauth, retrieveOrder, type FakeRequest, type FakeState } from './payuRoutes.js';

export { signPayuBody, type SignatureAlgorithm } from './payuBooks.js';

export interface PayuFakeOptions {
  posId?: string;
  clientId?: string;
  clientSecret?: string;
  secondKey?: string;
  /** expires_in of issued tokens (PayU: 43199). */
  tokenTtlSeconds?: number;
  /** How notifications are signed unless a call says otherwise. */
  algorithm?: SignatureAlgorithm;
}

export interface PayuFake {
  url: string;
  /** What createPayuProvider needs to talk to this fake. */
  settings: { apiUrl: string; posId: string; clientId: string; clientSecret: string; secondKey: string };
  /** Every request received, in order (headers lower-cased, body as sent). */
  requests: FakeRequest[];
  orders: ReadonlyMap<string, FakeOrder>;
  refunds: ReadonlyMap<string, FakeRefund>;
  /** The newest PayU order made for our order id (its extOrderId, or a successor `<id>_<n>`). */
  orderFor(ourOrderId: string): FakeOrder | undefined;
  pay(payuOrderId: string): void;
  decline(payuOrderId: string): void;
  pending(payuOrderId: string): void;
  waitingForConfirmation(payuOrderId: string): void;
  /** POSTs the order's status notification, signed, to its notifyUrl; resolves to the HTTP status our server answered. */
  notify(payuOrderId: string, opts?: { algorithm?: SignatureAlgorithm }): Promise<number>;
  notifyRefund(refundId: string, opts?: { algorithm?: SignatureAlgorithm }): Promise<number>;
  /** The next refund ends CANCELED (at once, or when finalised if refunds are held). */
  failNextRefund(): void;
  /** Refunds answer PENDING and stay so until finalizeRefund. */
  holdRefunds(hold?: boolean): void;
  finalizeRefund(refundId: string): FakeRefund;
  /** Revokes every issued token: the next API call gets a 401. */
  revokeTokens(): void;
  /** The next answer is processed but never delivered (the connection drops), as when a response is lost. */
  loseNextAnswer(): void;
  close(): Promise<void>;
}

async function readRequest(req: IncomingMessage): Promise<FakeRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return { method: req.method ?? 'GET', path: req.url ?? '/', headers, body: Buffer.concat(chunks).toString('utf8') };
}

function route(state: FakeState, req: FakeRequest): Answer {
  const path = req.path.split('?')[0]!;
  if (req.method === 'POST' && path === '/pl/standard/user/oauth/authorize') return oauth(state, req);
  if (req.method === 'GET' && path === '/pay/') return { status: 200, body: '<!doctype html><title>PayU (fake)</title><p>Fake PayU payment page</p>', headers: { 'Content-Type': 'text/html' } };
  if (!path.startsWith('/api/v2_1/')) return { status: 404, body: { status: { statusCode: 'DATA_NOT_FOUND' } } };
  if (!authorised(state, req)) return { status: 401, body: { status: { statusCode: 'UNAUTHORIZED', severity: 'ERROR', statusDesc: 'Invalid or expired access token' } } };
  if (req.method === 'POST' && path === '/api/v2_1/orders') return createOrder(state, req);
  const m = /^\/api\/v2_1\/orders\/([^/]+)(\/refunds?)?$/.exec(path);
  if (!m) return { status: 404, body: { status: { statusCode: 'DATA_NOT_FOUND' } } };
  const id = decodeURIComponent(m[1]!);
  // The PHP SDK posts to the singular /refund, the API reference to /refunds: PayU takes both.
  if (m[2] && req.method === 'POST') return createRefund(state, id, req);
  if (m[2] === '/refunds' && req.method === 'GET') return listRefunds(state, id);
  if (!m[2] && req.method === 'GET') return retrieveOrder(state, id);
  if (!m[2] && req.method === 'DELETE') return cancelOrder(state, id);
  return { status: 405, body: { status: { statusCode: 'ERROR_SYNTAX' } } };
}

function write(res: ServerResponse, answer: Answer): void {
  const isText = typeof answer.body === 'string';
  const body = answer.body === undefined ? '' : isText ? (answer.body as string) : JSON.stringify(answer.body);
  res.writeHead(answer.status, { 'Content-Type': isText ? 'text/html' : 'application/json;charset=UTF-8', ...answer.headers });
  res.end(body);
}

async function post(url: string, body: string, signature: string): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    // PayU sends the same signature under both names.
    headers: { 'Content-Type': 'application/json;charset=UTF-8', 'OpenPayu-Signature': signature, 'X-OpenPayU-Signature': signature },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

export async function startPayuFake(opts: PayuFakeOptions = {}): Promise<PayuFake> {
  const secondKey = opts.secondKey ?? 'b6ca15b0d1020e8094d9b5f8d163db54';
  const state: FakeState = {
    url: '',
    posId: opts.posId ?? '300746',
    clientId: opts.clientId ?? '300746',
    clientSecret: opts.clientSecret ?? '2ee86a66e5d97e3fadc400c9f19b065d',
    tokenTtlSeconds: opts.tokenTtlSeconds ?? 43199,
    tokens: new Map(),
    orders: new Map(),
    refunds: new Map(),
    failNextRefund: false,
    holdRefunds: false,
    nextRefundId: 5000000142,
  };
  const requests: FakeRequest[] = [];
  let loseNext = false;

  const server = createServer((req, res) => {
    void readRequest(req).then((request) => {
      requests.push(request);
      const answer = route(state, request);
      if (loseNext) {
        loseNext = false;
        res.socket?.destroy();
        return;
      }
      write(res, answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const order = (id: string): FakeOrder => {
    const found = state.orders.get(id);
    if (!found) throw new Error(`fake PayU has no order ${id}`);
    return found;
  };
  const setStatus = (id: string, status: FakeOrderStatus) => {
    const o = order(id);
    o.status = status;
    if (status === 'COMPLETED') o.paymentId ??= String(150_000_000 + state.orders.size);
  };
  const refund = (id: string): FakeRefund => {
    const found = state.refunds.get(id);
    if (!found) throw new Error(`fake PayU has no refund ${id}`);
    return found;
  };
  const sign = (body: string, algorithm?: SignatureAlgorithm) => signPayuBody(body, secondKey, algorithm ?? opts.algorithm ?? 'MD5');

  return {
    url: state.url,
    settings: { apiUrl: state.url, posId: state.posId, clientId: state.clientId, clientSecret: state.clientSecret, secondKey },
    requests,
    orders: state.orders,
    refunds: state.refunds,
    orderFor: (ourOrderId) => [...state.orders.values()].filter((o) => o.extOrderId === ourOrderId || o.extOrderId?.startsWith(`${ourOrderId}_`)).at(-1),
    pay: (id) => setStatus(id, 'COMPLETED'),
    decline: (id) => setStatus(id, 'CANCELED'),
    pending: (id) => setStatus(id, 'PENDING'),
    waitingForConfirmation: (id) => setStatus(id, 'WAITING_FOR_CONFIRMATION'),
    async notify(id, o = {}) {
      const target = order(id);
      if (!target.notifyUrl) throw new Error(`order ${id} has no notifyUrl`);
      const receipt = target.status === 'COMPLETED' ? { localReceiptDateTime: new Date().toISOString() } : {};
      const body = JSON.stringify({ order: orderView(target), ...receipt, properties: orderProperties(target) });
      return post(target.notifyUrl, body, sign(body, o.algorithm));
    },
    async notifyRefund(refundId, o = {}) {
      const r = refund(refundId);
      const target = order(r.orderId);
      if (!target.notifyUrl) throw new Error(`order ${r.orderId} has no notifyUrl`);
      const body = JSON.stringify(refundNotificationBody(target, r));
      return post(target.notifyUrl, body, sign(body, o.algorithm));
    },
    failNextRefund: () => void (state.failNextRefund = true),
    holdRefunds: (hold = true) => void (state.holdRefunds = hold),
    finalizeRefund(refundId) {
      const r = refund(refundId);
      r.status = r.outcome;
      r.statusDateTime = new Date().toISOString();
      return r;
    },
    revokeTokens: () => state.tokens.clear(),
    loseNextAnswer: () => void (loseNext = true),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // fetch keeps connections alive; without this close waits for them to time out.
        server.closeAllConnections();
      }),
  };
}
