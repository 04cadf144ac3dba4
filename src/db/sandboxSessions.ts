// The sandbox provider's own records: sessions its hosted page shows and settles, and the refunds it was asked for.
import type { Sql } from './client.js';

/** A sandbox_sessions row as stored (the columns the hosted page uses). */
interface SandboxSessionRow {
  id: string;
  order_id: string;
  order_number: string;
  amount: number;
  currency: string;
  description: string;
  status: 'open' | 'paid' | 'declined' | 'expired';
  success_url: string;
  cancel_url: string;
  expires_at: Date;
  payment_id: string | null;
}

export interface SandboxSession {
  sessionId: string;
  orderId: string;
  orderNumber: string;
  amount: number;
  currency: string;
  description: string;
  status: SandboxSessionRow['status'];
  successUrl: string;
  cancelUrl: string;
  expiresAt: Date;
  paymentId: string | null;
}

const toSandboxSession = (r: SandboxSessionRow): SandboxSession => ({
  sessionId: r.id,
  orderId: r.order_id,
  orderNumber: r.order_number,
  amount: r.amount,
  currency: r.currency,
  description: r.description,
  status: r.status,
  successUrl: r.success_url,
  cancelUrl: r.cancel_url,
  expiresAt: r.expires_at,
  paymentId: r.payment_id,
});

export async function getSandboxSession(sql: Sql, sessionId: string): Promise<SandboxSession | undefined> {
  const [row] = await sql<SandboxSessionRow[]>`SELECT * FROM sandbox_sessions WHERE id = ${sessionId}`;
  return row ? toSandboxSession(row) : undefined;
}

/** Settles an open session (paid or declined); a settled one stays as it is. */
export async function settleSandboxSession(sql: Sql, sessionId: string, status: 'paid' | 'declined', paymentId: string | null): Promise<void> {
  await sql`UPDATE sandbox_sessions SET status = ${status}, payment_id = ${paymentId} WHERE id = ${sessionId} AND status = 'open'`;
}

/** Idempotent on the session id (derived from the checkout's key): a retry finds the session it already made. */
export async function openSandboxSession(
  sql: Sql,
  s: { id: string; orderId: string; orderNumber: string; amount: number; currency: string; description: string; successUrl: string; cancelUrl: string; expiresAt: Date },
): Promise<void> {
  await sql`
    INSERT INTO sandbox_sessions (id, order_id, order_number, amount, currency, description, success_url, cancel_url, expires_at)
    VALUES (${s.id}, ${s.orderId}, ${s.orderNumber}, ${s.amount}, ${s.currency}, ${s.description}, ${s.successUrl}, ${s.cancelUrl}, ${s.expiresAt})
    ON CONFLICT (id) DO NOTHING`;
}

export async function expireSandboxSession(sql: Sql, sessionId: string): Promise<void> {
  await sql`UPDATE sandbox_sessions SET status = 'expired' WHERE id = ${sessionId} AND status = 'open'`;
}

/** The refund recorded under this idempotency key: the new one, or the one an earlier call made. */
export async function recordSandboxRefund(sql: Sql, r: { id: string; sessionId: string; idempotencyKey: string; amount: number }): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    INSERT INTO sandbox_refunds (id, session_id, idempotency_key, amount)
    VALUES (${r.id}, ${r.sessionId}, ${r.idempotencyKey}, ${r.amount})
    ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key
    RETURNING id`;
  return row!.id;
}
