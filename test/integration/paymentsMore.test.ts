// Bank transfer through the admin API, disputes won back, a refund that settles later, PayPal's return, and which methods work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiDepsFrom, startHttpServer } from '../../src/api/server.js';
import { createLogger } from '../../src/log.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { formatMoney } from '../../src/domain/money.js';
import { createPaymentProviders } from '../../src/payments/index.js';
import { openOrder, postStripe, relayedOutcome, stripeEvent, stripeEventId, stripePaid } from '../support/events.js';
import { activeEnrollments, admin, ADMIN_TOKEN, checkout, emailsTo, eventually, packageId, recordHistory, startHarness, uiLines, uniqueEmail, waitForStatus, type Harness } from '../support/harness.js';
import { startGateways, type Gateways } from '../support/providers.js';

const IBAN = 'PL61109010140000071219812874';
let h: Harness;
let gw: Gateways;
beforeAll(async () => {
  gw = await startGateways();
  h = await startHarness({ ...gw.env, BANK_TRANSFER_ENABLED: 'true', BANK_ACCOUNT_NAME: 'Sklep Testowy', BANK_ACCOUNT_IBAN: IBAN, BANK_ACCOUNT_BIC: 'WBKPPLPP', PAYU_SETTLEMENT_SECONDS: '2' });
  gw.connect(h);
});
afterAll(async () => {
  await h?.close();
  await gw?.close();
});

const idem = (key: string) => ({ authorization: `Bearer ${ADMIN_TOKEN}`, 'idempotency-key': key });
const subjects = async (email: string) => (await emailsTo(h, email)).map((m) => m.subject);

