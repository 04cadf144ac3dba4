// Refunds when the provider's answers come twice, late or never, an operator's way out of a refusal, and checkout faults.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../src/activities/deps.js';
import { refundActivities } from '../../src/activities/refunds.js';
import { transitionOrder } from '../../src/db/orders.js';
import { openOrder, postStripe, relayedOutcome, stripeEvent, stripeEventId, stripePaid, type TestOrder } from '../support/events.js';
import { activeEnrollments, admin, ADMIN_TOKEN, checkout, eventually, packageId, recordHistory, startHarness, uniqueEmail, waitForStatus, type Harness } from '../support/harness.js';
import { startGateways, type Gateways } from '../support/providers.js';

let h: Harness;
let gw: Gateways;
beforeAll(async () => {
  gw = await startGateways();
  h = await startHarness({ ...gw.env, BANK_TRANSFER_ENABLED: 'true', BANK_ACCOUNT_NAME: 'Sklep Testowy', BANK_ACCOUNT_IBAN: 'PL61109010140000071219812874' });
  gw.connect(h);
});
afterAll(async () => {
  await h?.close();
  await gw?.close();
});

const idem = (key: string) => ({ authorization: `Bearer ${ADMIN_TOKEN}`, 'idempotency-key': key });
const orderRow = async (orderId: string) => (await h.sql<{ status: string; held_reason: string | null }[]>`SELECT status, held_reason FROM orders WHERE id = ${orderId}`)[0]!;
const refundRow = async (refundId: string) =>
  (await h.sql<{ status: string; attempt: number; provider_refund_id: string | null }[]>`SELECT status, attempt, provider_refund_id FROM refunds WHERE id = ${refundId}`)[0]!;
/** What became of the order's latest event, once the relay has handed it over (acknowledged means recorded, not delivered). */
const lastOutcome = async (orderId: string) =>
  eventually(async () => (await h.sql<{ outcome: string | null }[]>`SELECT outcome FROM webhook_events WHERE order_id = ${orderId} ORDER BY id DESC LIMIT 1`)[0]?.outcome, Boolean, 'the last event delivered');

async function paidPayu(): Promise<TestOrder & { payuId: string }> {
  const o = await openOrder(h, ['biuro-autopilot'], { provider: 'payu' as never });
  const payuId = gw.payu.orderFor(o.orderId)!.orderId;
  gw.payu.pay(payuId);
  await gw.payu.notify(payuId);
  await waitForStatus(h, o.orderId, 'FULFILLED');
  return { ...o, payuId };
}

/** A full refund the provider refused: the order is HELD refund_failed. */
async function refusedRefund(o: TestOrder) {
  gw.payu.failNextRefund();
  const res = await admin(h, 'POST', `/orders/${o.orderId}/refunds`, { reason: 'buyer asked' }, idem(`full-${o.orderId}`));
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  await waitForStatus(h, o.orderId, 'HELD');
  return { refundId: res.body.refund.refundId as string, workflowId: res.body.workflowId as string };
}

