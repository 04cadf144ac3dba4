// Stripe's webhook events reduced to what the workflows act on: payments, refunds (ours and not), disputes.
import type Stripe from 'stripe';
import { z } from 'zod';
import { DomainError } from '../domain/errors.js';
import { isUuid, type PaymentEvent } from '../domain/orders.js';
import type { VerifiedWebhook } from './provider.js';

const sessionObject = z.object({
  id: z.string(),
  client_reference_id: z.string().nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  payment_status: z.string().nullish(),
  amount_total: z.number().nullish(),
  currency: z.string().nullish(),
  payment_intent: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
  status: z.string().nullish(),
});
const anyObject = z.object({ metadata: z.record(z.string(), z.string()).nullish() }).loose();
const paymentIntentRef = z.union([z.string(), z.object({ id: z.string() })]).nullish();
const chargeObject = z.object({
  id: z.string(),
  amount_refunded: z.number().int(),
  currency: z.string(),
  payment_intent: paymentIntentRef,
  metadata: z.record(z.string(), z.string()).nullish(),
});
const refundObject = z.object({
  id: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  status: z.string().nullish(),
  failure_reason: z.string().nullish(),
  payment_intent: paymentIntentRef,
  metadata: z.record(z.string(), z.string()).nullish(),
});
const disputeObject = z.object({
  id: z.string(),
  status: z.string().nullish(),
  amount: z.number().int(),
  currency: z.string(),
  payment_intent: paymentIntentRef,
  metadata: z.record(z.string(), z.string()).nullish(),
});
export const idOf = (ref: z.infer<typeof paymentIntentRef>) => (typeof ref === 'string' ? ref : ref?.id);

/** Stripe's refund statuses: `requires_action` and `pending` settle later; `canceled` never moves the money. */
export function refundStatus(status: string | null): 'succeeded' | 'pending' | 'failed' {
  if (status === 'succeeded') return 'succeeded';
  return status === 'failed' || status === 'canceled' ? 'failed' : 'pending';
}

const orderIdIn = (metadata: Record<string, string> | null | undefined) => (isUuid(metadata?.orderId) ? metadata.orderId : undefined);

/** refund.updated and refund.failed: what became of a refund (ours carry the order id in metadata). */
function refundUpdate(event: Stripe.Event, base: { eventId: string; eventType: string }): VerifiedWebhook {
  const parsed = refundObject.safeParse(event.data.object);
  if (!parsed.success) throw new DomainError('invalid_payload', `The ${event.type} event has no usable refund.`, 'bad_request', parsed.error.issues);
  const r = parsed.data;
  const orderId = orderIdIn(r.metadata);
  return {
    ...base,
    orderId,
    refundUpdate: {
      providerRefundId: r.id,
      status: event.type === 'refund.failed' ? 'failed' : refundStatus(r.status ?? null),
      ...(r.failure_reason ? { reason: r.failure_reason } : {}),
      orderId,
      paymentId: idOf(r.payment_intent),
      amount: { amount: r.amount, currency: r.currency.toUpperCase() },
      oursOnly: true,
    },
  };
}

/** charge.refunded, charge.dispute.created and a dispute closed as won: money moved without us asking. */
function refundNotice(event: Stripe.Event, base: { eventId: string; eventType: string }): VerifiedWebhook {
  if (event.type === 'charge.refunded') {
    const charge = chargeObject.safeParse(event.data.object);
    if (!charge.success) throw new DomainError('invalid_payload', 'The charge.refunded event has no usable charge.', 'bad_request', charge.error.issues);
    const c = charge.data;
    const orderId = orderIdIn(c.metadata);
    return {
      ...base,
      orderId,
      refund: { kind: 'refund', key: `provider:${c.id}:${c.amount_refunded}`, orderId, paymentId: idOf(c.payment_intent), amount: { amount: c.amount_refunded, currency: c.currency.toUpperCase() } },
    };
  }
  const dispute = disputeObject.safeParse(event.data.object);
  if (!dispute.success) throw new DomainError('invalid_payload', 'The charge.dispute.created event has no usable dispute.', 'bad_request', dispute.error.issues);
  const d = dispute.data;
  const orderId = orderIdIn(d.metadata);
  // A dispute closed any other way (lost, warning closed) changes nothing: the money went back when it opened.
  if (event.type === 'charge.dispute.closed' && d.status !== 'won') return { ...base, orderId };
  const kind = event.type === 'charge.dispute.closed' ? 'dispute_won' : 'dispute';
  return {
    ...base,
    orderId,
    refund: { kind, key: `${kind}:${d.id}`, orderId, paymentId: idOf(d.payment_intent), amount: { amount: d.amount, currency: d.currency.toUpperCase() } },
  };
}

const SESSION_EVENTS: Record<string, PaymentEvent['kind'] | 'completed'> = {
  'checkout.session.completed': 'completed',
  'checkout.session.async_payment_succeeded': 'succeeded',
  'checkout.session.async_payment_failed': 'failed',
  'checkout.session.expired': 'expired',
};

export function normaliseStripeEvent(event: Stripe.Event): VerifiedWebhook {
  const base = { eventId: event.id, eventType: event.type };
  if (event.type === 'charge.refunded' || event.type === 'charge.dispute.created' || event.type === 'charge.dispute.closed') return refundNotice(event, base);
  if (event.type === 'refund.updated' || event.type === 'refund.failed') return refundUpdate(event, base);
  const mapped = SESSION_EVENTS[event.type];
  if (!mapped) {
    const other = anyObject.safeParse(event.data.object);
    const id = other.success ? other.data.metadata?.orderId : undefined;
    return { ...base, orderId: isUuid(id) ? id : undefined };
  }
  const parsed = sessionObject.safeParse(event.data.object);
  if (!parsed.success) throw new DomainError('invalid_payload', `The ${event.type} event has no usable checkout session.`, 'bad_request', parsed.error.issues);
  const session = parsed.data;
  // Sessions made by other integrations on the same Stripe account carry no order of ours.
  const orderId = [session.metadata?.orderId, session.client_reference_id].find(isUuid);
  if (!orderId) return base;
  // A completed session with a delayed method (e.g. SEPA debit) is not paid yet: async_payment_succeeded or _failed follows.
  // A free order (no_payment_required) gets no later event, so completion is its success.
  const kind = mapped !== 'completed' ? mapped : session.payment_status === 'unpaid' ? 'processing' : 'succeeded';
  const paymentIntent = idOf(session.payment_intent);
  const amount = session.amount_total != null && session.currency ? { amount: session.amount_total, currency: session.currency.toUpperCase() } : undefined;
  return {
    ...base,
    orderId,
    event: { provider: 'stripe', eventId: event.id, kind, orderId, sessionId: session.id, paymentId: paymentIntent, amount },
  };
}
