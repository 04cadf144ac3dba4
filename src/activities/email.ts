// Sends an order's email once per (order, kind); the welcome email carries a fresh password-setup link.
import { createHash, randomBytes } from 'node:crypto';
import type { Sql } from '../db/client.js';
import type { EmailKind } from '../domain/orders.js';
import { renderEmail } from '../email/templates.js';
import type { ActivityDeps } from './deps.js';
import { requireOrder } from './orders.js';

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

export function emailActivities({ sql, mailer, publicUrl, shopUrl }: ActivityDeps) {
  return {
    async sendOrderEmail(input: { orderId: string; kind: EmailKind }): Promise<{ status: 'sent' | 'already_sent' }> {
      const order = await requireOrder(sql, input.orderId);
      const [ledger] = await sql<{ status: string }[]>`
        INSERT INTO sent_emails (order_id, kind, recipient, attempts) VALUES (${order.orderId}, ${input.kind}, ${order.email}, 1)
        ON CONFLICT (order_id, kind) DO UPDATE SET attempts = sent_emails.attempts + 1
        RETURNING status`;
      if (ledger!.status === 'sent') return { status: 'already_sent' };
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
      });
      const { messageId } = await mailer.send(order.email, rendered, { 'X-Order-Number': order.orderNumber });
      await sql`UPDATE sent_emails SET status = 'sent', message_id = ${messageId}, sent_at = now()
                WHERE order_id = ${order.orderId} AND kind = ${input.kind}`;
      return { status: 'sent' };
    },
  };
}
