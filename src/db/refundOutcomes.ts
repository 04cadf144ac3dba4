// What happens to a refund after it was asked for: matched to a provider's notice, retried after a failure, reversed by a dispute won.
import type { Money } from '../domain/money.js';
import type { Db, Sql } from './client.js';
import type { RefundRow } from './refunds.js';

/**
 * The refund of this order a provider notice is about, and which attempt of it: by the provider's refund id (unique
 * only per provider and payment, so looked for within the order; cleared on a retry, so it names the current attempt),
 * or by our own key when the provider echoes it (`refund:<orderId>:<seq>[:<attempt>]`, attempt 1 when absent).
 */
export async function findRefundForNotice(sql: Sql, orderId: string, n: { providerRefundId: string; ourKey?: string }): Promise<{ row: RefundRow; attempt: number } | undefined> {
  const [byId] = await sql<RefundRow[]>`SELECT * FROM refunds WHERE order_id = ${orderId} AND provider_refund_id = ${n.providerRefundId} LIMIT 1`;
  if (byId) return { row: byId, attempt: byId.attempt };
  const ours = /^refund:([0-9a-f-]{36}):(\d+)(?::(\d+))?$/i.exec(n.ourKey ?? '');
  if (!ours || ours[1] !== orderId) return undefined;
  const [row] = await sql<RefundRow[]>`SELECT * FROM refunds WHERE order_id = ${orderId} AND seq = ${Number(ours[2])}`;
  return row && { row, attempt: ours[3] ? Number(ours[3]) : 1 };
}

/** Refunds of this order asked of the provider whose id we do not know yet: a notice for one may be about to match. */
export async function unansweredRefunds(sql: Sql, orderId: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM refunds WHERE order_id = ${orderId} AND status = 'pending' AND provider_refund_id IS NULL
      AND source NOT IN ('provider', 'dispute')`;
  return row!.n;
}

/** A failed refund, asked again: a new attempt, so the provider sees a new idempotency key. */
export async function retryFailedRefund(db: Db, refundId: string): Promise<RefundRow> {
  const [row] = await db<RefundRow[]>`
    UPDATE refunds SET status = 'pending', attempt = attempt + 1, provider_refund_id = NULL
    WHERE id = ${refundId} AND status = 'failed' RETURNING *`;
  return row ?? (await db<RefundRow[]>`SELECT * FROM refunds WHERE id = ${refundId}`)[0]!;
}

/** Marks the dispute's refund reversed (its money came back); undefined until that dispute is recorded. */
export async function reverseDisputeRefund(tx: Db, orderId: string, disputeKey: string, amount: Money): Promise<RefundRow | undefined> {
  const [row] = await tx<RefundRow[]>`
    UPDATE refunds SET status = 'reversed', note = coalesce(note || ' · ', '') || ${`dispute won: ${amount.amount} ${amount.currency}`}
    WHERE order_id = ${orderId} AND key = ${disputeKey} AND status <> 'reversed' RETURNING *`;
  if (row) return row;
  return (await tx<RefundRow[]>`SELECT * FROM refunds WHERE order_id = ${orderId} AND key = ${disputeKey} AND status = 'reversed'`)[0];
}
