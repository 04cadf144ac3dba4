// PostFinance entities as the adapter reads them (parsed at the edge), and what their states mean to us.
import { z } from 'zod';
import { fromMajorUnits, type Money } from '../domain/money.js';
import { isUuid } from '../domain/orders.js';

/** FailureReason: localized name/description maps ({"en-US": "…"}); we keep one text for operators. */
const failureReason = z.object({ name: z.record(z.string(), z.string()).nullish(), description: z.record(z.string(), z.string()).nullish() }).loose();
export const reasonText = (r: z.infer<typeof failureReason> | null | undefined): string | undefined =>
  r ? (Object.values(r.description ?? {})[0] ?? Object.values(r.name ?? {})[0]) : undefined;

export const transactionSchema = z
  .object({
    id: z.number().int(),
    // A state added after this was written is read as one we do not act on, not as a broken payload.
    state: z.string(),
    currency: z.string().length(3),
    merchantReference: z.string().nullish(),
    metaData: z.record(z.string(), z.string()).nullish(),
    authorizationAmount: z.number().nullish(),
    completedAmount: z.number().nullish(),
    failureReason: failureReason.nullish(),
  })
  .loose();
export type PfTransaction = z.infer<typeof transactionSchema>;

export const refundSchema = z
  .object({
    id: z.number().int(),
    state: z.string(),
    externalId: z.string().nullish(),
    amount: z.number(),
    // Collapsed to {id} unless the request expands it.
    transaction: z.object({ id: z.number().int() }).loose(),
    failureReason: failureReason.nullish(),
  })
  .loose();
export type PfRefund = z.infer<typeof refundSchema>;

export const transactionSearchSchema = z.object({ data: z.array(transactionSchema) }).loose();

/** Our order id: the merchantReference we set, or metaData.orderId; transactions made elsewhere in the space have neither. */
export function orderIdOf(t: PfTransaction): string | undefined {
  return [t.merchantReference, t.metaData?.orderId].find(isUuid);
}

/** What the buyer was charged: the completed amount once there is one, else the authorized amount. */
export function amountOf(t: PfTransaction): Money | undefined {
  const value = t.completedAmount ?? t.authorizationAmount;
  return value == null ? undefined : fromMajorUnits(value, t.currency);
}

/** The order workflow's reading of a transaction state; `undefined` = nothing the order acts on yet (recorded only). */
export function paymentKind(state: string): 'succeeded' | 'failed' | 'processing' | undefined {
  if (state === 'FULFILL') return 'succeeded';
  if (state === 'FAILED' || state === 'DECLINE' || state === 'VOIDED') return 'failed';
  if (state === 'PROCESSING' || state === 'AUTHORIZED' || state === 'COMPLETED') return 'processing';
  return undefined;
}

/** SUCCESSFUL and FAILED are final; SCHEDULED, PENDING, MANUAL_CHECK (and CREATE) settle later. */
export function refundStatus(state: string): 'succeeded' | 'failed' | 'pending' {
  if (state === 'SUCCESSFUL') return 'succeeded';
  return state === 'FAILED' ? 'failed' : 'pending';
}
