// Sends an order's email once per (order, kind, ref) under a stable Message-ID; the welcome email carries a password-setup link.
import { createHash } from 'node:crypto';
import { issueEmailSetupToken, setupLink } from '../auth/setupTokens.js';
import type { Sql } from '../db/client.js';
import { claimEmail, markEmailFailed, markEmailSent } from '../db/emails.js';
import { revokedTitles } from '../db/enrollments.js';
import { appendOrderEvent, requireOrder } from '../db/orders.js';
import { refundBySeq, refundTotals } from '../db/refunds.js';
import { DomainError } from '../domain/errors.js';
import type { EmailKind } from '../domain/orders.js';
import type { EmailData } from '../email/copy.js';
import { renderEmail } from '../email/templates.js';
import { activityCallKey, type ActivityDeps } from './deps.js';
import { Context } from '@temporalio/activity';

export interface OrderEmail {
  orderId: string;
  kind: EmailKind;
  /** Distinguishes several emails of one kind: a refund email's ref is the refund's seq. */
  ref?: string;
  /** An operator's resend: send even if this email went out before; once per resend workflow, as a new message. */
  force?: boolean;
}

/** SMTP 5xx: the server refused for good (unknown mailbox, policy); retrying cannot help. */
function isPermanentRejection(err: unknown): err is Error & { responseCode: number } {
  const code = (err as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** What a refund email says: how much, whether it completes the refund of the payment, why, and which access went. */
async function refundData(sql: Sql, orderId: string, seq: number): Promise<EmailData['refund']> {
  const r = await refundBySeq(sql, orderId, seq);
  if (!r) throw new Error(`order ${orderId} has no refund #${seq}`);
  const totals = (await refundTotals(sql, orderId, seq))!;
  return {
    amount: { amount: r.amount, currency: r.currency.trim() },
    full: totals.refunded >= totals.paid!,
    reason: r.reason as NonNullable<EmailData['refund']>['reason'],
    revokedTitles: await revokedTitles(sql, orderId, r.package_ids),
  };
}

/**
 * What names one email across retries: its Message-ID's left part and its setup token's key. A retry of the same send
 * reuses both, so duplicates fold in a mail client and carry one link; an operator's resend (keyed by its workflow)
 * is a new message, with its own id and link.
 */
function emailIdentity(key: { orderId: string; kind: EmailKind; ref: string }, resendKey: string | undefined) {
  const base = `order-${key.orderId}.${key.kind}${key.ref ? `.${key.ref}` : ''}`;
  // Workflow ids may hold characters a Message-ID may not; a short hash keeps the id valid and stable.
  const resend = resendKey ? `.resend-${createHash('sha256').update(resendKey).digest('hex').slice(0, 16)}` : '';
  return { messageKey: base + resend, tokenKey: `${key.orderId}/${key.kind}/${key.ref}${resendKey ? `/resend:${resendKey}` : ''}` };
}

export function emailActivities({ sql, mailer, publicUrl, shopUrl, bankAccount, tokenSecret, metrics }: ActivityDeps) {
  return {
    async sendOrderEmail(input: OrderEmail): Promise<{ status: 'sent' | 'already_sent' }> {
      const order = await requireOrder(sql, input.orderId);
      const ref = input.ref ?? '';
      const key = { orderId: order.orderId, kind: input.kind, ref };
      // The resend workflow's id: a retry of one operator request finds its email sent, a new request sends again.
      const resendKey = input.force ? (Context.current().info.workflowExecution?.workflowId ?? Context.current().info.activityId) : undefined;
      if ((await claimEmail(sql, key, order.email, resendKey)) === 'sent') return { status: 'already_sent' };
      // A retry after the SMTP server accepted but before this row said so sends again (at least once, never zero),
      // with the same Message-ID and setup link, so the copies are one email to the customer.
      const identity = emailIdentity(key, resendKey);
      let setupUrl: string | undefined;
      if (input.kind === 'welcome') {
        if (!order.userId) throw new Error(`order ${order.orderId} has no user yet; cannot issue a setup link`);
        setupUrl = setupLink(publicUrl, await issueEmailSetupToken(sql, tokenSecret, order.userId, identity.tokenKey), order.locale);
      }
      const rendered = await renderEmail(input.kind, order.locale, {
        customerName: order.customerName,
        orderNumber: order.orderNumber,
        items: order.items.map((i) => ({ title: i.title, amount: { amount: i.unitAmount, currency: i.currency } })),
        total: order.total,
        ...(order.discount.amount > 0 && order.couponCode ? { discount: { code: order.couponCode, amount: order.discount } } : {}),
        shopUrl,
        setupUrl,
        orderUrl: `${publicUrl}/orders/${order.orderId}`,
        ...(input.kind === 'bank_transfer_instructions' ? { bankAccount } : {}),
        refund: input.kind === 'refund_issued' ? await refundData(sql, order.orderId, Number(input.ref)) : undefined,
      });
      try {
        const { messageId } = await mailer.send(order.email, rendered, { 'X-Order-Number': order.orderNumber }, { messageKey: identity.messageKey });
        await markEmailSent(sql, key, messageId);
        metrics.emails.inc({ kind: input.kind, result: 'sent' });
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
        await markEmailFailed(tx, { orderId: input.orderId, kind: input.kind, ref }, input.error);
        await appendOrderEvent(tx, input.orderId, 'email_failed', { kind: input.kind, ref, error: input.error }, activityCallKey());
      });
      metrics.emails.inc({ kind: input.kind, result: 'failed' });
    },
  };
}
