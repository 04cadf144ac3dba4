// PayU REST v2.1 on the wire: payload schemas, amounts, status vocabularies and how a failed answer is classified.
import { z } from 'zod';
import { currencyExponent, fromMajorUnits, type Money } from '../domain/money.js';
import { isUuid } from '../domain/orders.js';
import { ProviderRefusal, type RefundResult, type SessionOutcome } from './provider.js';

/** Transaction currencies PayU settles 1:1 (developers.payu.com/europe/docs/get-started/integration-overview/references). */
export const PAYU_CURRENCIES = ['CHF', 'CZK', 'DKK', 'EUR', 'GBP', 'HUF', 'NOK', 'PLN', 'RON', 'SEK', 'USD'] as const;

// PayU sends amounts as strings ("15000") but numbers appear in some answers; both mean hundredths of the major unit.
const payuAmount = z.union([z.string(), z.number()]).transform(String);

export const oauthTokenSchema = z.object({ access_token: z.string().min(1), token_type: z.string(), expires_in: z.number().positive() });

const statusSchema = z.object({ statusCode: z.string(), code: z.string().optional(), codeLiteral: z.string().optional(), statusDesc: z.string().optional() }).loose();

export const orderCreatedSchema = z.object({ status: statusSchema, redirectUri: z.string().optional(), orderId: z.string().optional(), extOrderId: z.string().optional() }).loose();

export const payuOrderSchema = z
  .object({ orderId: z.string().min(1), extOrderId: z.string().optional(), totalAmount: payuAmount, currencyCode: z.string().length(3), status: z.string() })
  .loose();
export type PayuOrder = z.infer<typeof payuOrderSchema>;

export const orderRetrievedSchema = z.object({ orders: z.array(payuOrderSchema).min(1) }).loose();

const refundSchema = z
  .object({
    refundId: z.string().min(1),
    extRefundId: z.string().optional(),
    amount: payuAmount,
    currencyCode: z.string().length(3),
    status: z.string(),
    reasonDescription: z.string().optional(),
  })
  .loose();

export const refundAnswerSchema = z.object({ orderId: z.string().optional(), refund: refundSchema }).loose();

export const orderNotificationSchema = z.object({ order: payuOrderSchema }).loose();
export const refundNotificationSchema = z.object({ orderId: z.string().min(1), extOrderId: z.string().optional(), refund: refundSchema }).loose();

const apiErrorSchema = z.object({ status: statusSchema }).loose();
const oauthErrorSchema = z.object({ error: z.string(), error_description: z.string().optional() }).loose();

/**
 * PayU counts every currency in hundredths of its major unit, whatever ISO says its minor unit is: 1000 HUF is
 * "100000" although HUF has no minor unit in ICU (developers.payu.com: "For HUF, multiply the amount by 100").
 */
export function toPayuAmount(m: Money): string {
  const exponent = currencyExponent(m.currency);
  if (exponent > 2) throw new RangeError(`PayU cannot express ${m.currency} amounts (${exponent} decimals)`);
  return String(m.amount * 10 ** (2 - exponent));
}

export function fromPayuAmount(value: string, currency: string): Money {
  if (!/^\d+$/.test(value)) throw new RangeError(`not a PayU amount: ${value}`);
  const hundredths = value.padStart(3, '0');
  return fromMajorUnits(`${hundredths.slice(0, -2)}.${hundredths.slice(-2)}`, currency);
}

/**
 * Our extOrderId is the order's UUID, or `<uuid>_<n>` for a successor opened after a lost answer (see createSession):
 * either way the order is ours. Anything else was made by another integration on the same POS.
 */
export function orderIdFromExt(extOrderId: string | undefined): string | undefined {
  const match = /^([0-9a-f-]{36})(?:_\d+)?$/i.exec(extOrderId ?? '');
  return match && isUuid(match[1]) ? match[1] : undefined;
}

export const ORDER_EVENT_KIND: Record<string, 'succeeded' | 'failed' | 'processing' | undefined> = {
  COMPLETED: 'succeeded',
  CANCELED: 'failed',
  REJECTED: 'failed',
  PENDING: 'processing',
  WAITING_FOR_CONFIRMATION: 'processing',
};

export const SESSION_STATE: Record<string, SessionOutcome['state'] | undefined> = {
  NEW: 'open',
  PENDING: 'processing',
  WAITING_FOR_CONFIRMATION: 'processing',
  COMPLETED: 'paid',
  CANCELED: 'failed',
  REJECTED: 'failed',
};

export const REFUND_STATUS: Record<string, Exclude<RefundResult['status'], 'manual'> | undefined> = {
  PENDING: 'pending',
  FINALIZED: 'succeeded',
  CANCELED: 'failed',
};

/** PayU's error answer in a line: the status code, its literal and description, or the OAuth error. */
export function describePayuError(body: unknown): string {
  const api = apiErrorSchema.safeParse(body);
  if (api.success) return [api.data.status.statusCode, api.data.status.codeLiteral, api.data.status.statusDesc].filter(Boolean).join(' ');
  const oauth = oauthErrorSchema.safeParse(body);
  return oauth.success ? [oauth.data.error, oauth.data.error_description].filter(Boolean).join(' ') : 'no error details';
}

export function payuStatusCode(body: unknown): string | undefined {
  const parsed = apiErrorSchema.safeParse(body);
  return parsed.success ? parsed.data.status.statusCode : undefined;
}

/**
 * A 4xx other than 401/408/429 is PayU refusing this request for good (bad value, unknown order, over-refund):
 * retrying cannot help, so it is a ProviderRefusal. Everything else (5xx, timeouts) is a plain Error, retried.
 */
export function payuFailure(operation: string, status: number, body: unknown): Error {
  const reason = `${operation}: HTTP ${status} ${describePayuError(body)}`;
  const transient = status >= 500 || status === 401 || status === 408 || status === 429 || status < 400;
  return transient ? new Error(`PayU ${reason}`) : new ProviderRefusal('payu', reason, body);
}
