// The sent_emails ledger: one row per (order, kind, ref), so an email is sent at least once and its failures stay visible.
import type { EmailKind } from '../domain/orders.js';
import type { Db, Sql } from './client.js';

/** A sent_emails row as stored. */
interface SentEmailRow {
  kind: EmailKind;
  ref: string;
  recipient: string;
  status: 'sending' | 'sent' | 'failed';
  attempts: number;
  last_error: string | null;
  sent_at: Date | null;
}

export interface SentEmail {
  kind: EmailKind;
  ref: string;
  recipient: string;
  status: SentEmailRow['status'];
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
}

const toSentEmail = (r: SentEmailRow): SentEmail => ({
  kind: r.kind,
  ref: r.ref,
  recipient: r.recipient,
  status: r.status,
  attempts: r.attempts,
  lastError: r.last_error,
  sentAt: r.sent_at?.toISOString() ?? null,
});

export interface EmailKey {
  orderId: string;
  kind: EmailKind;
  ref: string;
}

/**
 * Counts an attempt at this email and answers its status so far ('sent' means an earlier attempt got through). An
 * operator's resend (`resendKey`, once per resend request) starts the email over for its new recipient, once: a retry
 * of that same resend finds it 'sent' again.
 */
export async function claimEmail(sql: Sql, key: EmailKey, recipient: string, resendKey?: string): Promise<SentEmail['status']> {
  const [row] = await sql<Pick<SentEmailRow, 'status'>[]>`
    INSERT INTO sent_emails (order_id, kind, ref, recipient, attempts, resend_key)
    VALUES (${key.orderId}, ${key.kind}, ${key.ref}, ${recipient}, 1, ${resendKey ?? null})
    ON CONFLICT (order_id, kind, ref) DO UPDATE SET
      attempts = sent_emails.attempts + 1,
      status = CASE WHEN EXCLUDED.resend_key IS DISTINCT FROM sent_emails.resend_key AND EXCLUDED.resend_key IS NOT NULL
                    THEN 'sending' ELSE sent_emails.status END,
      recipient = CASE WHEN EXCLUDED.resend_key IS NOT NULL THEN EXCLUDED.recipient ELSE sent_emails.recipient END,
      resend_key = COALESCE(EXCLUDED.resend_key, sent_emails.resend_key)
    RETURNING status`;
  return row!.status;
}

export async function markEmailSent(sql: Sql, key: EmailKey, messageId: string): Promise<void> {
  await sql`UPDATE sent_emails SET status = 'sent', message_id = ${messageId}, sent_at = now(), last_error = NULL
            WHERE order_id = ${key.orderId} AND kind = ${key.kind} AND ref = ${key.ref}`;
}

/** An email that was not delivered; one that got through before stays 'sent'. */
export async function markEmailFailed(db: Db, key: EmailKey, error: string): Promise<void> {
  await db`UPDATE sent_emails SET status = 'failed', last_error = ${error}
           WHERE order_id = ${key.orderId} AND kind = ${key.kind} AND ref = ${key.ref} AND status <> 'sent'`;
}

export async function lastOrderEmail(sql: Sql, orderId: string): Promise<{ kind: EmailKind; ref: string } | null> {
  const [row] = await sql<Pick<SentEmailRow, 'kind' | 'ref'>[]>`SELECT kind, ref FROM sent_emails WHERE order_id = ${orderId} ORDER BY id DESC LIMIT 1`;
  return row ? { kind: row.kind, ref: row.ref } : null;
}

export async function orderEmails(db: Db, orderId: string): Promise<SentEmail[]> {
  const rows = await db<SentEmailRow[]>`SELECT * FROM sent_emails WHERE order_id = ${orderId} ORDER BY id`;
  return rows.map(toSentEmail);
}
