// Money an operator saw arrive (a bank transfer), recorded once per Idempotency-Key.
import type { Money } from '../domain/money.js';
import type { Sql } from './client.js';

interface ManualPaymentRow {
  id: string;
  order_id: string;
  amount: number;
  currency: string;
  reference: string;
  request_fingerprint: string;
  created_at: Date;
}

export interface ManualPayment {
  paymentId: string;
  orderId: string;
  amount: Money;
  reference: string;
  recordedAt: string;
  fingerprint: string;
}

const toManualPayment = (r: ManualPaymentRow): ManualPayment => ({
  paymentId: r.id,
  orderId: r.order_id,
  amount: { amount: r.amount, currency: r.currency.trim() },
  reference: r.reference,
  recordedAt: r.created_at.toISOString(),
  fingerprint: r.request_fingerprint,
});

/** The payment under this key: the one just recorded, or the one recorded by an earlier request with the same key. */
export async function recordManualPayment(
  sql: Sql,
  p: { orderId: string; key: string; amount: Money; reference: string; fingerprint: string },
): Promise<ManualPayment> {
  const [row] = await sql<ManualPaymentRow[]>`
    INSERT INTO manual_payments (order_id, idempotency_key, amount, currency, reference, request_fingerprint)
    VALUES (${p.orderId}, ${p.key}, ${p.amount.amount}, ${p.amount.currency}, ${p.reference}, ${p.fingerprint})
    ON CONFLICT (order_id, idempotency_key) DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key
    RETURNING *`;
  return toManualPayment(row!);
}
