// PayPal webhook events: verified locally, then reduced to what the order and refund workflows act on.
import { z } from 'zod';
import { DomainError } from '../domain/errors.js';
import { isUuid, type PaymentEvent } from '../domain/orders.js';
import type { HeaderLookup, VerifiedWebhook } from './provider.js';
import { captureObject, fromPaypalMoney, paypalMoney, refundStatus } from './paypalApi.js';
import { createCertificateSource, verifyPaypalSignature, type PaypalSignatureSettings } from './paypalSignature.js';

const envelope = z.object({ id: z.string().min(1), event_type: z.string().min(1), resource: z.record(z.string(), z.unknown()) });
const approvedOrder = z.object({
  id: z.string(),
  purchase_units: z.array(z.object({ custom_id: z.string().optional(), amount: paypalMoney.optional() }).loose()).min(1),
});
const capture = captureObject.extend({ amount: paypalMoney, supplementary_data: z.object({ related_ids: z.object({ order_id: z.string().optional() }).loose() }).loose().optional() });
const refund = z.object({
  id: z.string(),
  status: z.string(),
  amount: paypalMoney,
  custom_id: z.string().optional(),
  status_details: z.object({ reason: z.string().optional() }).loose().optional(),
  links: z.array(z.object({ href: z.string(), rel: z.string() }).loose()).optional(),
});
const dispute = z.object({
  dispute_id: z.string(),
  dispute_amount: paypalMoney,
  disputed_transactions: z.array(z.object({ seller_transaction_id: z.string().optional(), custom: z.string().optional() }).loose()).optional(),
  dispute_outcome: z.object({ outcome_code: z.string().optional() }).loose().optional(),
});

type Base = { eventId: string; eventType: string };

function parse<T>(schema: z.ZodType<T>, value: unknown, eventType: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new DomainError('invalid_payload', `The ${eventType} event has no usable resource.`, 'bad_request', parsed.error.issues);
  return parsed.data;
}

const uuidOr = (s: string | undefined) => (isUuid(s) ? s : undefined);

function approved(base: Base, resource: unknown): VerifiedWebhook {
  const order = parse(approvedOrder, resource, base.eventType);
  const unit = order.purchase_units[0]!;
  // Orders made by other integrations on the same PayPal account carry no order of ours.
  const orderId = uuidOr(unit.custom_id);
  if (!orderId) return base;
  const amount = unit.amount ? fromPaypalMoney(unit.amount) : undefined;
  return { ...base, orderId, event: { provider: 'paypal', eventId: base.eventId, kind: 'approved', orderId, sessionId: order.id, amount } };
}

function captured(base: Base, resource: unknown, kind: PaymentEvent['kind']): VerifiedWebhook {
  const c = parse(capture, resource, base.eventType);
  const orderId = uuidOr(c.custom_id);
  if (!orderId) return base;
  const event: PaymentEvent = {
    provider: 'paypal',
    eventId: base.eventId,
    kind,
    orderId,
    sessionId: c.supplementary_data?.related_ids.order_id,
    paymentId: c.id,
    amount: fromPaypalMoney(c.amount),
  };
  return { ...base, orderId, event };
}

function refunded(base: Base, resource: unknown): VerifiedWebhook {
  const r = parse(refund, resource, base.eventType);
  // The refunded capture is named only by the refund's `up` link (…/v2/payments/captures/<id>).
  const up = r.links?.find((l) => l.rel === 'up')?.href;
  const paymentId = up ? /\/v2\/payments\/captures\/([^/?#]+)/.exec(up)?.[1] : undefined;
  const orderId = uuidOr(r.custom_id);
  const reason = r.status_details?.reason;
  return {
    ...base,
    orderId,
    refundUpdate: { providerRefundId: r.id, status: refundStatus(r.status), ...(reason ? { reason } : {}), orderId, paymentId, amount: fromPaypalMoney(r.amount) },
  };
}

function disputed(base: Base, resource: unknown, kind: 'dispute' | 'dispute_won'): VerifiedWebhook {
  const d = parse(dispute, resource, base.eventType);
  // Only a dispute settled for the seller gives money back; every other outcome leaves it with the buyer.
  if (kind === 'dispute_won' && d.dispute_outcome?.outcome_code !== 'RESOLVED_SELLER_FAVOUR') return base;
  const tx = d.disputed_transactions?.[0];
  const orderId = uuidOr(tx?.custom);
  return { ...base, orderId, refund: { kind, key: `${kind}:${d.dispute_id}`, orderId, paymentId: tx?.seller_transaction_id, amount: fromPaypalMoney(d.dispute_amount) } };
}

export function normalisePaypalEvent(json: unknown): VerifiedWebhook {
  const parsed = envelope.safeParse(json);
  if (!parsed.success) throw new DomainError('invalid_payload', 'The webhook body is not a PayPal event.', 'bad_request', parsed.error.issues);
  const { id, event_type: eventType, resource } = parsed.data;
  const base = { eventId: id, eventType };
  switch (eventType) {
    case 'CHECKOUT.ORDER.APPROVED':
      return approved(base, resource);
    case 'PAYMENT.CAPTURE.COMPLETED':
      return captured(base, resource, 'succeeded');
    case 'PAYMENT.CAPTURE.PENDING':
      return captured(base, resource, 'processing');
    // PayPal's event list names both DENIED and DECLINED for a refused capture.
    case 'PAYMENT.CAPTURE.DENIED':
    case 'PAYMENT.CAPTURE.DECLINED':
      return captured(base, resource, 'failed');
    case 'PAYMENT.CAPTURE.REFUNDED':
      return refunded(base, resource);
    case 'CUSTOMER.DISPUTE.CREATED':
      return disputed(base, resource, 'dispute');
    case 'CUSTOMER.DISPUTE.RESOLVED':
      return disputed(base, resource, 'dispute_won');
    default:
      return base;
  }
}

export function createPaypalWebhookVerifier(s: PaypalSignatureSettings, now: () => number = Date.now) {
  const certificate = createCertificateSource(undefined, now);
  return {
    async verify(rawBody: string, header: HeaderLookup): Promise<VerifiedWebhook> {
      await verifyPaypalSignature(rawBody, header, s, certificate, now());
      let json: unknown;
      try {
        json = JSON.parse(rawBody);
      } catch {
        throw new DomainError('invalid_payload', 'The webhook body is not JSON.', 'bad_request');
      }
      return normalisePaypalEvent(json);
    },
  };
}