describe('a refund the provider refused', () => {
  it('ignores a late notice about the refused attempt once an operator retried it', async () => {
    const o = await paidPayu();
    const { refundId, workflowId } = await refusedRefund(o);
    const refused = (await refundRow(refundId)).provider_refund_id!;
    gw.payu.holdRefunds();
    expect((await admin(h, 'POST', `/orders/${o.orderId}/refunds/${refundId}/retry`)).status).toBe(202);
    const retried = await eventually(() => refundRow(refundId), (r) => r.attempt === 2 && r.provider_refund_id !== null, 'the second attempt at the provider');
    gw.payu.holdRefunds(false);
    // PayU's CANCELED notification of the first attempt arrives only now; it echoes our key of attempt 1.
    expect(await gw.payu.notifyRefund(refused)).toBe(200);
    expect(await lastOutcome(o.orderId)).toBe('ignored');
    expect((await refundRow(refundId)).status).toBe('pending');
    gw.payu.finalizeRefund(retried.provider_refund_id!);
    expect(await gw.payu.notifyRefund(retried.provider_refund_id!)).toBe(200);
    await waitForStatus(h, o.orderId, 'REFUNDED');
    await recordHistory(h, workflowId, 'payu-refund-stale-attempt-ignored');
  });

  it('can be settled by an operator who refunded outside the provider, recorded with who and why', async () => {
    const o = await paidPayu();
    const { refundId, workflowId } = await refusedRefund(o);
    const incomplete = await admin(h, 'POST', `/orders/${o.orderId}/refunds/${refundId}/confirm`, { note: 'wire sent' });
    expect(incomplete).toMatchObject({ status: 422, body: { error: { code: 'confirmation_incomplete' } } });
    const done = await admin(h, 'POST', `/orders/${o.orderId}/refunds/${refundId}/confirm`, { operator: 'ala', note: 'bank wire PL-0042' });
    expect(done.status, JSON.stringify(done.body)).toBe(202);
    await waitForStatus(h, o.orderId, 'REFUNDED');
    expect((await refundRow(refundId)).status).toBe('succeeded');
    const [event] = await h.sql<{ details: { reason: string } }[]>`SELECT details FROM order_events WHERE order_id = ${o.orderId} AND cause = 'refund_succeeded'`;
    expect(event!.details.reason).toBe('refunded outside the provider, confirmed by ala: bank wire PL-0042');
    expect((await admin(h, 'POST', `/orders/${o.orderId}/refunds/${refundId}/confirm`, { operator: 'ala', note: 'again' })).status).toBe(409);
    await recordHistory(h, workflowId, 'refund-failed-settled-outside');
  });

  it('counts only refunds that went through in the order status, so a pending one that fails later still shows', async () => {
    const o = await paidPayu();
    gw.payu.holdRefunds();
    gw.payu.failNextRefund();
    const first = await admin(h, 'POST', `/orders/${o.orderId}/refunds`, { amount: 1000, reason: 'part' }, idem(`part-${o.orderId}`));
    const pending = await eventually(() => refundRow(first.body.refund.refundId), (r) => r.provider_refund_id !== null, 'the pending refund');
    gw.payu.holdRefunds(false);
    const rest = await admin(h, 'POST', `/orders/${o.orderId}/refunds`, { reason: 'the rest' }, idem(`rest-${o.orderId}`));
    expect(rest.status, JSON.stringify(rest.body)).toBe(202);
    expect((await h.temporal.workflow.getHandle(rest.body.workflowId).result()).orderStatus).toBe('PARTIALLY_REFUNDED');
    expect((await orderRow(o.orderId)).status).toBe('PARTIALLY_REFUNDED');
    gw.payu.finalizeRefund(pending.provider_refund_id!);
    expect(await gw.payu.notifyRefund(pending.provider_refund_id!)).toBe(200);
    await waitForStatus(h, o.orderId, 'HELD');
    expect((await orderRow(o.orderId)).held_reason).toBe('refund_failed');
  });
});

