// The fake PayPal's books: orders, captures and refunds, and the rules PayPal enforces on each call.
import { randomBytes } from 'node:crypto';
import { amountOf, cents, checkPurchaseUnit, invalid, PaypalError, type Amount } from './paypalMoney.js';

export type CaptureOutcome = 'COMPLETED' | 'PENDING' | 'DECLINED' | 'INSTRUMENT_DECLINED';
export type RefundOutcome = 'COMPLETED' | 'PENDING' | 'FAILED';

export interface FakeCapture {
  id: string;
  orderId: string;
  status: string;
  amount: Amount;
  customId?: string;
  invoiceId?: string;
  createTime: string;
  updateTime: string;
}
export interface FakeRefund {
  id: string;
  captureId: string;
  status: string;
  amount: Amount;
  customId?: string;
  createTime: string;
  updateTime: string;
}
export interface FakeOrder {
  id: string;
  status: 'CREATED' | 'PAYER_ACTION_REQUIRED' | 'APPROVED' | 'COMPLETED' | 'VOIDED';
  request: Record<string, any>;
  currency: string;
  total: number;
  returnUrl?: string;
  cancelUrl?: string;
  captureId?: string;
  createTime: string;
}

// PayPal ids are 17 upper-case alphanumerics.
export const paypalId = () => randomBytes(12).toString('base64url').replace(/[^A-Za-z0-9]/g, '').toUpperCase().padEnd(17, 'X').slice(0, 17);
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const notFound = () => new PaypalError(404, 'RESOURCE_NOT_FOUND', 'INVALID_RESOURCE_ID', 'Specified resource ID does not exist. Please check the resource ID and try again.');
const refused = (issue: string, description: string) => new PaypalError(422, 'UNPROCESSABLE_ENTITY', issue, description);

export class PaypalLedger {
  readonly orders = new Map<string, FakeOrder>();
  readonly captures = new Map<string, FakeCapture>();
  readonly refunds = new Map<string, FakeRefund>();
  nextCapture: CaptureOutcome[] = [];
  nextRefund: RefundOutcome[] = [];

  createOrder(body: any): FakeOrder {
    if (body?.intent !== 'CAPTURE' && body?.intent !== 'AUTHORIZE') throw invalid('INVALID_PARAMETER_VALUE', 'The value of a field is invalid.', '/intent');
    if (body.intent !== 'CAPTURE') throw invalid('INVALID_PARAMETER_VALUE', 'This fake captures only: intent must be CAPTURE.', '/intent');
    const units = body.purchase_units;
    if (!Array.isArray(units) || units.length !== 1) throw invalid('INVALID_ARRAY_MAX_ITEMS', 'This fake takes exactly one purchase unit.', '/purchase_units');
    const { currency, total } = checkPurchaseUnit(units[0], '/purchase_units/@reference_id==\'default\'');
    const context = body.payment_source?.paypal?.experience_context;
    const order: FakeOrder = {
      id: paypalId(),
      // With payment_source.paypal the buyer must still act at PayPal: PAYER_ACTION_REQUIRED and a payer-action link.
      status: body.payment_source?.paypal ? 'PAYER_ACTION_REQUIRED' : 'CREATED',
      request: body,
      currency,
      total,
      returnUrl: context?.return_url,
      cancelUrl: context?.cancel_url,
      createTime: now(),
    };
    this.orders.set(order.id, order);
    return order;
  }

  order(id: string): FakeOrder {
    const order = this.orders.get(id);
    if (!order) throw notFound();
    return order;
  }

  approve(id: string): FakeOrder {
    const order = this.order(id);
    if (order.status === 'CREATED' || order.status === 'PAYER_ACTION_REQUIRED') order.status = 'APPROVED';
    return order;
  }

