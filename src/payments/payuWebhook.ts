// PayU notifications (order status, refund status) reduced to what the order and refund workflows act on.
import { DomainError } from '../domain/errors.js';
import type { Money } from '../domain/money.js';
import type { VerifiedWebhook } from './provider.js';
import { ORDER_EVENT_KIND, REFUND_STATUS, fromPayuAmount, orderIdFromExt, orderNotificationSchema, refundNotificationSchema } from './payuWire.js';

function amountOf(value: string, currency: string): Money {
  try {
    return fromPayuAmount(value, currency);
  } catch (err) {
    throw new DomainError('invalid_payload', `The PayU notification carries an unusable amount: ${(err as Error).message}`, 'bad_request');
  }
}

/**
 * PayU notifications carry no event id. `<payuOrderId>:<status>` makes a redelivery of the same news a duplicate,
 * while a later status of the same order is a new event. NEW is recorded only: nothing has happened yet.
 */
function orderNotification(json: unknown): VerifiedWebhook | undefined {
  const parsed = orderNotificationSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const o = parsed.data.order;
  const base = { eventId: `${o.orderId}:${o.status}`, eventType: `order.${o.status}` };
  const orderId = orderIdFromExt(o.extOrderId);
  const kind = ORDER_EVENT_KIND[o.status];
  if (!orderId) return base;
  if (!kind) return { ...base, orderId };
  const amount = amountOf(o.totalAmount, o.currencyCode);
  return { ...base, orderId, event: { provider: 'payu', eventId: base.eventId, kind, orderId, sessionId: o.orderId, paymentId: o.orderId, amount } };
}

/** A refund notification has no `order` key: the order's ids sit beside the refund. */
function refundNotification(json: unknown): VerifiedWebhook | undefined {
  const parsed = refundNotificationSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const n = parsed.data;
  const r = n.refund;
  const base = { eventId: `refund:${r.refundId}:${r.status}`, eventType: `refund.${r.status}` };
  const orderId = orderIdFromExt(n.extOrderId);
  const status = REFUND_STATUS[r.status];
  if (!status) return { ...base, orderId };
  return {
    ...base,
    orderId,
    refundUpdate: {
      providerRefundId: r.refundId,
      ...(r.extRefundId ? { ourKey: r.extRefundId } : {}),
      status,
      ...(status === 'failed' && r.reasonDescription ? { reason: r.reasonDescription } : {}),
      orderId,
      paymentId: n.orderId,
      amount: amountOf(r.amount, r.currencyCode),
    },
  };
}

export function normalisePayuNotification(rawBody: string): VerifiedWebhook {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    throw new DomainError('invalid_payload', 'The webhook body is not JSON.', 'bad_request');
  }
  const hook = orderNotification(json) ?? refundNotification(json);
  if (!hook) throw new DomainError('invalid_payload', 'The webhook body is not a PayU order or refund notification.', 'bad_request');
  return hook;
}
