// A local PostFinance Checkout (API v2.0) on 127.0.0.1: JWT-checked endpoints, signed webhooks, and a driver for tests.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { apiError, checkAuth, type AuthSettings, type FakeAnswer } from './postfinanceAuth.js';
import { createStore, type FakeTransactionState } from './postfinanceStore.js';
import { createWebhookSender } from './postfinanceWebhooks.js';

export type { FakeRefundState, FakeTransactionState } from './postfinanceStore.js';

export interface PostfinanceFakeOptions {
  spaceId?: number;
  userId?: number;
  /** base64, like the back office shows it; a random one by default. */
  authKey?: string;
  /** Where notify*() POSTs webhooks (our /api/v1/webhooks/postfinance); settable later with setWebhookUrl. */
  webhookUrl?: string;
  currencies?: readonly string[];
  tokenMaxAgeSeconds?: number;
  /** Endpoints that produce text/plain or a JSON string answer as text (default) or force the JSON-string form. */
  stringsAs?: 'text' | 'json';
}

export interface RecordedRequest {
  method: string;
  /** As received, e.g. /api/v2.0/payment/transactions/search?limit=20 */
  url: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  json?: any;
  status: number;
}

const PREFIX = '/api/v2.0';

export async function startPostfinanceFake(opts: PostfinanceFakeOptions = {}) {
  const auth: AuthSettings = {
    spaceId: opts.spaceId ?? 31_337,
    userId: opts.userId ?? 512,
    authKey: opts.authKey ?? randomBytes(32).toString('base64'),
    tokenMaxAgeSeconds: opts.tokenMaxAgeSeconds ?? 300,
  };
  const store = createStore(auth.spaceId, opts.currencies ?? ['CHF', 'EUR']);
  const requests: RecordedRequest[] = [];
  const outages: { match: RegExp; status: number; meanwhile?: () => void }[] = [];
  let origin = '';
  const webhooks = createWebhookSender(auth.spaceId, opts.webhookUrl);

  /** text/plain unless the caller asks for JSON first (the API produces both for string results). */
  const stringAnswer = (req: IncomingMessage, value: string): FakeAnswer =>
    opts.stringsAs === 'json' || /^\s*application\/json/.test(req.headers.accept ?? '') ? { status: 200, body: value } : { status: 200, body: value, contentType: 'text/plain' };

  async function route(req: IncomingMessage, path: string, query: URLSearchParams, json: unknown): Promise<FakeAnswer> {
    const method = req.method ?? 'GET';
    const keyMatch = /^\/webhooks\/encryption-keys\/([^/]+)$/.exec(path);
    const denied = await checkAuth(req, auth, !keyMatch);
    if (denied) return denied;
    if (keyMatch && method === 'GET') {
      const key = webhooks.publicKey(decodeURIComponent(keyMatch[1]!));
      return key ? stringAnswer(req, key) : apiError(404, 'NOT_FOUND', `No webhook encryption key ${keyMatch[1]}.`);
    }
    if (method === 'POST' && path === '/payment/transactions') return store.createTransaction(json);
    if (method === 'GET' && path === '/payment/transactions/search') return store.search(query);
    if (method === 'POST' && path === '/payment/refunds') return store.createRefund(json);
    const refund = /^\/payment\/refunds\/(\d+)$/.exec(path);
    if (refund && method === 'GET') {
      const f = store.refunds.get(Number(refund[1]));
      return f ? { status: 200, body: store.renderRefund(f) } : apiError(404, 'NOT_FOUND', `Refund ${refund[1]} does not exist.`);
    }
    const tx = /^\/payment\/transactions\/(\d+)(\/payment-page-url|\/void-online)?$/.exec(path);
    const t = tx ? store.transactions.get(Number(tx[1])) : undefined;
    if (tx && !t) return apiError(404, 'NOT_FOUND', `Transaction ${tx[1]} does not exist.`);
    if (t && method === 'GET' && !tx![2]) return { status: 200, body: store.renderTransaction(t) };
    if (t && method === 'GET' && tx![2] === '/payment-page-url') return stringAnswer(req, `${origin}/s/${auth.spaceId}/payment/transaction/pay/${t.id}?securityToken=${randomUUID()}`);
    if (t && method === 'POST' && tx![2] === '/void-online') {
      if (t.state !== 'AUTHORIZED') return apiError(409, 'INVALID_STATE', `Transaction ${t.id} is ${t.state}; only an authorized transaction can be voided.`);
      store.setState(t.id, 'VOIDED');
      return { status: 200, body: { id: t.id + 900_000, state: 'SUCCESSFUL', transaction: { id: t.id }, linkedSpaceId: auth.spaceId } };
    }
    return apiError(404, 'NOT_FOUND', `No operation ${method} ${PREFIX}${path}.`);
  }

  function injected(o: (typeof outages)[number]): FakeAnswer {
    o.meanwhile?.();
    return apiError(o.status, o.status >= 500 ? 'SERVER_ERROR' : 'INVALID_STATE', 'Injected by the test.');
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', origin);
    const path = url.pathname.startsWith(PREFIX) ? url.pathname.slice(PREFIX.length) : '';
    let json: unknown;
    let answer: FakeAnswer;
    try {
      json = body ? JSON.parse(body) : undefined;
      const outage = outages.findIndex((o) => o.match.test(`${req.method} ${path}`));
      answer = !path ? apiError(404, 'NOT_FOUND', 'Not under /api/v2.0.') : outage >= 0 ? injected(outages.splice(outage, 1)[0]!) : await route(req, path, url.searchParams, json);
    } catch {
      answer = apiError(400, 'INVALID_JSON', 'The body is not JSON.');
    }
    requests.push({ method: req.method ?? '', url: req.url ?? '', path, headers: req.headers, body, json, status: answer.status });
    const text = answer.contentType === 'text/plain' ? String(answer.body) : JSON.stringify(answer.body);
    res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/json;charset=utf-8' }).end(text);
  }

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const apiUrl = `${origin}${PREFIX}`;

  const notifyTransaction = (id: number) => webhooks.notify('Transaction', id, store.renderTransaction(store.transactions.get(id)!).state);
  const drive = async (id: number, state: FakeTransactionState) => {
    store.setState(id, state);
    return notifyTransaction(id);
  };

  return {
    apiUrl,
    /** Ready for createPostfinanceProvider(fake.settings). */
    settings: { apiUrl, spaceId: auth.spaceId, userId: auth.userId, authKey: auth.authKey },
    requests,
    keyId: webhooks.keyId,
    setWebhookUrl: webhooks.setUrl,
    transaction: (id: number) => store.renderTransaction(store.transactions.get(id)!),
    transactionIds: () => [...store.transactions.keys()],
    refund: (id: number) => store.renderRefund(store.refunds.get(id)!),
    refundIds: () => [...store.refunds.keys()],
    setState: (id: number, state: FakeTransactionState, completedAmount?: number) => store.setState(id, state, completedAmount),
    notifyTransaction,
    processing: (id: number) => drive(id, 'PROCESSING'),
    authorize: (id: number) => drive(id, 'AUTHORIZED'),
    fulfill: (id: number) => drive(id, 'FULFILL'),
    decline: (id: number) => drive(id, 'DECLINE'),
    fail: (id: number) => drive(id, 'FAILED'),
    setNextRefundState: store.setNextRefundState,
    settleRefund: (id: number, state: 'SUCCESSFUL' | 'FAILED') => store.settleRefund(id, state),
    notifyRefund: (id: number) => webhooks.notify('Refund', id, store.refunds.get(id)!.state),
    /** X-Signature for any body, signed with the fake's key (or another key id, to test unknown ids). */
    sign: webhooks.sign,
    /** POSTs a raw body with the given headers to the webhook URL; returns our HTTP status. */
    postWebhook: webhooks.post,
    /** The next request whose "METHOD /path" matches answers `status` instead (an outage), after running `meanwhile` (a race). */
    failNext: (match: RegExp, status = 503, meanwhile?: () => void) => void outages.push({ match, status, meanwhile }),
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

export type PostfinanceFake = Awaited<ReturnType<typeof startPostfinanceFake>>;