describe('notices and events the workflows cannot place yet', () => {
  it('keeps retrying a Stripe notice of our own refund while that refund has no provider id stored yet, and delivers it once stored', async () => {
    const o = await openOrder(h, ['biuro-autopilot'], { provider: 'stripe' });
    const pi = `pi_${crypto.randomUUID().replaceAll('-', '')}`;
    await postStripe(h, stripePaid(o, pi));
    await waitForStatus(h, o.orderId, 'FULFILLED');
    // Our refund, asked of Stripe a moment ago: its answer (and so its re_ id) is not stored yet.
    await h.sql`INSERT INTO refunds (order_id, seq, key, source, reason, amount, currency, package_ids) VALUES (${o.orderId}, 1, 'operator:in-flight', 'operator', 'requested', 1000, 'PLN', '{}')`;
    const refund = { id: `re_${pi}`, object: 'refund', amount: 1000, currency: 'pln', payment_intent: pi, metadata: { orderId: o.orderId } };
    const failed = stripeEvent('refund.failed', { ...refund, status: 'failed', failure_reason: 'expired_or_canceled_card' });
    const succeeded = stripeEvent('refund.updated', { ...refund, status: 'succeeded' });
    // Recorded and acknowledged; the relay does not deliver them while they may be about that refund.
    expect((await postStripe(h, failed)).body.outcome).toBe('queued');
    expect((await postStripe(h, succeeded)).body.outcome).toBe('queued');
    const retried = () => h.sql<{ attempts: number; last_error: string | null; outcome: string | null }[]>`
      SELECT attempts, last_error, outcome FROM webhook_events WHERE event_id = ANY(${[stripeEventId(failed), stripeEventId(succeeded)]})`;
    const waiting = await eventually(retried, (rows) => rows.length === 2 && rows.every((r) => r.attempts >= 2), 'the relay to try each twice');
    expect(waiting.map((r) => [r.outcome, r.last_error])).toEqual([[null, 'refund_not_matched_yet'], [null, 'refund_not_matched_yet']]);
    await h.sql`UPDATE refunds SET provider_refund_id = ${refund.id}, status = 'failed' WHERE order_id = ${o.orderId}`;
    // Matched once the id is stored (its workflow is none here, so only recorded): no provider refund is started for it.
    expect(await relayedOutcome(h, 'stripe', stripeEventId(failed))).toBe('ignored');
    expect(await relayedOutcome(h, 'stripe', stripeEventId(succeeded))).toBe('ignored');
    expect((await h.sql`SELECT count(*)::int AS n FROM refunds WHERE order_id = ${o.orderId}`)[0]!.n).toBe(1);
  });

  it('ends a dispute won whose opening never reached us, and records it for operators', async () => {
    // Its own harness: the reversal is retried for the fulfilment budget, which the shared one keeps long for slow machines.
    const short = await startHarness({ ...gw.env, FULFILMENT_RETRY_SECONDS: '5' });
    try {
      const o = await openOrder(short, ['biuro-autopilot'], { provider: 'stripe' });
      const pi = `pi_${crypto.randomUUID().replaceAll('-', '')}`;
      await postStripe(short, stripePaid(o, pi));
      await waitForStatus(short, o.orderId, 'FULFILLED');
      const dispute = { id: `dp_${pi}`, object: 'dispute', amount: o.total.amount, currency: 'pln', payment_intent: pi, metadata: {}, status: 'won' };
      const closed = stripeEvent('charge.dispute.closed', dispute);
      expect((await postStripe(short, closed)).body.outcome).toBe('queued');
      expect(await relayedOutcome(short, 'stripe', stripeEventId(closed))).toBe('dispute_won');
      const workflowId = `dispute-won-${o.orderId}-dispute_won:${dispute.id}`;
      expect(await short.temporal.workflow.getHandle(workflowId).result()).toBeNull();
      const [event] = await short.sql<{ details: { disputeKey: string } }[]>`SELECT details FROM order_events WHERE order_id = ${o.orderId} AND cause = 'dispute_won_unmatched'`;
      expect(event!.details.disputeKey).toBe(`dispute:${dispute.id}`);
      expect((await orderRow(o.orderId)).status).toBe('FULFILLED');
      await recordHistory(short, workflowId, 'dispute-won-unmatched');
    } finally {
      await short.close();
    }
  });

  it("never revokes again what a dispute won restored, when the dispute's own revoke runs late", async () => {
    const o = await openOrder(h, ['biuro-autopilot'], { provider: 'stripe' });
    const pi = `pi_${crypto.randomUUID().replaceAll('-', '')}`;
    await postStripe(h, stripePaid(o, pi));
    await waitForStatus(h, o.orderId, 'FULFILLED');
    const dispute = { id: `dp_${pi}`, object: 'dispute', amount: o.total.amount, currency: 'pln', payment_intent: pi, metadata: {} };
    await postStripe(h, stripeEvent('charge.dispute.created', { ...dispute, status: 'needs_response' }));
    await waitForStatus(h, o.orderId, 'REFUNDED');
    await postStripe(h, stripeEvent('charge.dispute.closed', { ...dispute, status: 'won' }));
    await waitForStatus(h, o.orderId, 'FULFILLED');
    const [row] = await h.sql<{ id: string }[]>`SELECT id FROM refunds WHERE order_id = ${o.orderId} AND status = 'reversed'`;
    // The dispute's refund run retrying its revoke after the win (a lost answer, a worker that died): it must change nothing.
    const acts = refundActivities({ sql: h.sql, payments: {} } as unknown as ActivityDeps);
    expect(await acts.revokeEnrollments({ orderId: o.orderId, refundId: row!.id })).toEqual({ revoked: [] });
    expect(await activeEnrollments(h.sql, o.email)).toEqual(['biuro-autopilot']);
  });

  it('keeps a PayPal order open when the buyer comes back before approving, and fulfils it once they approve', async () => {
    const o = await openOrder(h, ['biuro-autopilot'], { provider: 'paypal' as never });
    const back = await fetch(`${h.baseUrl}/api/v1/payments/paypal/return?token=${o.sessionId}`, { redirect: 'manual' });
    expect(back.status).toBe(303);
    const captureCalls = () => gw.paypal.requests.filter((r) => r.path === `/v2/checkout/orders/${o.sessionId}/capture`).length;
    await eventually(async () => captureCalls(), (n) => n === 1, 'the refused capture');
    await gw.paypal.approve(o.sessionId);
    await waitForStatus(h, o.orderId, 'FULFILLED');
    expect(await h.sql`SELECT 1 FROM order_events WHERE order_id = ${o.orderId} AND to_status = 'FAILED'`).toHaveLength(0);
    await recordHistory(h, `order-${o.orderId}`, 'paypal-return-before-approval');
  });
});

