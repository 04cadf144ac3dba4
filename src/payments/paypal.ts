// PayPal adapter (Orders v2, Payments v2) over raw fetch, so the base URL can point at a local fake.
import { z } from 'zod';
import type { Money } from '../domain/money.js';
import { ProviderRefusal, type CaptureInput, type CreateSessionInput, type PaymentProvider, type RefundInput, type SessionOutcome } from './provider.js';
import { captureKind, captureObject, createPaypalClient, fromPaypalMoney, PaypalApiError, refundStatus, toPaypalMoney, type PaypalClient } from './paypalApi.js';
import { createPaypalWebhookVerifier } from './paypalWebhooks.js';

export interface PaypalSettings {
  apiUrl: string;
  clientId: string;
  clientSecret: string;
  webhookId: string;
  certHosts: string[];
  returnUrl: string;
}

/** PayPal's payment currencies, less those limited to in-country accounts (BRL, CNY, INR, MYR). */
export const PAYPAL_CURRENCIES = ['AUD', 'CAD', 'CHF', 'CZK', 'DKK', 'EUR', 'GBP', 'HKD', 'HUF', 'ILS', 'JPY', 'MXN', 'NOK', 'NZD', 'PHP', 'PLN', 'SEK', 'SGD', 'THB', 'TWD', 'USD'] as const;

// PayPal pages speak five-character locales.
const PAYPAL_LOCALE = { pl: 'pl-PL', en: 'en-US' } as const;

const orderObject = z
  .object({
    id: z.string(),
    status: z.string(),
    links: z.array(z.object({ href: z.string(), rel: z.string() }).loose()).optional(),
    purchase_units: z.array(z.object({ payments: z.object({ captures: z.array(captureObject).optional() }).loose().optional() }).loose()).optional(),
  })
  .loose();
const refundObject = z.object({ id: z.string(), status: z.string(), status_details: z.object({ reason: z.string().optional() }).loose().optional() }).loose();

type Capture = z.infer<typeof captureObject>;
type Order = z.infer<typeof orderObject>;

const firstCapture = (order: Order): Capture | undefined => order.purchase_units?.[0]?.payments?.captures?.[0];
const captureAmount = (c: Capture): Money | undefined => (c.amount ? fromPaypalMoney(c.amount) : undefined);

function orderBody(s: PaypalSettings, input: CreateSessionInput) {
  const itemTotal = input.lines.reduce((sum, l) => sum + l.unitAmount, 0);
  const currency = input.total.currency;
  // A coupon's discount goes in breakdown.discount; PayPal checks value = item_total − discount to the cent.
  const discount = input.lines.reduce((sum, l) => sum + l.discountAmount, 0);
  if (itemTotal - discount !== input.total.amount) throw new Error(`order ${input.orderId}: lines less their discount make ${itemTotal - discount}, the total is ${input.total.amount}`);
  return {
    intent: 'CAPTURE',
    purchase_units: [
      {
        custom_id: input.orderId,
        invoice_id: input.orderNumber,
        description: `Order ${input.orderNumber}`,
        amount: {
          ...toPaypalMoney(input.total),
          breakdown: {
            item_total: toPaypalMoney({ amount: itemTotal, currency }),
            ...(discount > 0 ? { discount: toPaypalMoney({ amount: discount, currency }) } : {}),
          },
        },
        items: input.lines.map((l) => ({ name: l.title.slice(0, 127), sku: l.packageId, quantity: '1', category: 'DIGITAL_GOODS', unit_amount: toPaypalMoney({ amount: l.unitAmount, currency: l.currency }) })),
      },
    ],
    payment_source: {
      paypal: {
        experience_context: { return_url: s.returnUrl, cancel_url: input.cancelUrl, user_action: 'PAY_NOW', shipping_preference: 'NO_SHIPPING', locale: PAYPAL_LOCALE[input.locale] },
      },
    },
  };
}

async function readOrder(api: PaypalClient, orderId: string): Promise<Order> {
  const { json } = await api.call('GET', `/v2/checkout/orders/${encodeURIComponent(orderId)}`);
  return orderObject.parse(json);
}

function answerFromCapture(sessionId: string, capture: Capture | undefined) {
  if (!capture) throw new Error(`PayPal order ${sessionId} has no capture`);
  return { kind: captureKind(capture.status), sessionId, paymentId: capture.id, amount: captureAmount(capture) };
}

