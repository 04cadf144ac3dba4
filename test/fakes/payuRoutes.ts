// The fake PayU's endpoints: OAuth, orders (create, retrieve, cancel) and refunds, answering as PayU documents them.
import { randomUUID } from 'node:crypto';
import { apiError, newPayuOrderId, orderProperties, orderView, refundView, validateOrder, type Answer, type FakeOrder, type FakeRefund } from './payuBooks.js';

export interface FakeState {
  url: string;
  posId: string;
  clientId: string;
  clientSecret: string;
  tokenTtlSeconds: number;
  tokens: Map<string, number>;
  orders: Map<string, FakeOrder>;
  refunds: Map<string, FakeRefund>;
  failNextRefund: boolean;
  holdRefunds: boolean;
  nextRefundId: number;
}

export interface FakeRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

const now = () => new Date().toISOString();
const notFound = (): Answer => apiError(404, 'DATA_NOT_FOUND', 'Could not find data for given criteria.');

/** OAuth client credentials: without the form content type PayU answers 401 (developers.payu.com, auth-and-order). */
export function oauth(state: FakeState, req: FakeRequest): Answer {
  if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    return { status: 401, body: { error: 'unauthorized', error_description: 'Full authentication is required to access this resource' } };
  }
  const form = new URLSearchParams(req.body);
  if (form.get('grant_type') !== 'client_credentials') return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'Unsupported grant type' } };
  if (form.get('client_id') !== state.clientId || form.get('client_secret') !== state.clientSecret) {
    return { status: 401, body: { error: 'invalid_client', error_description: 'Bad client credentials' } };
  }
  const token = randomUUID();
  state.tokens.set(token, Date.now() + state.tokenTtlSeconds * 1000);
  return { status: 200, body: { access_token: token, token_type: 'bearer', expires_in: state.tokenTtlSeconds, grant_type: 'client_credentials' } };
}

export function authorised(state: FakeState, req: FakeRequest): boolean {
  const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const expires = token ? state.tokens.get(token) : undefined;
  return expires !== undefined && expires > Date.now();
}

