// Sends an order's email once per (order, kind, ref); the welcome email carries a fresh password-setup link.
import { createHash, randomBytes } from 'node:crypto';
import type { Sql } from '../db/client.js';
import { appendOrderEvent } from '../db/orders.js';
import { DomainError } from '../domain/errors.js';
import type { EmailKind } from '../domain/orders.js';
import { renderEmail, type EmailData } from '../email/templates.js';
import type { ActivityDeps } from './deps.js';
import { requireOrder } from './orders.js';
import { revokedTitles } from './refunds.js';

export const SETUP_TOKEN_TTL_MS = 60 * 60 * 1000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The raw token exists only in the email; the database keeps its hash, and workflow history never sees it. */
export async function issueSetupToken(sql: Sql, userId: string): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await sql`INSERT INTO password_setup_tokens (user_id, token_hash, expires_at)
            VALUES (${userId}, ${hashToken(token)}, ${new Date(Date.now() + SETUP_TOKEN_TTL_MS)})`;
  return token;
}

export interface OrderEmail {
  orderId: string;
  kind: EmailKind;
  /** Distinguishes several emails of one kind: a refund email's ref is the refund's seq. */
  ref?: string;
  /** An operator's resend: send even if this email went out before. */
  force?: boolean;
}

/** SMTP 5xx: the server refused for good (unknown mailbox, policy); retrying cannot help. */
function isPermanentRejection(err: unknown): err is Error & { responseCode: number } {
  const code = (err as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

export function emailActivities({ sql, mailer, publicUrl, shopUrl }: ActivityDeps) {
  async function refundData(orderId: string, ref: string | undefined): Promise<EmailData['refund']> {
    const [r] = await sql<{ amount: number; currency: string; reason: NonNullable<EmailData['refund']>['reason']; package_ids: string[] }[]>`
      SELECT amount, currency, reason, package_ids FROM refunds WHERE order_id = ${orderId} AND seq = ${Number(ref)}`;
    if (!r) throw new Error(`order ${orderId} has no refund #${ref}`);
    const [t] = await sql<{ paid: number; refunded: number }[]>`
      SELECT o.paid_amount AS paid, coalesce(sum(x.amount), 0)::int AS refunded
      FROM orders o LEFT JOIN refunds x ON x.order_id = o.id AND x.seq <= ${Number(ref)} WHERE o.id = ${orderId} GROUP BY o.paid_amount`;
    return {
      amount: { amount: r.amount, currency: r.currency.trim() },
      full: t!.refunded >= t!.paid,
      reason: r.reason,
      revokedTitles: await revokedTitles(sql, orderId, r.package_ids),
    };
  }

  return {
    async sendOrderEmail(input: OrderEmail): Promise<{ status: 'sent' | 'already_sent' }> {
      const order = await requireOrder(sql, input.orderId);
      const ref = input.ref ?? '';
      const [ledger] = await sql<{ status: string }[]>`
        INSERT INTO sent_emails (order_id, kind, ref, recipient, attempts) VALUES (${order.orderId}, ${input.kind}, ${ref}, ${order.email}, 1)
        ON CONFLICT (order_id, kind, ref) DO UPDATE SET attempts = sent_emails.attempts + 1
        RETURNING status`;
      if (ledger!.status === 'sent' && !input.force) return { status: 'already_sent' };
      // A retry after the SMTP server accepted but before this row said so sends again: at least once, never zero.
      let setupUrl: string | undefined;
      if (input.kind === 'welcome') {
        if (!order.userId) throw new Error(`order ${order.orderId} has no user yet; cannot issue a setup link`);
        setupUrl = `${publicUrl}/account/setup-password?token=${await issueSetupToken(sql, order.userId)}`;
      }
      const rendered = await renderEmail(input.kind, order.locale, {
        customerName: order.customerName,
        orderNumber: order.orderNumber,
        items: order.items.map((i) => ({ title: i.title, amount: { amount: i.unitAmount, currency: i.currency } })),
        total: order.total,
        shopUrl,
        setupUrl,
        refund: input.kind === 'refund_issued' ? await refundData(order.orderId, input.ref) : undefined,
      });
      try {
        const { messageId } = await mailer.send(order.email, rendered, { 'X-Order-Number': order.orderNumber });
        await sql`UPDATE sent_emails SET status = 'sent', message_id = ${messageId}, sent_at = now(), last_error = NULL
                  WHERE order_id = ${order.orderId} AND kind = ${input.kind} AND ref = ${ref}`;
      } catch (err) {
        if (isPermanentRejection(err)) {
          throw new DomainError('email_rejected', `The mail server refused the ${input.kind} email: ${err.message}`, 'unprocessable', { responseCode: err.responseCode });
        }
        throw err;
      }
      return { status: 'sent' };
    },

    /** An email that could not be delivered: kept visible to operators (ledger and timeline) for a resend. */
    async recordEmailFailure(input: OrderEmail & { error: string }): Promise<void> {
      const ref = input.ref ?? '';
      await sql.begin(async (tx) => {
        await tx`UPDATE sent_emails SET status = 'failed', last_error = ${input.error}
                 WHERE order_id = ${input.orderId} AND kind = ${input.kind} AND ref = ${ref} AND status <> 'sent'`;
        await appendOrderEvent(tx, input.orderId, 'email_failed', { kind: input.kind, ref, error: input.error });
      });
    },
  };
}
