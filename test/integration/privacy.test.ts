// Personal data kept out of Temporal and out of the database once unneeded, on real parts: customer keys, erasure, retention.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerKey } from '../../src/auth/customerKeys.js';
import { ensureRetentionSchedule } from '../../src/wiring.js';
import { CUSTOMER_EMAIL, orderWorkflowId, setupLinkWorkflowId } from '../../src/workflows/definitions.js';
import { openOrder, postSandbox, sandboxSucceeded, type TestOrder } from '../support/events.js';
import { admin, emailsTo, eventually, postJson, recordHistory, sandboxAction, startHarness, uiLines, uniqueEmail, waitForStatus, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ RETENTION_DAYS: '30', RETENTION_INTERVAL_SECONDS: '3600' });
});
afterAll(async () => h?.close());

async function paidOrder(email = uniqueEmail('private'), couponCode?: string): Promise<TestOrder> {
  const o = await openOrder(h, ['chatbot-rag'], { email, couponCode });
  await sandboxAction(o.paymentUrl, 'pay');
  await waitForStatus(h, o.orderId, 'FULFILLED');
  await eventually(() => emailsTo(h, email), (m) => m.length >= 1, 'the welcome email');
  return o;
}

/** Every row of these tables, as text: where an address could hide. */
async function rowsMentioning(needle: string): Promise<string[]> {
  const tables = ['orders', 'users', 'sent_emails', 'webhook_events', 'refunds', 'order_events', 'rate_limits', 'password_setup_tokens', 'coupon_redemptions'];
  const found: string[] = [];
  for (const t of tables) {
    const rows = await h.sql.unsafe(`SELECT t::text AS row FROM ${t} t WHERE t::text ILIKE $1`, [`%${needle}%`]);
    found.push(...rows.map((r) => `${t}: ${String(r.row)}`));
  }
  return found;
}

describe('customer keys in Temporal', () => {
  it('searches order workflows by the key the admin API computes, never by the address', async () => {
    const email = uniqueEmail('Searched');
    const o = await openOrder(h, ['chatbot-rag'], { email });
    const key = customerKey(h.config.customerKeySecret, email);
    const described = await h.temporal.workflow.getHandle(orderWorkflowId(o.orderId)).describe();
    expect(described.typedSearchAttributes.get(CUSTOMER_EMAIL)).toBe(key);
    expect(key).toMatch(/^[0-9a-f]{64}$/);

    const lookup = await admin(h, 'GET', `/customers/lookup?email=${encodeURIComponent(email.toUpperCase())}`);
    expect(lookup).toMatchObject({ status: 200, body: { customerKey: key, visibilityQuery: `CustomerEmail = "${key}"` } });
    expect(lookup.body.workflowsUrl).toContain(encodeURIComponent(`CustomerEmail = "${key}"`));
    expect(lookup.body.workflowsUrl).not.toContain('example.com');
    const found = await eventually(
      async () => {
        const ids: string[] = [];
        for await (const w of h.temporal.workflow.list({ query: lookup.body.visibilityQuery as string })) ids.push(w.workflowId);
        return ids;
      },
      (ids) => ids.length > 0,
      'the order in visibility',
    );
    expect(found).toEqual([orderWorkflowId(o.orderId)]);
    expect((await admin(h, 'GET', '/customers/lookup?email=nope')).status).toBe(400);
  });

  it('names the setup-link workflow by the customer key', async () => {
    const email = uniqueEmail('linked');
    const asked = await postJson(`${h.baseUrl}/api/v1/auth/password/setup-link`, { email });
    expect(asked.status).toBe(202);
    const id = setupLinkWorkflowId(customerKey(h.config.customerKeySecret, email));
    expect(id).not.toContain(email.split('@')[0]);
    expect(await h.temporal.workflow.getHandle(id).result()).toEqual({ status: 'no_account' });
    expect(await uiLines(h, id)).toEqual({ summary: 'Password setup link (sent only if the account exists)', currentDetails: 'no account for this email: nothing sent' });
  });
});