describe('bank transfer', () => {
  const open = () => openOrder(h, ['biuro-autopilot'], { provider: 'bank_transfer' as never });
  const record = (orderId: string, key: string, amount: number, reference = 'ELIXIR-1') =>
    admin(h, 'POST', `/orders/${orderId}/payments`, { amount: { amount, currency: 'PLN' }, reference }, idem(key));

  it('opens PROCESSING with a page and an email giving the account, the exact amount and the order number as title', async () => {
    const o = await open();
    expect(o.paymentUrl).toBe(`${h.baseUrl}/pay/bank-transfer/${o.orderId}`);
    expect((await h.sql`SELECT status FROM orders WHERE id = ${o.orderId}`)[0]!.status).toBe('PROCESSING');
    const page = await (await fetch(o.paymentUrl)).text();
    expect(page).toContain('PL61 1090 1014 0000 0712 1981 2874');
    expect(page).toContain(o.orderNumber);
    const [mail] = await eventually(() => emailsTo(h, o.email), (m) => m.length === 1, 'the transfer instructions');
    expect(mail!.text).toContain('PL61 1090 1014 0000 0712 1981 2874');
    expect(mail!.text).toContain(o.orderNumber);
    expect(mail!.text).toContain(`Amount: PLN\u00a0${(o.total.amount / 100).toFixed(2)}`);
  });

  it('fulfils when an operator records the exact amount, and a repeat records nothing more', async () => {
    const o = await open();
    // Waiting for the transfer, with its instructions sent: recorded while the run waits.
    await recordHistory(h, `order-${o.orderId}`, 'open-bank-transfer-processing', { open: true });
    const first = await record(o.orderId, `t-${o.orderId}`, o.total.amount);
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    await waitForStatus(h, o.orderId, 'FULFILLED');
    const again = await record(o.orderId, `t-${o.orderId}`, o.total.amount);
    expect(again.body.payment.paymentId).toBe(first.body.payment.paymentId);
    expect((await record(o.orderId, `t-${o.orderId}`, o.total.amount + 1)).body.error.code).toBe('idempotency_key_reused');
    expect((await h.sql`SELECT count(*)::int AS n FROM manual_payments WHERE order_id = ${o.orderId}`)[0]!.n).toBe(1);
    expect(await activeEnrollments(h.sql, o.email)).toEqual(['biuro-autopilot']);
    await eventually(() => subjects(o.email), (s) => s.length === 2, 'instructions and welcome');
    await recordHistory(h, `order-${o.orderId}`, 'bank-transfer-fulfilled');
  });

  it('holds an order whose transfer has the wrong amount', async () => {
    const o = await open();
    await record(o.orderId, `w-${o.orderId}`, o.total.amount - 100);
    await waitForStatus(h, o.orderId, 'HELD');
    expect((await h.sql`SELECT held_reason FROM orders WHERE id = ${o.orderId}`)[0]!.held_reason).toBe('amount_mismatch');
  });

  it('resolves a held transfer with a refund at once: HELD while the operator sends it back, REFUNDED once confirmed', async () => {
    const o = await open();
    await record(o.orderId, `h-${o.orderId}`, o.total.amount - 100);
    await waitForStatus(h, o.orderId, 'HELD');
    // A transfer goes back by hand, so the order stays held until the operator confirms it: the answer must not wait for that.
    const resolved = await admin(h, 'POST', `/orders/${o.orderId}/resolve`, { action: 'refund', note: 'paid the wrong amount' });
    expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
    expect(resolved.body).toMatchObject({ orderId: o.orderId, status: 'HELD', refund: { status: 'pending_manual', amount: { amount: o.total.amount - 100, currency: 'PLN' } } });
    const { refundId } = resolved.body.refund as { refundId: string };
    // The operator's retry (after a timeout, say) hears the same; the other decision is refused.
    expect(await admin(h, 'POST', `/orders/${o.orderId}/resolve`, { action: 'refund' })).toMatchObject({ status: 200, body: { status: 'HELD', refund: { refundId } } });
    const other = await admin(h, 'POST', `/orders/${o.orderId}/resolve`, { action: 'fulfil' });
    expect(other).toMatchObject({ status: 409, body: { error: { code: 'order_already_resolved' } } });
    expect((await admin(h, 'POST', `/orders/${o.orderId}/refunds/${refundId}/confirm`, { note: 'sent back from the bank' })).status).toBe(202);
    await h.temporal.workflow.getHandle(`order-${o.orderId}`).result();
    const { body } = await admin(h, 'GET', `/orders/${o.orderId}`);
    // Why it was held is in the timeline; the order itself is no longer held.
    expect(body.order).toMatchObject({ status: 'REFUNDED', heldReason: null });
    expect(body.timeline.map((e: { cause: string }) => e.cause)).toEqual(expect.arrayContaining(['payment:bank_transfer', 'resolved:refund']));
    expect(await activeEnrollments(h.sql, o.email)).toEqual([]);
    await recordHistory(h, `order-${o.orderId}`, 'held-refund-pending-manual');
  });

  it('shows the transfer page and the order page in the order\'s language, whatever the browser prefers', async () => {
    const pl = await openOrder(h, ['biuro-autopilot'], { provider: 'bank_transfer' as never, locale: 'pl' });
    const transfer = await (await fetch(pl.paymentUrl, { headers: { 'accept-language': 'en' } })).text();
    expect(transfer).toContain('<html lang="pl">');
    expect(transfer).toContain('<h1>Zapłać przelewem</h1>');
    expect(transfer).toContain(`<th>Kwota</th><td><code>${formatMoney(pl.total, 'pl-PL')}</code>`);
    const orderPage = await (await fetch(`${h.baseUrl}/orders/${pl.orderId}`, { headers: { 'accept-language': 'en' } })).text();
    expect(orderPage).toContain('<html lang="pl">');
    expect(orderPage).toContain('<h1>Twoje zamówienie</h1>');
    const en = await open();
    const enTransfer = await (await fetch(en.paymentUrl, { headers: { 'accept-language': 'pl' } })).text();
    expect(enTransfer).toContain('<h1>Pay by bank transfer</h1>');
    expect(enTransfer).toContain(`<th>Amount</th><td><code>${formatMoney(en.total, 'en-GB')}</code>`);
    expect(await (await fetch(`${h.baseUrl}/orders/${en.orderId}`, { headers: { 'accept-language': 'pl' } })).text()).toContain('<h1>Your order</h1>');
  });

  it('refuses to cancel a transfer on its way, and to record a transfer for another provider\'s order', async () => {
    const o = await open();
    expect((await fetch(`${h.baseUrl}/api/v1/orders/${o.orderId}/cancel`, { method: 'POST' })).status).toBe(409);
    const other = await openOrder(h, ['biuro-autopilot'], { provider: 'sandbox' });
    expect((await record(other.orderId, `x-${other.orderId}`, 6900)).body.error.code).toBe('not_bank_transfer');
  });

  it('refunds by hand: pending_manual until an operator confirms, then REFUNDED with an email', async () => {
    const o = await open();
    await record(o.orderId, `r-${o.orderId}`, o.total.amount);
    await waitForStatus(h, o.orderId, 'FULFILLED');
    const res = await admin(h, 'POST', `/orders/${o.orderId}/refunds`, { reason: 'changed mind' }, idem(`rf-${o.orderId}`));
    const refundId = res.body.refund.refundId as string;
    await eventually(async () => (await h.sql`SELECT status FROM refunds WHERE id = ${refundId}`)[0]!.status, (s) => s === 'pending_manual', 'a manual refund');
    expect((await h.sql`SELECT status FROM orders WHERE id = ${o.orderId}`)[0]!.status).toBe('FULFILLED');
    const confirmed = await admin(h, 'POST', `/orders/${o.orderId}/refunds/${refundId}/confirm`, { note: 'sent from the bank' });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(202);
    await waitForStatus(h, o.orderId, 'REFUNDED');
    expect((await admin(h, 'POST', `/orders/${o.orderId}/refunds/${refundId}/confirm`, {})).status).toBe(409);
    await eventually(() => subjects(o.email), (s) => s.some((x) => x.includes('Refund for order')), 'the refund email');
    await recordHistory(h, res.body.workflowId, 'bank-transfer-manual-refund');
  });
});