  capture(id: string): FakeCapture {
    const order = this.order(id);
    if (order.status === 'COMPLETED') throw refused('ORDER_ALREADY_CAPTURED', 'Order already captured.If \'intent=CAPTURE\' only one capture per order is allowed.');
    if (order.status !== 'APPROVED') throw refused('ORDER_NOT_APPROVED', 'Payer has not yet approved the Order for payment.');
    const outcome = this.nextCapture.shift() ?? 'COMPLETED';
    if (outcome === 'INSTRUMENT_DECLINED') throw refused('INSTRUMENT_DECLINED', 'The instrument presented  was either declined by the processor or bank, or it can\'t be used for this payment.');
    const unit = order.request.purchase_units[0];
    const c: FakeCapture = { id: paypalId(), orderId: id, status: outcome, amount: amountOf(order.total, order.currency), customId: unit.custom_id, invoiceId: unit.invoice_id, createTime: now(), updateTime: now() };
    this.captures.set(c.id, c);
    order.status = 'COMPLETED';
    order.captureId = c.id;
    return c;
  }

  settleCapture(captureId: string, status: 'COMPLETED' | 'DECLINED'): FakeCapture {
    const c = this.captures.get(captureId);
    if (!c) throw notFound();
    if (c.status !== 'PENDING') throw new Error(`capture ${captureId} is ${c.status}, not PENDING`);
    c.status = status;
    c.updateTime = now();
    return c;
  }

  /** Hundredths refunded so far, counting refunds that may still complete. */
  refunded(captureId: string): number {
    let sum = 0;
    for (const r of this.refunds.values()) if (r.captureId === captureId && (r.status === 'COMPLETED' || r.status === 'PENDING')) sum += cents(r.amount, 'refund');
    return sum;
  }

  refund(captureId: string, body: any, outcome?: RefundOutcome): FakeRefund {
    const c = this.captures.get(captureId);
    if (!c) throw notFound();
    if (c.status === 'PENDING') throw refused('PENDING_CAPTURE', 'Cannot initiate a refund as the capture is pending.');
    if (c.status !== 'COMPLETED' && c.status !== 'PARTIALLY_REFUNDED' && c.status !== 'REFUNDED') throw refused('REFUND_NOT_ALLOWED', 'Refund cannot be issued for this capture.');
    const captured = cents(c.amount, 'capture');
    const left = captured - this.refunded(captureId);
    if (left <= 0) throw refused('CAPTURE_FULLY_REFUNDED', 'The capture has already been fully refunded.');
    if (body?.amount && body.amount.currency_code !== c.amount.currency_code) throw refused('REFUND_CAPTURE_CURRENCY_MISMATCH', 'Refund must be in the same currency as the capture.');
    const wanted = body?.amount ? cents(body.amount, '/amount') : left;
    if (wanted <= 0) throw refused('CANNOT_BE_ZERO_OR_NEGATIVE', 'Must be greater than zero.');
    if (wanted > left) throw refused('REFUND_AMOUNT_EXCEEDED', 'The refund amount must be less than or equal to the capture amount that has not yet been refunded.');
    const status = outcome ?? this.nextRefund.shift() ?? 'COMPLETED';
    const r: FakeRefund = { id: paypalId(), captureId, status, amount: amountOf(wanted, c.amount.currency_code), customId: body?.custom_id, createTime: now(), updateTime: now() };
    this.refunds.set(r.id, r);
    this.updateCaptureAfterRefund(c);
    return r;
  }

  settleRefund(refundId: string, status: 'COMPLETED' | 'FAILED' | 'CANCELLED'): FakeRefund {
    const r = this.refunds.get(refundId);
    if (!r) throw notFound();
    r.status = status;
    r.updateTime = now();
    this.updateCaptureAfterRefund(this.captures.get(r.captureId)!);
    return r;
  }

  private updateCaptureAfterRefund(c: FakeCapture): void {
    let done = 0;
    for (const r of this.refunds.values()) if (r.captureId === c.id && r.status === 'COMPLETED') done += cents(r.amount, 'refund');
    if (done === 0) return;
    c.status = done >= cents(c.amount, 'capture') ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
    c.updateTime = now();
  }
}