describe('erasure of one customer', () => {
  it('replaces the address and name everywhere, keeps the ledger, revokes access and redacts webhook bodies', async () => {
    const email = uniqueEmail('erased');
    // With a coupon: its redemption names the buyer too.
    const couponCode = `PRIV${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
    expect((await admin(h, 'POST', '/coupons', { code: couponCode, kind: 'percent', percent: 10 })).status).toBe(201);
    const o = await paidOrder(email, couponCode);
    expect((await h.sql`SELECT 1 FROM coupon_redemptions WHERE email = ${email}`).length).toBe(1);
    const before = await h.sql`SELECT total_amount, paid_amount, currency, status FROM orders WHERE id = ${o.orderId}`;
    expect((await h.sql`SELECT 1 FROM webhook_events WHERE order_id = ${o.orderId}`).length).toBeGreaterThan(0);
    expect(await rowsMentioning(email)).not.toEqual([]);

    const erased = await admin(h, 'POST', '/customers/erasure', { email });
    expect(erased.status, JSON.stringify(erased.body)).toBe(200);
    expect(erased.body).toMatchObject({ orderIds: [o.orderId], userErased: true, enrollmentsRevoked: 1, temporal: { visibilityQuery: expect.stringContaining('CustomerEmail') } });
    // This stack has no PAYLOAD_KEYS: the operator must not be told the histories are encrypted.
    expect(erased.body.temporal.note).toMatch(/keep their inputs in clear \(PAYLOAD_KEYS is not set\)/);
    expect(erased.body.emailsRedacted).toBeGreaterThanOrEqual(1);
    expect(erased.body.webhookEventsRedacted).toBeGreaterThan(0);

    expect(await rowsMentioning(email)).toEqual([]);
    expect(await h.sql`SELECT total_amount, paid_amount, currency, status FROM orders WHERE id = ${o.orderId}`).toEqual(before);
    const [order] = await h.sql`SELECT email, customer_name, user_id FROM orders WHERE id = ${o.orderId}`;
    expect(order!.email).toMatch(/^erased-[0-9a-f-]{36}@erased\.invalid$/);
    expect(order!.customer_name).toBe('erased');
    const [user] = await h.sql`SELECT email, name, password_hash, disabled_at FROM users WHERE id = ${order!.user_id}`;
    expect(user).toMatchObject({ email: order!.email, name: 'erased', password_hash: null, disabled_at: expect.any(Date) });
    expect(await h.sql`SELECT status FROM enrollments WHERE user_id = ${order!.user_id}`).toEqual([{ status: 'revoked' }]);
    expect(await h.sql`SELECT DISTINCT raw_body FROM webhook_events WHERE order_id = ${o.orderId}`).toEqual([{ raw_body: 'redacted' }]);

    // Done once: the address is gone, so a repeat finds nobody.
    expect(await admin(h, 'POST', '/customers/erasure', { email })).toMatchObject({ status: 404, body: { error: { code: 'customer_not_found' } } });
  });

  it('refuses while an order of the customer is still in flight, and changes nothing', async () => {
    const email = uniqueEmail('inflight');
    const o = await openOrder(h, ['chatbot-rag'], { email });
    const refused = await admin(h, 'POST', '/customers/erasure', { email });
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'customer_has_open_orders', details: { orders: [{ orderNumber: o.orderNumber, status: 'PENDING' }] } } } });
    expect((await h.sql`SELECT email FROM orders WHERE id = ${o.orderId}`)[0]!.email).toBe(email);
    expect((await admin(h, 'POST', '/customers/erasure', { email: 'not-an-email' })).status).toBe(400);
  });
});

describe('retention', () => {
  it('redacts webhook bodies and email recipients past RETENTION_DAYS on its schedule, and nothing newer', async () => {
    const old = await paidOrder();
    const recent = await paidOrder();
    // Thirty-one days passing for one order, without waiting for them.
    await h.sql`UPDATE webhook_events SET received_at = now() - interval '31 days' WHERE order_id = ${old.orderId}`;
    await h.sql`UPDATE sent_emails SET created_at = now() - interval '31 days' WHERE order_id = ${old.orderId}`;

    const scheduleId = await ensureRetentionSchedule(h.temporal, h.config);
    const schedule = h.temporal.schedule.getHandle(scheduleId);
    try {
      await schedule.trigger();
      const run = await eventually(() => schedule.describe(), (d) => d.info.recentActions.length > 0, 'the triggered retention run');
      const workflowId = run.info.recentActions[0]!.action.workflow.workflowId;
      const counts = await h.temporal.workflow.getHandle(workflowId).result();
      expect(counts.webhookEvents).toBeGreaterThan(0);
      expect(counts.emails).toBeGreaterThanOrEqual(1);
      expect(await uiLines(h, workflowId)).toEqual({
        summary: 'Retention: redact webhook bodies and email recipients older than 30 days',
        currentDetails: `redacted ${counts.webhookEvents} webhook bodies and ${counts.emails} emails`,
      });
      await recordHistory(h, workflowId, 'retention-redacted');
    } finally {
      await schedule.delete();
    }
    expect(await h.sql`SELECT DISTINCT raw_body FROM webhook_events WHERE order_id = ${old.orderId}`).toEqual([{ raw_body: 'redacted' }]);
    expect(await h.sql`SELECT DISTINCT recipient FROM sent_emails WHERE order_id = ${old.orderId}`).toEqual([{ recipient: 'redacted' }]);
    expect(await h.sql`SELECT 1 FROM webhook_events WHERE order_id = ${recent.orderId} AND redacted_at IS NOT NULL`).toEqual([]);
    expect(await h.sql`SELECT DISTINCT recipient FROM sent_emails WHERE order_id = ${recent.orderId}`).toEqual([{ recipient: recent.email }]);
    // The ledger stays: the order itself still names its buyer until erased on request.
    expect((await h.sql`SELECT email FROM orders WHERE id = ${old.orderId}`)[0]!.email).toBe(old.email);
  });
});

describe('workflows that read well in the Temporal UI', () => {
  interface Metadata {
    currentDetails?: string;
    definition?: { queryDefinitions?: { name?: string; description?: string }[]; signalDefinitions?: { name?: string; description?: string }[]; updateDefinitions?: { name?: string; description?: string }[] };
  }
  const metadata = (o: TestOrder) => h.temporal.workflow.getHandle(orderWorkflowId(o.orderId)).query<Metadata>('__temporal_workflow_metadata');

  it('shows a summary without personal data, the current step, handler descriptions and activity summaries', async () => {
    const email = uniqueEmail('readable');
    const o = await openOrder(h, ['chatbot-rag'], { email });
    const handle = h.temporal.workflow.getHandle(orderWorkflowId(o.orderId));
    const described = await handle.describe();
    expect(await described.staticSummary()).toBe('Checkout: 1 item, 149.00 PLN via sandbox');
    const details = await described.staticDetails();
    expect(details).toContain('149.00 PLN');
    expect(details).toMatch(/chatbot RAG/);
    expect(`${await described.staticSummary()}${details}`).not.toMatch(/@|Test Buyer/);

    const open = await metadata(o);
    expect(open.currentDetails).toBe(`${o.orderNumber}: waiting for payment`);
    const described_ = (defs?: { name?: string; description?: string }[]) => Object.fromEntries((defs ?? []).map((d) => [d.name, Boolean(d.description)]));
    expect(described_(open.definition?.queryDefinitions)).toMatchObject({ status: true });
    expect(described_(open.definition?.signalDefinitions)).toMatchObject({ payment: true, refunded: true, refundOutcome: true, retryRefund: true });
    expect(described_(open.definition?.updateDefinitions)).toMatchObject({ checkout: true, cancel: true, resolve: true });

    expect((await postSandbox(h, sandboxSucceeded(o, 100))).body.outcome).toBe('queued');
    await waitForStatus(h, o.orderId, 'HELD');
    await eventually(() => metadata(o), (m) => m.currentDetails === `${o.orderNumber}: held: amount mismatch`, 'the held line');

    const { events } = await handle.fetchHistory();
    const summaries = (events ?? [])
      // Activities and local activities alike: a local activity's marker carries its summary.
      .filter((e) => e.activityTaskScheduledEventAttributes || e.markerRecordedEventAttributes?.markerName === 'core_local_activity')
      .map((e) => Buffer.from(e.userMetadata?.summary?.data ?? new Uint8Array()).toString('utf8'));
    expect(summaries).toEqual([
      '"Create the order from the priced cart"',
      '"Open the payment session at the provider"',
      '"Order → HELD (payment:sandbox)"',
    ]);
    await admin(h, 'POST', `/orders/${o.orderId}/resolve`, { action: 'refund' });
    await waitForStatus(h, o.orderId, 'REFUNDED');
    expect((await metadata(o)).currentDetails).toBe(`${o.orderNumber}: refunded`);
  });
});
