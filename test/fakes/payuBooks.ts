// The fake PayU's books: orders and refunds, PayU's rules for creating them, its answer bodies, and its signing.
import { createHash, randomBytes } from 'node:crypto';

export type FakeOrderStatus = 'NEW' | 'PENDING' | 'WAITING_FOR_CONFIRMATION' | 'COMPLETED' | 'CANCELED';
export type FakeRefundStatus = 'PENDING' | 'FINALIZED' | 'CANCELED';

export interface FakeProduct {
  name: string;
  unitPrice: string;
  quantity: string;
}

export interface FakeOrder {
  orderId: string;
  extOrderId?: string;
  orderCreateDate: string;
  notifyUrl?: string;
  continueUrl?: string;
  customerIp: string;
  merchantPosId: string;
  description: string;
  currencyCode: string;
  totalAmount: string;
  validityTime?: string;
  buyer?: Record<string, unknown>;
  products: FakeProduct[];
  status: FakeOrderStatus;
  paymentId?: string;
}

export interface FakeRefund {
  refundId: string;
  orderId: string;
  extRefundId?: string;
  amount: number;
  currencyCode: string;
  description: string;
  status: FakeRefundStatus;
  /** Where a PENDING refund ends when finalised. */
  outcome: 'FINALIZED' | 'CANCELED';
  creationDateTime: string;
  statusDateTime: string;
}

export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type SignatureAlgorithm = 'MD5' | 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

export const FAKE_PAYU_CURRENCIES = ['CHF', 'CZK', 'DKK', 'EUR', 'GBP', 'HUF', 'NOK', 'PLN', 'RON', 'SEK', 'USD'];

const NODE_DIGEST: Record<SignatureAlgorithm, string> = { MD5: 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

/** The header value PayU puts in OpenPayu-Signature: hex(HASH(body ‖ second key)). Written apart from the adapter's, on purpose. */
export function signPayuBody(body: string, secondKey: string, algorithm: SignatureAlgorithm = 'MD5'): string {
  const signature = createHash(NODE_DIGEST[algorithm]).update(body + secondKey, 'utf8').digest('hex');
  return `sender=checkout;signature=${signature};algorithm=${algorithm};content=DOCUMENT`;
}

/** PayU's API error body: `{"status":{"statusCode",…}}`. */
export function apiError(http: number, statusCode: string, statusDesc: string, extra: Record<string, unknown> = {}): Answer {
  return { status: http, body: { status: { statusCode, severity: 'ERROR', statusDesc, ...extra } } };
}

/** PayU order ids look like WZHF5FFDRJ140731GUEST000P01: ten random characters, the date, a fixed tail. */
export function newPayuOrderId(now = new Date()): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const random = [...randomBytes(10)].map((b) => alphabet[b % alphabet.length]).join('');
  const yymmdd = now.toISOString().slice(2, 10).replaceAll('-', '');
  return `${random}${yymmdd}GUEST000P01`;
}

const isIntegerString = (v: unknown): v is string | number => (typeof v === 'string' && /^\d+$/.test(v)) || (typeof v === 'number' && Number.isInteger(v) && v >= 0);

function products(value: unknown): FakeProduct[] | Answer {
  if (!Array.isArray(value) || value.length === 0) return apiError(400, 'ERROR_VALUE_MISSING', 'Missing required field: products');
  const out: FakeProduct[] = [];
  for (const p of value as Record<string, unknown>[]) {
    if (typeof p?.name !== 'string' || p.unitPrice === undefined || p.quantity === undefined) return apiError(400, 'ERROR_VALUE_MISSING', 'Product requires name, unitPrice and quantity');
    if (!isIntegerString(p.unitPrice) || !isIntegerString(p.quantity)) return apiError(400, 'ERROR_VALUE_INVALID', 'Invalid product unitPrice or quantity');
    out.push({ name: p.name, unitPrice: String(p.unitPrice), quantity: String(p.quantity) });
  }
  return out;
}