async function capture(api: PaypalClient, input: CaptureInput) {
  const path = `/v2/checkout/orders/${encodeURIComponent(input.sessionId)}/capture`;
  try {
    const { json } = await api.call('POST', path, { body: {}, requestId: input.idempotencyKey });
    return answerFromCapture(input.sessionId, firstCapture(orderObject.parse(json)));
  } catch (err) {
    if (!(err instanceof PaypalApiError) || err.status >= 500 || err.status === 409 || err.status === 429) throw err;
    // Captured before under another request id (or the id expired after 6 hours): the order knows the outcome.
    if (err.issue === 'ORDER_ALREADY_CAPTURED') return answerFromCapture(input.sessionId, firstCapture(await readOrder(api, input.sessionId)));
    // The buyer's funding was refused at capture: a failed payment, not a broken request.
    if (err.issue === 'INSTRUMENT_DECLINED') return { kind: 'failed' as const, sessionId: input.sessionId };
    // The buyer came back (or someone called the return URL) before approving: nothing happened, they can still approve.
    if (err.issue === 'ORDER_NOT_APPROVED') return null;
    // An expired or unknown order, anything else PayPal refuses: retrying cannot help.
    throw new ProviderRefusal('paypal', err.issue ?? err.errorName ?? `HTTP ${err.status}`, { debugId: err.debugId });
  }
}

async function retrieve(api: PaypalClient, sessionId: string): Promise<SessionOutcome> {
  let order: Order;
  try {
    order = await readOrder(api, sessionId);
  } catch (err) {
    // PayPal forgets orders nobody approved in time: the checkout lapsed.
    if (err instanceof PaypalApiError && err.status === 404) return { state: 'expired' };
    throw err;
  }
  if (order.status === 'APPROVED') return { state: 'approved' };
  if (order.status === 'VOIDED') return { state: 'failed' };
  if (order.status !== 'COMPLETED') return { state: 'open' };
  const c = firstCapture(order);
  if (!c) return { state: 'failed' };
  const kind = captureKind(c.status);
  return { state: kind === 'succeeded' ? 'paid' : kind, paymentId: c.id, amount: captureAmount(c) };
}

async function refund(api: PaypalClient, input: RefundInput) {
  if (!input.paymentId) throw new Error(`order ${input.orderId} has no PayPal capture to refund`);
  try {
    // custom_id comes back on PAYMENT.CAPTURE.REFUNDED, so the refund finds its order without our records.
    const { json } = await api.call('POST', `/v2/payments/captures/${encodeURIComponent(input.paymentId)}/refund`, {
      body: { amount: toPaypalMoney(input.amount), custom_id: input.orderId },
      requestId: input.idempotencyKey,
    });
    const r = refundObject.parse(json);
    const reason = r.status_details?.reason;
    return { refundId: r.id, status: refundStatus(r.status), ...(reason ? { reason } : {}) };
  } catch (err) {
    // The capture's money is all back already (a retry under a new request id after an answer was lost, or a refund in
    // PayPal's dashboard): what this refund asked for has happened, so it is not a refusal an operator must retry.
    if (err instanceof PaypalApiError && err.issue === 'CAPTURE_FULLY_REFUNDED') {
      return { refundId: `${input.paymentId}:fully_refunded`, status: 'succeeded' as const, reason: 'CAPTURE_FULLY_REFUNDED' };
    }
    // 409: the same request id is still in progress; 5xx: an outage. Both are retried with the same key.
    if (err instanceof PaypalApiError && err.status >= 400 && err.status < 500 && err.status !== 409 && err.status !== 429) {
      throw new ProviderRefusal('paypal', err.issue ?? err.errorName ?? `HTTP ${err.status}`, { debugId: err.debugId });
    }
    throw err;
  }
}

export function createPaypalProvider(s: PaypalSettings, deps: { now?: () => number } = {}): PaymentProvider {
  const api = createPaypalClient(s, deps.now);
  const verifier = createPaypalWebhookVerifier(s, deps.now);
  return {
    name: 'paypal',
    currencies: PAYPAL_CURRENCIES,

    async createSession(input: CreateSessionInput) {
      const { json } = await api.call('POST', '/v2/checkout/orders', { body: orderBody(s, input), requestId: input.idempotencyKey });
      const order = orderObject.parse(json);
      // With payment_source.paypal PayPal answers PAYER_ACTION_REQUIRED and names the buyer's page `payer-action`.
      const rel = order.status === 'PAYER_ACTION_REQUIRED' ? 'payer-action' : 'approve';
      const link = order.links?.find((l) => l.rel === rel);
      if (!link) throw new Error(`PayPal returned order ${order.id} without an approval link`);
      return { sessionId: order.id, url: link.href };
    },

    // Orders v2 has no call that voids an un-captured CAPTURE order (only authorizations can be voided); PayPal lets it
    // lapse by itself (3 hours by default). So this only confirms the order exists: the workflow, having closed the
    // checkout, never captures it, and an approval without our capture moves no money.
    async expireSession(sessionId: string) {
      await retrieve(api, sessionId);
    },

    verifyWebhook: (rawBody, header) => verifier.verify(rawBody, header),
    refund: (input) => refund(api, input),
    retrieveSession: (sessionId) => retrieve(api, sessionId),
    capture: (input) => capture(api, input),
  };
}
