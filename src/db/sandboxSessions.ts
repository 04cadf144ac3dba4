// The sandbox provider's sessions as its hosted page reads and settles them (the provider itself writes them).
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
});

export async function getSandboxSession(sql: Sql, sessionId: string): Promise<SandboxSession | undefined> {
  const [row] = await sql<SandboxSessionRow[]>`SELECT * FROM sandbox_sessions WHERE id = ${sessionId}`;
  return row ? toSandboxSession(row) : undefined;
}

/** Settles an open session (paid or declined); a settled one stays as it is. */
export async function settleSandboxSession(sql: Sql, sessionId: string, status: 'paid' | 'declined', paymentId: string | null): Promise<void> {
  await sql`UPDATE sandbox_sessions SET status = ${status}, payment_id = ${paymentId} WHERE id = ${sessionId} AND status = 'open'`;
}
