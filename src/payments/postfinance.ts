// PostFinance Checkout adapter (API v2.0): transactions on the hosted payment page, refunds, state look-ups.
import { z } from 'zod';
import { toMajorUnits, type Money } from '../domain/money.js';
import { createPostfinanceCall, PostfinanceApiError, type PostfinanceCall, type PostfinanceSettings } from './postfinanceApi.js';
import { amountOf, paymentKind, reasonText, refundSchema, refundStatus, transactionSchema, transactionSearchSchema, type PfTransaction } from './postfinanceSchemas.js';
import { createPostfinanceWebhookVerifier } from './postfinanceWebhooks.js';
import { ProviderRefusal, type CreateSessionInput, type PaymentProvider, type RefundInput, type SessionOutcome } from './provider.js';

export type { PostfinanceSettings } from './postfinanceApi.js';

/**
 * Checkout All-in-one settles in CHF; EUR is accepted by the card acquirers behind Checkout Flex. Other currencies
 * depend on the space's connectors, so they are not offered.
 */
export const POSTFINANCE_CURRENCIES = ['CHF', 'EUR'] as const;

/** PostFinance takes IETF language tags; the payment page falls back to the space's language for any it lacks. */
const LANGUAGE = { pl: 'pl-PL', en: 'en-US' } as const;

const major = (m: Money): number => Number(toMajorUnits(m));

export function createPostfinanceProvider(s: PostfinanceSettings, call: PostfinanceCall = createPostfinanceCall(s)): PaymentProvider {
  const readTransaction = async (id: string | number) => transactionSchema.parse(await call('GET', `/payment/transactions/${transactionId(id)}`));

  return {
    name: 'postfinance',
    currencies: POSTFINANCE_CURRENCIES,

    async createSession(input: CreateSessionInput) {
      const sum = input.lines.reduce((total, l) => total + l.unitAmount - l.discountAmount, 0);
      if (sum !== input.total.amount) throw new Error(`order ${input.orderId}: lines sum to ${sum}, the total is ${input.total.amount}`);
      // PostFinance has no idempotency header: a retry after a lost answer finds the transaction it made by reference.
      const tx = (await findTransaction(call, input)) ?? transactionSchema.parse(await call('POST', '/payment/transactions', { body: transactionCreate(input) }));
      const url = z.string().url().parse(await call('GET', `/payment/transactions/${tx.id}/payment-page-url`, { text: true }));
      return { sessionId: String(tx.id), url };
    },

    async expireSession(sessionId: string) {
      const tx = await readTransaction(sessionId);
      // Only an authorization can be withdrawn (void). A transaction not yet authorized has no cancel operation in
      // API v2.0: PostFinance fails it by itself at authorizationTimeoutOn. Final states are closed already.
      if (tx.state !== 'AUTHORIZED') return;
      try {
        await call('POST', `/payment/transactions/${tx.id}/void-online`);
      } catch (err) {
        // Completed or voided meanwhile (or the void went through before an error): no longer open, which is what we
        // wanted; a late payment is handled by its own event.
        if ((await readTransaction(sessionId)).state === 'AUTHORIZED') throw err;
      }
    },

    verifyWebhook: createPostfinanceWebhookVerifier(s.spaceId, call),

    async refund(input: RefundInput) {
      const body = { externalId: input.idempotencyKey, type: 'MERCHANT_INITIATED_ONLINE', transaction: transactionId(input.sessionId), amount: major(input.amount) };
      let answer: unknown;
      try {
        answer = await call('POST', '/payment/refunds', { body });
      } catch (err) {
        if (err instanceof PostfinanceApiError && err.isRefusal) throw new ProviderRefusal('postfinance', err.message, { status: err.status, code: err.code });
        throw err;
      }
      const refund = refundSchema.parse(answer);
      const reason = reasonText(refund.failureReason);
      return { refundId: String(refund.id), status: refundStatus(refund.state), ...(reason ? { reason } : {}) };
    },

    async retrieveSession(sessionId: string): Promise<SessionOutcome> {
      const tx = await readTransaction(sessionId);
      const kind = paymentKind(tx.state);
      const paymentId = String(tx.id);
      if (kind === 'succeeded') return { state: 'paid', paymentId, amount: amountOf(tx) };
      if (kind === 'failed') return { state: 'failed', paymentId };
      if (kind === 'processing') return { state: 'processing', paymentId, amount: amountOf(tx) };
      return { state: 'open' };
    },
  };
}

/** Our session ids are PostFinance transaction ids; anything else is a bug, not a request to send. */
function transactionId(id: string | number): number {
  const n = Number(id);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`not a PostFinance transaction id: ${id}`);
  return n;
}

function transactionCreate(input: CreateSessionInput) {
  const discount = input.lines.reduce((total, l) => total + l.discountAmount, 0);
  const products = input.lines.map((l) => ({
    uniqueId: l.packageId,
    name: l.title,
    sku: l.slug,
    quantity: 1,
    amountIncludingTax: major({ amount: l.unitAmount, currency: l.currency }),
    type: 'PRODUCT',
  }));
  // A coupon is one DISCOUNT line with a negative amount, so the payment page shows it and the lines sum to the total.
  const discountLine = { uniqueId: 'coupon-discount', name: 'Discount', sku: 'discount', quantity: 1, amountIncludingTax: major({ amount: -discount, currency: input.total.currency }), type: 'DISCOUNT' };
  return {
    lineItems: discount > 0 ? [...products, discountLine] : products,
    currency: input.total.currency.toUpperCase(),
    merchantReference: input.orderId,
    // checkoutKey names this session, so a retry recognises its own transaction among the order's.
    metaData: { orderId: input.orderId, orderNumber: input.orderNumber, checkoutKey: input.idempotencyKey },
    successUrl: input.successUrl,
    failedUrl: input.cancelUrl,
    customerEmailAddress: input.email,
    language: LANGUAGE[input.locale],
    autoConfirmationEnabled: true,
  };
}

/** The transaction an earlier attempt with the same key created, found by merchantReference (search API, newest first). */
async function findTransaction(call: PostfinanceCall, input: CreateSessionInput): Promise<PfTransaction | undefined> {
  // Parameter order as the SDK sends them (limit, order, query): the query string is part of the signed token.
  const query = { limit: 20, order: 'id:DESC', query: `merchantReference:"${input.orderId}"` };
  const found = transactionSearchSchema.parse(await call('GET', '/payment/transactions/search', { query }));
  return found.data.find((t) => t.merchantReference === input.orderId && t.metaData?.checkoutKey === input.idempotencyKey);
}