function jsonBody(req: FakeRequest): Record<string, unknown> | Answer {
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return apiError(400, 'ERROR_SYNTAX', 'Incorrect request syntax. Supported format is JSON.');
  try {
    const parsed = JSON.parse(req.body) as unknown;
    if (typeof parsed === 'object' && parsed && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // answered below
  }
  return apiError(400, 'ERROR_SYNTAX', 'Incorrect request syntax. Supported format is JSON.');
}

const isAnswer = (v: unknown): v is Answer => typeof v === 'object' && v !== null && 'status' in v && typeof (v as Answer).status === 'number';

/** 302 with the payment page in Location and in the body; a taken extOrderId is refused naming the order that has it. */
export function createOrder(state: FakeState, req: FakeRequest): Answer {
  const body = jsonBody(req);
  if (isAnswer(body)) return body;
  const draft = validateOrder(body, state.posId);
  if (isAnswer(draft)) return draft;
  const taken = draft.extOrderId ? [...state.orders.values()].find((o) => o.extOrderId === draft.extOrderId) : undefined;
  if (taken) {
    // Shape of a real answer quoted in PayU-EMEA/openpayu_php issue #28.
    return {
      status: 400,
      body: { orderId: taken.orderId, extOrderId: taken.extOrderId, status: { statusCode: 'ERROR_ORDER_NOT_UNIQUE', code: '110', codeLiteral: 'ORDER_NOT_UNIQUE', statusDesc: 'Order with given extOrderId already exists' } },
    };
  }
  const order: FakeOrder = { ...draft, orderId: newPayuOrderId(), orderCreateDate: now(), status: 'NEW' };
  state.orders.set(order.orderId, order);
  const redirectUri = `${state.url}/pay/?orderId=${order.orderId}&token=${randomUUID()}`;
  return {
    status: 302,
    headers: { Location: redirectUri },
    body: { status: { statusCode: 'SUCCESS' }, redirectUri, orderId: order.orderId, ...(order.extOrderId ? { extOrderId: order.extOrderId } : {}) },
  };
}

export function retrieveOrder(state: FakeState, id: string): Answer {
  const order = state.orders.get(id);
  if (!order) return notFound();
  return { status: 200, body: { orders: [orderView(order)], status: { statusCode: 'SUCCESS', statusDesc: 'Request processing successful' }, properties: orderProperties(order) } };
}

/** Cancels an order nobody has paid (or one waiting for our confirmation); a completed or cancelled one is refused. */
export function cancelOrder(state: FakeState, id: string): Answer {
  const order = state.orders.get(id);
  if (!order) return notFound();
  if (order.status !== 'NEW' && order.status !== 'WAITING_FOR_CONFIRMATION') return apiError(400, 'BUSINESS_ERROR', `Order in status ${order.status} cannot be canceled`);
  order.status = 'CANCELED';
  return { status: 200, body: { orderId: order.orderId, ...(order.extOrderId ? { extOrderId: order.extOrderId } : {}), status: { statusCode: 'SUCCESS' } } };
}

const refundedSoFar = (state: FakeState, orderId: string) =>
  [...state.refunds.values()].filter((r) => r.orderId === orderId && r.status !== 'CANCELED').reduce((sum, r) => sum + r.amount, 0);

/**
 * Refunds of a completed order up to what is left of it; no amount means all of it. The same extRefundId with the
 * same data answers the refund already made (PayU documents the call as idempotent).
 */
export function createRefund(state: FakeState, id: string, req: FakeRequest): Answer {
  const body = jsonBody(req);
  if (isAnswer(body)) return body;
  const order = state.orders.get(id);
  if (!order) return notFound();
  const ask = (body.refund ?? {}) as Record<string, unknown>;
  if (typeof ask.description !== 'string') return apiError(400, 'ERROR_VALUE_MISSING', 'Missing required field: refund.description');
  const extRefundId = typeof ask.extRefundId === 'string' ? ask.extRefundId : undefined;
  const left = Number(order.totalAmount) - refundedSoFar(state, id);
  const amount = ask.amount === undefined ? left : Number(ask.amount);
  const known = extRefundId ? [...state.refunds.values()].find((r) => r.orderId === id && r.extRefundId === extRefundId) : undefined;
  if (known) {
    if (known.amount !== amount || known.description !== ask.description) return apiError(400, 'ERROR_VALUE_INVALID', 'extRefundId already used with different data');
    return refundAnswer(order, known);
  }
  if (order.status !== 'COMPLETED') return apiError(400, 'BUSINESS_ERROR', 'Order is not completed', { codeLiteral: 'TRANS_NOT_ENDED' });
  if (!Number.isInteger(amount) || amount <= 0) return apiError(400, 'ERROR_VALUE_INVALID', 'Invalid refund amount');
  if (amount > left) return apiError(400, 'BUSINESS_ERROR', 'Refund amount exceeds the amount left to refund', { codeLiteral: 'REFUND_TOO_HIGH' });
  const outcome = state.failNextRefund ? 'CANCELED' : 'FINALIZED';
  state.failNextRefund = false;
  const at = now();
  const refund: FakeRefund = {
    refundId: String(state.nextRefundId++),
    orderId: id,
    extRefundId,
    amount,
    currencyCode: order.currencyCode,
    description: ask.description,
    status: state.holdRefunds ? 'PENDING' : outcome,
    outcome,
    creationDateTime: at,
    statusDateTime: at,
  };
  state.refunds.set(refund.refundId, refund);
  return refundAnswer(order, refund);
}

function refundAnswer(order: FakeOrder, refund: FakeRefund): Answer {
  return { status: 200, body: { orderId: order.orderId, refund: refundView(refund), status: { statusCode: 'SUCCESS', statusDesc: 'Refund queued for processing' } } };
}

export function listRefunds(state: FakeState, id: string): Answer {
  if (!state.orders.has(id)) return notFound();
  return { status: 200, body: { refunds: [...state.refunds.values()].filter((r) => r.orderId === id).map(refundView) } };
}