describe('order status bookkeeping', () => {
  it('keeps an order held for a mismatched amount HELD through a partial provider refund, for the operator to decide the rest', async () => {
    const o = await openOrder(h, ['biuro-autopilot'], { provider: 'stripe' });
    const pi = `pi_${crypto.randomUUID().replaceAll('-', '')}`;
    await postStripe(h, stripePaid(o, pi, o.total.amount + 500));
    await waitForStatus(h, o.orderId, 'HELD');
    const charge = { id: `ch_${pi}`, object: 'charge', amount_refunded: 1000, currency: 'pln', payment_intent: pi, metadata: {} };
    const refunded = stripeEvent('charge.refunded', charge);
    expect((await postStripe(h, refunded)).body.outcome).toBe('queued');
    expect(await relayedOutcome(h, 'stripe', stripeEventId(refunded))).toBe('refund_started');
    const [refund] = await eventually(() => h.sql<{ workflow_id: string }[]>`SELECT workflow_id FROM refunds WHERE order_id = ${o.orderId}`, (r) => r.length === 1, 'the provider refund');
    expect((await h.temporal.workflow.getHandle(refund!.workflow_id).result()).orderStatus).toBe('HELD');
    expect(await orderRow(o.orderId)).toEqual({ status: 'HELD', held_reason: 'amount_mismatch' });
    const resolved = await admin(h, 'POST', `/orders/${o.orderId}/resolve`, { action: 'refund', note: 'give the rest back' });
    expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
    await waitForStatus(h, o.orderId, 'REFUNDED');
    const amounts = await h.sql<{ amount: number }[]>`SELECT amount FROM refunds WHERE order_id = ${o.orderId} ORDER BY seq`;
    expect(amounts.map((r) => r.amount)).toEqual([1000, o.total.amount + 500 - 1000]);
    await recordHistory(h, refund!.workflow_id, 'held-partial-provider-refund');
  });

  it('records a new reason when a held order is held again for another one', async () => {
    const o = await openOrder(h, ['biuro-autopilot']);
    await transitionOrder(h.sql, o.orderId, { to: 'HELD', cause: 'payment:sandbox', heldReason: 'amount_mismatch' });
    const again = await transitionOrder(h.sql, o.orderId, { to: 'HELD', cause: 'refund_failed', heldReason: 'refund_failed' });
    expect(again).toMatchObject({ changed: true, status: 'HELD' });
    expect((await orderRow(o.orderId)).held_reason).toBe('refund_failed');
    expect(await transitionOrder(h.sql, o.orderId, { to: 'HELD', cause: 'refund_failed', heldReason: 'refund_failed' })).toMatchObject({ changed: false });
  });

  it('keeps a bank-transfer order PROCESSING when opening its session is retried after a crash half-way', async () => {
    const email = uniqueEmail('crash');
    // The database refuses the order's first status change once, as a dropped connection would, so the activity retries.
    await h.sql.unsafe(`
      CREATE SEQUENCE IF NOT EXISTS test_fault_once;
      CREATE OR REPLACE FUNCTION test_fault_once() RETURNS trigger AS $$
      BEGIN
        IF NEW.email = '${email}' AND NEW.status = 'PROCESSING' AND nextval('test_fault_once') = 1 THEN
          RAISE EXCEPTION 'connection lost (injected)';
        END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql;
      CREATE TRIGGER test_fault_once BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION test_fault_once();`);
    try {
      const res = await checkout(h, { packageIds: [await packageId(h.sql, 'biuro-autopilot')], email, locale: 'en', provider: 'bank_transfer' });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.status).toBe('PROCESSING');
      expect((await orderRow(res.body.orderId)).status).toBe('PROCESSING');
    } finally {
      await h.sql.unsafe('DROP TRIGGER IF EXISTS test_fault_once ON orders; DROP FUNCTION IF EXISTS test_fault_once(); DROP SEQUENCE IF EXISTS test_fault_once;');
    }
  });
});