describe('across providers', () => {
  it('lists the enabled methods with their currencies, and refuses a currency a provider cannot take', async () => {
    const { methods } = (await (await fetch(`${h.baseUrl}/api/v1/payment-methods`)).json()) as { methods: { provider: string; currencies: string[] | null }[] };
    expect(methods.map((m) => m.provider)).toEqual(['stripe', 'sandbox', 'payu', 'paypal', 'postfinance', 'bank_transfer']);
    expect(methods.find((m) => m.provider === 'postfinance')!.currencies).toEqual(['CHF', 'EUR']);
    const res = await checkout(h, { packageIds: [await packageId(h.sql, 'biuro-autopilot')], email: uniqueEmail(), provider: 'postfinance' });
    expect(res).toMatchObject({ status: 422, body: { error: { code: 'currency_not_supported' } } });
  });

  it('sends PayU the buyer’s address as far as trusted proxies wrote it, not a placeholder', async () => {
    const base = apiDepsFrom(h.config, { sql: h.sql, temporal: h.temporal, payments: createPaymentProviders(h.config, h.sql), log: createLogger('silent'), metrics: createMetrics({ defaults: false }) });
    const http = await startHttpServer({ ...base, accounts: { ...base.accounts, trustedProxyHops: 1 } }, '127.0.0.1', 0);
    try {
      const body = { packageIds: [await packageId(h.sql, 'biuro-autopilot')], email: uniqueEmail(), locale: 'pl', provider: 'payu' };
      const res = await checkout({ ...h, baseUrl: `http://127.0.0.1:${http.port}` }, body, undefined, { 'x-forwarded-for': 'spoofed, 203.0.113.9' });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(gw.payu.orderFor(res.body.orderId)!.customerIp).toBe('203.0.113.9');
    } finally {
      await http.close();
    }
  });

  it('follows a PayU refund that is pending at the provider until its notification settles it', async () => {
    const o = await openOrder(h, ['biuro-autopilot'], { provider: 'payu' as never });
    const payuId = gw.payu.orderFor(o.orderId)!.orderId;
    gw.payu.pay(payuId);
    await gw.payu.notify(payuId);
    await waitForStatus(h, o.orderId, 'FULFILLED');
    gw.payu.holdRefunds();
    const res = await admin(h, 'POST', `/orders/${o.orderId}/refunds`, { reason: 'asked' }, idem(`p-${o.orderId}`));
    const refundId = res.body.refund.refundId as string;
    const row = await eventually(async () => (await h.sql`SELECT status, provider_refund_id FROM refunds WHERE id = ${refundId}`)[0]!, (r) => r.provider_refund_id !== null, 'the provider refund id');
    expect(row.status).toBe('pending');
    expect((await h.sql`SELECT status FROM orders WHERE id = ${o.orderId}`)[0]!.status).toBe('FULFILLED');
    gw.payu.holdRefunds(false);
    gw.payu.finalizeRefund(row.provider_refund_id as string);
    expect(await gw.payu.notifyRefund(row.provider_refund_id as string)).toBe(200);
    await waitForStatus(h, o.orderId, 'REFUNDED');
    await recordHistory(h, res.body.workflowId, 'payu-refund-pending-settled');
  });

  it('expires a PayU payment that never settles at its deadline, and tells the buyer', async () => {
    const o = await openOrder(h, ['biuro-autopilot'], { provider: 'payu' as never });
    const payuId = gw.payu.orderFor(o.orderId)!.orderId;
    gw.payu.pending(payuId);
    await gw.payu.notify(payuId);
    await waitForStatus(h, o.orderId, 'PROCESSING');
    await waitForStatus(h, o.orderId, 'EXPIRED');
    await eventually(() => subjects(o.email), (s) => s.some((x) => x.includes('the payment did not arrive')), 'the payment-expired email');
    expect(await activeEnrollments(h.sql, o.email)).toEqual([]);
    await recordHistory(h, `order-${o.orderId}`, 'settlement-deadline-expired');
  });

  it("captures once when the buyer returns from PayPal before its webhook, and sends them to the order page", async () => {
    const o = await openOrder(h, ['biuro-autopilot'], { provider: 'paypal' as never });
    await gw.paypal.approve(o.sessionId, { webhook: false });
    const back = await fetch(`${h.baseUrl}/api/v1/payments/paypal/return?token=${o.sessionId}&PayerID=FAKEPAYER123`, { redirect: 'manual' });
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toBe(`/orders/${o.orderId}`);
    await waitForStatus(h, o.orderId, 'FULFILLED');
    expect(gw.paypal.requests.filter((r) => r.path === `/v2/checkout/orders/${o.sessionId}/capture`)).toHaveLength(1);
    await recordHistory(h, `order-${o.orderId}`, 'paypal-return-capture');
  });
});

