// Retries after a crash or a lost answer, on real PostgreSQL and SMTP: a duplicate email folds into one, a retried resend or timeline append repeats nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities } from '../../src/activities/index.js';
import { hashToken } from '../../src/auth/setupTokens.js';
import { createMailer, senderDomain, type Mailer } from '../../src/email/transport.js';
import type { PaymentProviders } from '../../src/payments/index.js';
import { orderWorkflowId } from '../../src/workflows/definitions.js';
import { checkout, emailsTo, eventually, finished, packageId, sandboxAction, startHarness, uniqueEmail, waitForStatus, type Harness } from '../support/harness.js';
import { createMetrics } from '../../src/observability/metrics.js';

let h: Harness;
let mailer: Mailer;
let activities: ReturnType<typeof createActivities>;
beforeAll(async () => {
  h = await startHarness();
  mailer = createMailer(h.config.smtpUrl!, h.config.mailFrom, h.config.smtpPool);
  // The worker's own activities, called directly as Temporal would retry them.
  activities = createActivities({ sql: h.sql, payments: {} as PaymentProviders, mailer, publicUrl: h.config.publicUrl, shopUrl: h.config.shopUrl, tokenSecret: h.config.jwt.secret, customerKeySecret: h.config.customerKeySecret, metrics: createMetrics({ defaults: false }) });
});
afterAll(async () => {
  mailer?.close();
  await h?.close();
});

/** An activity attempt of a given workflow run and activity id: a retry is the same info again. */
const attempt = (workflowId: string, activityId = '1') =>
  new MockActivityEnvironment({ activityId, workflowExecution: { workflowId, runId: `run-${workflowId}` } }, { logger: new DefaultLogger('ERROR') });

async function fulfilledOrder(email: string): Promise<string> {
  const res = await checkout(h, { packageIds: [await packageId(h.sql, 'chatbot-rag')], email, locale: 'en' });
  expect(res.status).toBe(201);
  await sandboxAction(res.body.paymentUrl, 'pay');
  await waitForStatus(h, res.body.orderId, 'FULFILLED');
  // The run has ended: every email it sends is in the mailbox, so what the test sends next is all that follows.
  await finished(h, orderWorkflowId(res.body.orderId));
  return res.body.orderId as string;
}

const welcomes = async (email: string, count: number) =>
  (await eventually(() => emailsTo(h, email), (m) => m.filter((x) => /^Welcome/.test(x.subject)).length >= count, `${count} welcome emails to ${email}`)).filter((x) => /^Welcome/.test(x.subject))
    // Oldest first, whatever order the mailbox lists them in.
    .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));

const setupToken = (text: string) => /setup-password\?lang=\w+#token=([\w-]+)/.exec(text)?.[1];

describe('a welcome email sent again after a crash', () => {
  it('carries the same Message-ID and the same working setup link as the copy that got through', async () => {
    const email = uniqueEmail('crash');
    const orderId = await fulfilledOrder(email);
    const [first] = await welcomes(email, 1);
    // The worker died after the SMTP server accepted the email, before the ledger said 'sent': the retry sends again.
    await h.sql`UPDATE sent_emails SET status = 'sending' WHERE order_id = ${orderId} AND kind = 'welcome'`;
    expect(await attempt(`order-${orderId}`).run(activities.sendOrderEmail, { orderId, kind: 'welcome' as const })).toEqual({ status: 'sent' });

    const both = await welcomes(email, 2);
    expect(both).toHaveLength(2);
    expect(first!.messageId).toBe(`<order-${orderId}.welcome@${senderDomain(h.config.mailFrom)}>`);
    expect(both[1]!.messageId).toBe(first!.messageId);
    expect(setupToken(both[1]!.text)).toBeDefined();
    expect(setupToken(both[1]!.text)).toBe(setupToken(first!.text));
    // One stored token for both copies, kept only as a hash.
    const tokens = await h.sql`SELECT t.token_hash FROM password_setup_tokens t JOIN users u ON u.id = t.user_id WHERE u.email = ${email}`;
    expect(tokens.map((t) => t.token_hash)).toEqual([hashToken(setupToken(first!.text)!)]);
  });

  it('carries a fresh link once the first one was used, since a used link would only show an error', async () => {
    const email = uniqueEmail('used');
    const orderId = await fulfilledOrder(email);
    const [first] = await welcomes(email, 1);
    await h.sql`UPDATE password_setup_tokens SET used_at = now() WHERE token_hash = ${hashToken(setupToken(first!.text)!)}`;
    await h.sql`UPDATE sent_emails SET status = 'sending' WHERE order_id = ${orderId} AND kind = 'welcome'`;
    await attempt(`order-${orderId}`).run(activities.sendOrderEmail, { orderId, kind: 'welcome' as const });
    const both = await welcomes(email, 2);
    expect(both[1]!.messageId).toBe(first!.messageId);
    expect(setupToken(both[1]!.text)).not.toBe(setupToken(first!.text));
  });
});

describe('an operator resend', () => {
  it('sends once per resend request, however often its activity is retried, as a message of its own', async () => {
    const email = uniqueEmail('resend');
    const orderId = await fulfilledOrder(email);
    const [first] = await welcomes(email, 1);
    const resend = attempt(`email-resend-${orderId}-a`);
    expect(await resend.run(activities.sendOrderEmail, { orderId, kind: 'welcome' as const, force: true })).toEqual({ status: 'sent' });
    // The answer was lost: Temporal retries the same activity of the same resend workflow.
    expect(await resend.run(activities.sendOrderEmail, { orderId, kind: 'welcome' as const, force: true })).toEqual({ status: 'already_sent' });
    await attempt(`email-resend-${orderId}-b`).run(activities.sendOrderEmail, { orderId, kind: 'welcome' as const, force: true });

    // Each send above returned after the SMTP server accepted it, and the order's run had ended before: nothing else comes.
    const all = await welcomes(email, 3);
    expect(all).toHaveLength(3);
    expect(new Set(all.map((m) => m.messageId)).size).toBe(3);
    expect(new Set(all.map((m) => setupToken(m.text))).size).toBe(3);
    expect(all.map((m) => m.messageId)).toContain(first!.messageId);
  });
});

describe('a timeline entry', () => {
  const events = (orderId: string) => h.sql<{ cause: string }[]>`SELECT cause FROM order_events WHERE order_id = ${orderId} AND cause = 'operator_note'`;

  it('is recorded once when its activity is retried, and again for another step with equal content', async () => {
    const orderId = await fulfilledOrder(uniqueEmail('events'));
    const entry = { orderId, cause: 'operator_note', details: { note: 'checked' } };
    await attempt(`order-${orderId}`, '7').run(activities.recordOrderEvent, entry);
    await attempt(`order-${orderId}`, '7').run(activities.recordOrderEvent, entry);
    expect(await events(orderId)).toHaveLength(1);
    await attempt(`order-${orderId}`, '8').run(activities.recordOrderEvent, entry);
    expect(await events(orderId)).toHaveLength(2);
    // A caller's own key wins over the activity's.
    await attempt(`order-${orderId}`, '9').run(activities.recordOrderEvent, { ...entry, key: 'note-1' });
    await attempt(`order-${orderId}`, '10').run(activities.recordOrderEvent, { ...entry, key: 'note-1' });
    expect(await events(orderId)).toHaveLength(3);
  });
});
