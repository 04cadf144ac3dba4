// PayU REST v2.1 adapter: orders on PayU's hosted page, signed notifications, refunds, order lookup and cancel.
import { createPayuHttp, type PayuAnswer } from './payuClient.js';
import { verifyPayuSignature, readPayuSignatureHeader } from './payuSignature.js';
import { normalisePayuNotification } from './payuWebhook.js';
import {
  PAYU_CURRENCIES,
  REFUND_STATUS,
  SESSION_STATE,
  fromPayuAmount,
  orderCreatedSchema,
  orderRetrievedSchema,
  payuFailure,
  payuStatusCode,
  refundAnswerSchema,
  toPayuAmount,
  type PayuOrder,
} from './payuWire.js';
import type { CreateSessionInput, HeaderLookup, PaymentProvider, PaymentSession, RefundInput, VerifiedWebhook } from './provider.js';

export interface PayuSettings {
  apiUrl: string;
  posId: string;
  clientId: string;
  clientSecret: string;
  secondKey: string;
}

// A chain of lost answers longer than this is an outage, not bad luck: fail and let the activity retry later.
const MAX_ORDER_ATTEMPTS = 5;
const MIN_VALIDITY_S = 60;

function orderRequest(s: PayuSettings, input: CreateSessionInput) {
  const validity = Math.max(MIN_VALIDITY_S, Math.floor((input.expiresAt.getTime() - Date.now()) / 1000));
  return {
    notifyUrl: input.notifyUrl,
    continueUrl: input.successUrl,
    customerIp: input.customerIp ?? '127.0.0.1',
    merchantPosId: s.posId,
    description: input.orderNumber,
    currencyCode: input.total.currency,
    totalAmount: toPayuAmount(input.total),
    validityTime: String(validity),
    buyer: { email: input.email, language: input.locale },
    // PayU refuses products that do not sum to totalAmount: each carries its share of a coupon's discount.
    products: input.lines.map((l) => ({ name: l.title, unitPrice: toPayuAmount({ amount: l.unitAmount - l.discountAmount, currency: l.currency }), quantity: '1' })),
  };
}

export function createPayuProvider(s: PayuSettings, opts: { now?: () => number } = {}): PaymentProvider {
  const http = createPayuHttp(s, opts.now);
  const orderPath = (id: string) => `/api/v2_1/orders/${encodeURIComponent(id)}`;

  async function fetchOrder(id: string): Promise<PayuOrder> {
    const answer = await http.call('GET', orderPath(id));
    if (answer.status !== 200) throw payuFailure(`order ${id} lookup`, answer.status, answer.body);
    const parsed = orderRetrievedSchema.safeParse(answer.body);
    if (!parsed.success) throw new Error(`PayU answered the lookup of order ${id} without an order`);
    return parsed.data.orders[0]!;
  }

  function created(answer: PayuAnswer): PaymentSession | undefined {
    if (![200, 201, 302].includes(answer.status)) return undefined;
    const parsed = orderCreatedSchema.safeParse(answer.body);
    const code = parsed.success ? parsed.data.status.statusCode : undefined;
    if (code !== 'SUCCESS' && code !== 'WARNING_CONTINUE_REDIRECT') return undefined;
    const url = answer.location ?? parsed.data?.redirectUri;
    const sessionId = parsed.data?.orderId;
    if (!url || !sessionId) throw new Error('PayU created an order but answered without its id or payment page');
    return { sessionId, url };
  }

  /**
   * A retry after a lost answer meets ERROR_ORDER_NOT_UNIQUE, whose body names the existing order. PayU hands out an
   * order's payment page only when creating it, so an order nobody has paid into yet is left to lapse at its
   * validityTime (ours too) and a successor `<orderId>_<n>` is opened; one the buyer already paid into is returned
   * with our own order page, where its notifications will show.
   */
  async function adoptExisting(answer: PayuAnswer, input: CreateSessionInput): Promise<PaymentSession | 'successor'> {
    const existingId = (answer.body as { orderId?: unknown } | undefined)?.orderId;
    if (typeof existingId !== 'string') throw payuFailure('order create (duplicate without order id)', answer.status, answer.body);
    const existing = await fetchOrder(existingId);
    const state = SESSION_STATE[existing.status];
    if (state === 'processing' || state === 'paid') return { sessionId: existing.orderId, url: input.successUrl, state: 'processing' };
    return 'successor';
  }

  return {
    name: 'payu',
    currencies: PAYU_CURRENCIES,

    async createSession(input: CreateSessionInput) {
      const body = orderRequest(s, input);
      for (let attempt = 1; attempt <= MAX_ORDER_ATTEMPTS; attempt++) {
        const extOrderId = attempt === 1 ? input.orderId : `${input.orderId}_${attempt}`;
        const answer = await http.call('POST', '/api/v2_1/orders', { ...body, extOrderId });
        const session = created(answer);
        if (session) return session;
        if (payuStatusCode(answer.body) !== 'ERROR_ORDER_NOT_UNIQUE') throw payuFailure('order create', answer.status, answer.body);
        const adopted = await adoptExisting(answer, input);
        if (adopted !== 'successor') return adopted;
      }
      throw new Error(`PayU already holds ${MAX_ORDER_ATTEMPTS} unpaid orders for order ${input.orderId}; giving up for now`);
    },

    async expireSession(sessionId: string) {
      const answer = await http.call('DELETE', orderPath(sessionId));
      if (answer.status === 200) return;
      if (answer.status >= 500 || answer.status === 401) throw payuFailure(`order ${sessionId} cancel`, answer.status, answer.body);
      // PayU refuses to cancel a completed or cancelled order: closed is what we wanted. Only a still-open one is a failure.
      const order = await fetchOrder(sessionId);
      if (SESSION_STATE[order.status] === 'open') throw payuFailure(`order ${sessionId} cancel`, answer.status, answer.body);
    },

    async verifyWebhook(rawBody: string, header: HeaderLookup): Promise<VerifiedWebhook> {
      verifyPayuSignature(rawBody, readPayuSignatureHeader(header), s.secondKey);
      return normalisePayuNotification(rawBody);
    },

    async refund(input: RefundInput) {
      // extRefundId makes the request idempotent at PayU: the same data again answers the refund already made.
      const body = { refund: { description: `Refund for order ${input.orderId}`, amount: toPayuAmount(input.amount), extRefundId: input.idempotencyKey } };
      const answer = await http.call('POST', `${orderPath(input.sessionId)}/refunds`, body);
      if (answer.status !== 200) throw payuFailure(`refund of order ${input.sessionId}`, answer.status, answer.body);
      const parsed = refundAnswerSchema.safeParse(answer.body);
      if (!parsed.success) throw new Error(`PayU answered the refund of order ${input.sessionId} without a refund`);
      const r = parsed.data.refund;
      const status = REFUND_STATUS[r.status];
      if (!status) throw new Error(`PayU answered refund ${r.refundId} with unknown status ${r.status}`);
      return { refundId: r.refundId, status };
    },

    async retrieveSession(sessionId: string) {
      const order = await fetchOrder(sessionId);
      const state = SESSION_STATE[order.status];
      if (!state) throw new Error(`PayU order ${sessionId} has unknown status ${order.status}`);
      if (state !== 'paid') return { state };
      return { state, paymentId: order.orderId, amount: fromPayuAmount(order.totalAmount, order.currencyCode) };
    },
  };
}