describe('disputes won back', () => {
  it('PayPal: a dispute revokes everything, and resolved for the seller restores it', async () => {
    const o = await openOrder(h, ['marketing-ai-bundle'], { provider: 'paypal' as never });
    await gw.paypal.approve(o.sessionId);
    await waitForStatus(h, o.orderId, 'FULFILLED');
    const capture = [...gw.paypal.ledger.captures.values()].find((c) => c.orderId === o.sessionId)!;
    const { disputeId } = await gw.paypal.sendDisputeCreated(capture.id);
    await waitForStatus(h, o.orderId, 'REFUNDED');
    expect(await activeEnrollments(h.sql, o.email)).toEqual([]);
    expect((await gw.paypal.sendDisputeResolved(disputeId)).status).toBe(200);
    await waitForStatus(h, o.orderId, 'FULFILLED');
    expect(await activeEnrollments(h.sql, o.email)).toEqual(['content-creator', 'social-media']);
    expect((await h.sql`SELECT status FROM refunds WHERE order_id = ${o.orderId}`).map((r) => r.status)).toEqual(['reversed']);
    // The order is back before its run has ended: wait for the run, then read the line it ended on.
    await h.temporal.workflow.getHandle(`dispute-won-${o.orderId}-dispute_won:${disputeId}`).result();
    const lines = await uiLines(h, `dispute-won-${o.orderId}-dispute_won:${disputeId}`);
    expect(lines).toEqual({ summary: expect.stringMatching(new RegExp(`^Order ${o.orderId}: dispute won: restore what it revoked \\(`)), currentDetails: 'restored 2 package(s): order fulfilled' });
    await recordHistory(h, `dispute-won-${o.orderId}-dispute_won:${disputeId}`, 'paypal-dispute-won');
  });

  it('Stripe: charge.dispute.closed as won restores what the dispute took', async () => {
    const o = await openOrder(h, ['biuro-autopilot'], { provider: 'stripe' });
    const pi = `pi_${crypto.randomUUID().replaceAll('-', '')}`;
    await postStripe(h, stripePaid(o, pi));
    await waitForStatus(h, o.orderId, 'FULFILLED');
    const dispute = { id: `dp_${pi}`, object: 'dispute', amount: o.total.amount, currency: 'pln', payment_intent: pi, metadata: {} };
    await postStripe(h, stripeEvent('charge.dispute.created', { ...dispute, status: 'needs_response' }));
    await waitForStatus(h, o.orderId, 'REFUNDED');
    const closed = stripeEvent('charge.dispute.closed', { ...dispute, status: 'won' });
    expect((await postStripe(h, closed)).body.outcome).toBe('queued');
    expect(await relayedOutcome(h, 'stripe', stripeEventId(closed))).toBe('dispute_won');
    await waitForStatus(h, o.orderId, 'FULFILLED');
    expect(await activeEnrollments(h.sql, o.email)).toEqual(['biuro-autopilot']);
  });
});
