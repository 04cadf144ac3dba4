// Stripe Checkout adapter: sessions with line items, webhook verification via constructEvent, refunds.
import Stripe from 'stripe';
import { PROVIDER_REQUEST_TIMEOUT_MS, WEBHOOK_TOLERANCE_SECONDS, WebhookSignatureError, type CreateSessionInput, type HeaderLookup, type PaymentProvider, type RefundInput, type VerifiedWebhook } from './provider.js';
import { idOf, normaliseStripeEvent, refundStatus } from './stripeEvents.js';

export interface StripeSettings {
  secretKey: string;
  webhookSecret: string;
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
}

// Stripe accepts expires_at between 30 minutes and 24 hours ahead; our own timer enforces shorter TTLs. The floor is an
// hour, not 31 minutes, because the expiry is fixed at the first attempt: a retry (or a run after an outage) within
// half an hour still sends a value Stripe accepts.
const MIN_EXPIRY_S = 60 * 60;
const MAX_EXPIRY_S = 24 * 60 * 60 - 60;

export function createStripeClient(s: StripeSettings): Stripe {
  return new Stripe(s.secretKey, { host: s.host, port: s.port, protocol: s.protocol, maxNetworkRetries: 2, timeout: PROVIDER_REQUEST_TIMEOUT_MS });
}

export function createStripeProvider(s: StripeSettings, stripe: Stripe = createStripeClient(s)): PaymentProvider {
  return {
    name: 'stripe',

    sessionExpiry(wanted: Date, now: Date) {
      const nowS = Math.floor(now.getTime() / 1000);
      return new Date(Math.min(Math.max(Math.floor(wanted.getTime() / 1000), nowS + MIN_EXPIRY_S), nowS + MAX_EXPIRY_S) * 1000);
    },

    async createSession(input: CreateSessionInput) {
      const metadata = { orderId: input.orderId, orderNumber: input.orderNumber };
      const session = await stripe.checkout.sessions.create(
        {
          mode: 'payment',
          customer_email: input.email,
          client_reference_id: input.orderId,
          locale: input.locale,
          // A coupon's discount rides in the line amounts (what was paid per line), so Stripe's total is the order's.
          line_items: input.lines.map((l) => ({
            quantity: 1,
            price_data: { currency: l.currency.toLowerCase(), unit_amount: l.unitAmount - l.discountAmount, product_data: { name: l.title, metadata: { packageId: l.packageId } } },
          })),
          metadata,
          payment_intent_data: { metadata },
          // Exactly the stored expiry: Stripe refuses an idempotency key reused with any other parameter.
          expires_at: Math.floor(input.expiresAt.getTime() / 1000),
          success_url: input.successUrl,
          cancel_url: input.cancelUrl,
        },
        { idempotencyKey: input.idempotencyKey },
      );
      if (!session.url) throw new Error(`Stripe returned checkout session ${session.id} without a URL`);
      return { sessionId: session.id, url: session.url };
    },

    async expireSession(sessionId: string) {
      try {
        await stripe.checkout.sessions.expire(sessionId);
      } catch (err) {
        // Expiring a session that is already complete or expired fails; that is the state we wanted anyway.
        if (!(err instanceof Stripe.errors.StripeInvalidRequestError)) throw err;
        const session = await stripe.checkout.sessions.retrieve(sessionId);
        if (session.status === 'open') throw err;
      }
    },

    async verifyWebhook(rawBody: string, header: HeaderLookup): Promise<VerifiedWebhook> {
      const signature = header('stripe-signature');
      if (!signature) throw new WebhookSignatureError('missing Stripe-Signature header');
      let event: Stripe.Event;
      try {
        event = stripe.webhooks.constructEvent(rawBody, signature, s.webhookSecret, WEBHOOK_TOLERANCE_SECONDS);
      } catch (err) {
        throw new WebhookSignatureError((err as Error).message);
      }
      return normaliseStripeEvent(event);
    },

    async refund(input: RefundInput) {
      if (!input.paymentId) throw new Error(`order ${input.orderId} has no Stripe payment intent to refund`);
      try {
        const refund = await stripe.refunds.create(
          { payment_intent: input.paymentId, amount: input.amount.amount, metadata: { orderId: input.orderId } },
          { idempotencyKey: input.idempotencyKey },
        );
        return { refundId: refund.id, status: refundStatus(refund.status), ...(refund.failure_reason ? { reason: refund.failure_reason } : {}) };
      } catch (err) {
        // Refunded in the dashboard meanwhile: the money is back already, and charge.refunded records it.
        if (err instanceof Stripe.errors.StripeInvalidRequestError && err.code === 'charge_already_refunded') return { refundId: 'charge_already_refunded', status: 'succeeded' as const };
        throw err;
      }
    },

    async retrieveSession(sessionId: string) {
      const session = await stripe.checkout.sessions.retrieve(sessionId);
      const paid = session.payment_status === 'paid' || session.payment_status === 'no_payment_required';
      if (session.status === 'complete' && paid) {
        const amount = session.amount_total != null && session.currency ? { amount: session.amount_total, currency: session.currency.toUpperCase() } : undefined;
        return { state: 'paid' as const, paymentId: idOf(session.payment_intent), amount };
      }
      if (session.status === 'complete') return { state: 'processing' as const, paymentId: idOf(session.payment_intent) };
      return { state: session.status === 'expired' ? ('expired' as const) : ('open' as const) };
    },
  };
}