const REQUIRED_ORDER_FIELDS = ['customerIp', 'merchantPosId', 'description', 'currencyCode', 'totalAmount'] as const;

/** PayU's OrderCreateRequest rules: required fields, this POS, a known currency, and a total that is the products' sum. */
export function validateOrder(body: Record<string, unknown>, posId: string): Omit<FakeOrder, 'orderId' | 'orderCreateDate' | 'status'> | Answer {
  for (const field of REQUIRED_ORDER_FIELDS) {
    if (body[field] === undefined || body[field] === '') return apiError(400, 'ERROR_VALUE_MISSING', `Missing required field: ${field}`);
  }
  if (String(body.merchantPosId) !== posId) return apiError(403, 'ERROR_VALUE_INVALID', 'Invalid auth for this order', { codeLiteral: 'INVALID_AUTH_FOR_THIS_ORDER' });
  if (body.customerIp === '0.0.0.0') return apiError(400, 'ERROR_VALUE_INVALID', 'Invalid customerIp');
  if (!FAKE_PAYU_CURRENCIES.includes(String(body.currencyCode))) return apiError(400, 'ERROR_VALUE_INVALID', `Unsupported currency: ${String(body.currencyCode)}`);
  if (!isIntegerString(body.totalAmount)) return apiError(400, 'ERROR_VALUE_INVALID', 'Invalid totalAmount');
  const items = products(body.products);
  if (!Array.isArray(items)) return items;
  const sum = items.reduce((acc, p) => acc + Number(p.unitPrice) * Number(p.quantity), 0);
  if (sum !== Number(body.totalAmount)) return apiError(400, 'ERROR_VALUE_INVALID', 'Total amount does not match the sum of product prices');
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    extOrderId: str(body.extOrderId),
    notifyUrl: str(body.notifyUrl),
    continueUrl: str(body.continueUrl),
    customerIp: String(body.customerIp),
    merchantPosId: posId,
    description: String(body.description),
    currencyCode: String(body.currencyCode),
    totalAmount: String(body.totalAmount),
    validityTime: body.validityTime === undefined ? undefined : String(body.validityTime),
    buyer: typeof body.buyer === 'object' && body.buyer ? (body.buyer as Record<string, unknown>) : undefined,
    products: items,
  };
}

/** The order as GET /orders/{id} and notifications show it (amounts stay strings, as PayU sends them). */
export function orderView(o: FakeOrder): Record<string, unknown> {
  const { paymentId: _paymentId, continueUrl: _continueUrl, ...view } = o;
  return { ...view, ...(o.status === 'COMPLETED' ? { payMethod: { type: 'PBL' } } : {}) };
}

export function orderProperties(o: FakeOrder): { name: string; value: string }[] {
  return o.paymentId ? [{ name: 'PAYMENT_ID', value: o.paymentId }] : [];
}

export function refundView(r: FakeRefund): Record<string, unknown> {
  return {
    refundId: r.refundId,
    ...(r.extRefundId ? { extRefundId: r.extRefundId } : {}),
    amount: String(r.amount),
    currencyCode: r.currencyCode,
    description: r.description,
    creationDateTime: r.creationDateTime,
    status: r.status,
    statusDateTime: r.statusDateTime,
  };
}

/** The refund notification: no `order` key, the order's ids beside the refund. */
export function refundNotificationBody(o: FakeOrder, r: FakeRefund): Record<string, unknown> {
  const when = String(Date.parse(r.statusDateTime));
  return {
    orderId: o.orderId,
    ...(o.extOrderId ? { extOrderId: o.extOrderId } : {}),
    refund: {
      refundId: r.refundId,
      ...(r.extRefundId ? { extRefundId: r.extRefundId } : {}),
      amount: String(r.amount),
      currencyCode: r.currencyCode,
      status: r.status,
      statusDateTime: when,
      reason: 'refund',
      reasonDescription: r.status === 'CANCELED' ? 'Refund rejected by the bank' : r.description,
      refundDate: when,
    },
  };
}
