// What the fake PayPal puts on the wire: resource JSON, webhook envelopes, and PayPal's webhook signature.
import { randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { FakeCapture, FakeOrder, FakeRefund, PaypalLedger } from './paypalLedger.js';
import { amountOf } from './paypalMoney.js';

// Made once with `openssl req -x509 -newkey rsa:2048 -days 36500 -nodes`; Node cannot make certificates.
export const SIGNING_KEY = readFileSync(new URL('./paypalSigningKey.pem', import.meta.url), 'utf8');
export const SIGNING_CERT = readFileSync(new URL('./paypalSigningCert.pem', import.meta.url), 'utf8');

const link = (href: string, rel: string, method = 'GET') => ({ href, rel, method });

export function captureJson(base: string, c: FakeCapture, withRelatedIds = false) {
  return {
    id: c.id,
    status: c.status,
    ...(c.status === 'PENDING' ? { status_details: { reason: 'PENDING_REVIEW' } } : {}),
    amount: c.amount,
    final_capture: true,
    seller_protection: { status: 'ELIGIBLE', dispute_categories: ['ITEM_NOT_RECEIVED', 'UNAUTHORIZED_TRANSACTION'] },
    ...(c.customId ? { custom_id: c.customId } : {}),
    ...(c.invoiceId ? { invoice_id: c.invoiceId } : {}),
    // Webhook resources name the order the capture belongs to; order answers nest the capture instead.
    ...(withRelatedIds ? { supplementary_data: { related_ids: { order_id: c.orderId } } } : {}),
    create_time: c.createTime,
    update_time: c.updateTime,
    links: [
      link(`${base}/v2/payments/captures/${c.id}`, 'self'),
      link(`${base}/v2/payments/captures/${c.id}/refund`, 'refund', 'POST'),
      link(`${base}/v2/checkout/orders/${c.orderId}`, 'up'),
    ],
  };
}

export function orderJson(base: string, o: FakeOrder, ledger: PaypalLedger) {
  const unit = o.request.purchase_units[0];
  const capture = o.captureId ? ledger.captures.get(o.captureId) : undefined;
  const actionRel = o.status === 'PAYER_ACTION_REQUIRED' ? 'payer-action' : 'approve';
  return {
    id: o.id,
    intent: o.request.intent,
    status: o.status,
    ...(o.request.payment_source?.paypal ? { payment_source: { paypal: {} } } : {}),
    purchase_units: [
      {
        reference_id: unit.reference_id ?? 'default',
        amount: unit.amount,
        payee: { merchant_id: 'FAKEMERCHANT01', email_address: 'merchant@example.com' },
        ...(unit.custom_id ? { custom_id: unit.custom_id } : {}),
        ...(unit.invoice_id ? { invoice_id: unit.invoice_id } : {}),
        ...(unit.description ? { description: unit.description } : {}),
        ...(unit.items ? { items: unit.items } : {}),
        ...(capture ? { payments: { captures: [captureJson(base, capture)] } } : {}),
      },
    ],
    create_time: o.createTime,
    links: [
      link(`${base}/v2/checkout/orders/${o.id}`, 'self'),
      ...(o.status === 'CREATED' || o.status === 'PAYER_ACTION_REQUIRED' ? [link(`${base}/checkoutnow?token=${o.id}`, actionRel)] : []),
      ...(o.status === 'APPROVED' ? [link(`${base}/v2/checkout/orders/${o.id}/capture`, 'capture', 'POST')] : []),
    ],
  };
}

export function refundJson(base: string, r: FakeRefund) {
  return {
    id: r.id,
    status: r.status,
    ...(r.status === 'PENDING' ? { status_details: { reason: 'ECHECK' } } : {}),
    amount: r.amount,
    ...(r.customId ? { custom_id: r.customId } : {}),
    seller_payable_breakdown: { gross_amount: r.amount, net_amount: r.amount, total_refunded_amount: r.amount },
    create_time: r.createTime,
    update_time: r.updateTime,
    links: [link(`${base}/v2/payments/refunds/${r.id}`, 'self'), link(`${base}/v2/payments/captures/${r.captureId}`, 'up')],
  };
}

export function disputeJson(base: string, d: { id: string; capture: FakeCapture; amount: number; outcome?: string }) {
  const t = new Date().toISOString();
  return {
    dispute_id: d.id,
    create_time: t,
    update_time: t,
    disputed_transactions: [
      {
        seller_transaction_id: d.capture.id,
        create_time: d.capture.createTime,
        transaction_status: 'COMPLETED',
        gross_amount: d.capture.amount,
        ...(d.capture.customId ? { custom: d.capture.customId } : {}),
        seller_protection_eligible: true,
      },
    ],
    reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED',
    status: d.outcome ? 'RESOLVED' : 'WAITING_FOR_SELLER_RESPONSE',
    dispute_amount: amountOf(d.amount, d.capture.amount.currency_code),
    ...(d.outcome ? { dispute_outcome: { outcome_code: d.outcome } } : {}),
    dispute_life_cycle_stage: 'CHARGEBACK',
    dispute_channel: 'INTERNAL',
    links: [link(`${base}/v1/customer/disputes/${d.id}`, 'self')],
  };
}

const RESOURCE_TYPE: Record<string, string> = { CHECKOUT: 'checkout-order', 'PAYMENT.CAPTURE.REFUNDED': 'refund', PAYMENT: 'capture', CUSTOMER: 'dispute' };

export function envelope(base: string, eventType: string, resource: Record<string, unknown>) {
  const id = `WH-${randomUUID().replace(/-/g, '').slice(0, 17).toUpperCase()}-${randomUUID().replace(/-/g, '').slice(0, 17).toUpperCase()}`;
  const resourceType = RESOURCE_TYPE[eventType] ?? RESOURCE_TYPE[eventType.split('.')[0]!] ?? 'unknown';
  return {
    id,
    event_version: '1.0',
    create_time: new Date().toISOString(),
    resource_type: resourceType,
    resource_version: '2.0',
    event_type: eventType,
    summary: `${eventType} (fake PayPal)`,
    resource,
    links: [link(`${base}/v1/notifications/webhooks-events/${id}`, 'self'), link(`${base}/v1/notifications/webhooks-events/${id}/resend`, 'resend', 'POST')],
  };
}

export interface SignOptions {
  webhookId: string;
  certUrl: string;
  transmissionId?: string;
  /** RFC 3339; defaults to now. */
  transmissionTime?: string;
  key?: string;
}

/** PayPal's transmission headers: RSA-SHA256 over `id|time|webhookId|crc32(body bytes)`, base64. */
export function signedHeaders(body: string, o: SignOptions): Record<string, string> {
  const transmissionId = o.transmissionId ?? randomUUID();
  const transmissionTime = o.transmissionTime ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const message = `${transmissionId}|${transmissionTime}|${o.webhookId}|${crc32(Buffer.from(body, 'utf8'))}`;
  return {
    'content-type': 'application/json',
    'paypal-transmission-id': transmissionId,
    'paypal-transmission-time': transmissionTime,
    'paypal-transmission-sig': sign('RSA-SHA256', Buffer.from(message, 'utf8'), o.key ?? SIGNING_KEY).toString('base64'),
    'paypal-cert-url': o.certUrl,
    'paypal-auth-algo': 'SHA256withRSA',
    'paypal-auth-version': 'v2',
  };
}
