// grantEnrollments and findOrCreateUser on real PostgreSQL: bundles, retries, concurrent grants and accounts, refunds before fulfilment, statements.
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../src/activities/index.js';
import type { Sql } from '../../src/db/client.js';
import { insertRefund, lockOrderLedger } from '../../src/db/refunds.js';
import { createMailer, type Mailer } from '../../src/email/transport.js';
import { createMetrics } from '../../src/observability/metrics.js';
import type { PaymentProviders } from '../../src/payments/index.js';
import { eventually, packageId, uniqueEmail } from '../support/harness.js';

/** Every statement the activities send, as postgres.js writes it to the server. */
const statements: string[] = [];
let sql: Sql;
let mailer: Mailer;
let activities: ReturnType<typeof createActivities>;
beforeAll(() => {
  sql = postgres(inject('databaseUrl'), { max: 4, onnotice: () => {}, transform: { undefined: null }, debug: (_connection, query) => void statements.push(query) });
  mailer = createMailer(inject('smtpUrl'), 'Sklep <sklep@localhost>', { maxConnections: 2, maxMessages: 100 });
  activities = createActivities({
    sql,
    payments: {} as PaymentProviders,
    mailer,
    metrics: createMetrics({ defaults: false }),
    publicUrl: 'http://localhost:3000',
    shopUrl: 'http://localhost:3000/shop',
    tokenSecret: 'a-token-secret-of-thirty-two-characters',
    customerKeySecret: 'a-customer-key-secret-of-32-characters',
  });
});
afterAll(async () => {
  mailer?.close();
  await sql?.end();
});

const ids = (slugs: string[]) => Promise.all(slugs.map((s) => packageId(sql, s)));
const sorted = (xs: string[]) => [...xs].sort();

/** A paid order of these packages and its buyer, as the workflow has them just before it grants. */
async function paidOrder(email: string, slugs: string[], paid?: number): Promise<{ orderId: string; userId: string }> {
  const orderId = randomUUID();
  const order = await activities.createOrder({ orderId, email, name: 'Ala', locale: 'en', provider: 'sandbox', packageIds: await ids(slugs), fingerprint: orderId });
  await activities.transitionOrder({ orderId, to: 'PAID', cause: 'test', payment: { paymentId: `pay-${orderId}`, amount: { amount: paid ?? order.total.amount, currency: order.total.currency } } });
  const { userId } = await activities.findOrCreateUser({ orderId });
  return { orderId, userId };
}

const enrolled = (userId: string) => sql<{ package_id: string; order_id: string; status: string }[]>`SELECT package_id, order_id, status FROM enrollments WHERE user_id = ${userId}`;

describe('grantEnrollments', () => {
  it('enrols a bundle’s children (never the bundle) and a package, and a retry writes nothing again', async () => {
    const { orderId, userId } = await paidOrder(uniqueEmail('bundle'), ['marketing-ai-bundle', 'chatbot-rag']);
    const expected = sorted(await ids(['content-creator', 'social-media', 'chatbot-rag']));
    const first = await activities.grantEnrollments({ orderId, userId });
    expect({ ...first, granted: sorted(first.granted) }).toEqual({ granted: expected, skipped: [], refundedInFull: false });
    const rows = await enrolled(userId);
    expect(sorted(rows.map((r) => r.package_id))).toEqual(expected);

    // The answer was lost and Temporal retries: the same answer, the same rows.
    expect(await activities.grantEnrollments({ orderId, userId })).toEqual(first);
    expect(await enrolled(userId)).toEqual(rows);
  });

  it('enrols a package once when two orders grant it at the same moment; the other order skips it', async () => {
    const email = uniqueEmail('race');
    const [a, b] = [await paidOrder(email, ['chatbot-rag']), await paidOrder(email, ['chatbot-rag', 'social-media'])];
    const [chatbot, social] = await ids(['chatbot-rag', 'social-media']);
    const [ga, gb, gbAgain] = await Promise.all([
      activities.grantEnrollments(a),
      activities.grantEnrollments(b),
      // A retry of b running beside the first attempt (its worker was thought dead).
      activities.grantEnrollments(b),
    ]);
    const rows = await enrolled(a.userId);
    expect(rows.filter((r) => r.package_id === chatbot)).toHaveLength(1);
    const owner = rows.find((r) => r.package_id === chatbot)!.order_id;
    expect(ga.granted.includes(chatbot!)).toBe(owner === a.orderId);
    expect(gb.granted.includes(chatbot!)).toBe(owner === b.orderId);
    expect(gbAgain).toEqual(gb);
    expect(gb.granted).toContain(social);
    expect(sorted([...ga.granted, ...ga.skipped])).toEqual([chatbot]);
  });

  it('grants again, for this order, a package whose access a refund of another order revoked', async () => {
    const email = uniqueEmail('again');
    const first = await paidOrder(email, ['chatbot-rag']);
    await activities.grantEnrollments(first);
    await sql`UPDATE enrollments SET status = 'revoked', revoked_at = now() WHERE user_id = ${first.userId}`;
    const second = await paidOrder(email, ['chatbot-rag']);
    const [chatbot] = await ids(['chatbot-rag']);
    expect(await activities.grantEnrollments(second)).toEqual({ granted: [chatbot], skipped: [], refundedInFull: false });
    expect(await enrolled(first.userId)).toEqual([{ package_id: chatbot, order_id: second.orderId, status: 'active' }]);
  });

  it('grants nothing for an order refunded in full before fulfilment, and not what a partial refund took back', async () => {
    const whole = await paidOrder(uniqueEmail('whole'), ['chatbot-rag', 'marketing-ai-bundle']);
    await activities.reserveRefund({ orderId: whole.orderId, key: 'all', source: 'operator', reason: 'requested' });
    expect(await activities.grantEnrollments(whole)).toEqual({ granted: [], skipped: [], refundedInFull: true });
    expect(await enrolled(whole.userId)).toEqual([]);

    const part = await paidOrder(uniqueEmail('part'), ['chatbot-rag', 'marketing-ai-bundle']);
    await activities.reserveRefund({ orderId: part.orderId, key: 'bundle', source: 'operator', reason: 'requested', packageIds: await ids(['marketing-ai-bundle']) });
    expect(await activities.grantEnrollments(part)).toEqual({ granted: await ids(['chatbot-rag']), skipped: [], refundedInFull: false });

    // A free order (a 100% coupon) paid nothing: with nothing refunded it is not "refunded in full".
    const free = await paidOrder(uniqueEmail('free'), ['chatbot-rag'], 0);
    expect(await activities.grantEnrollments(free)).toEqual({ granted: await ids(['chatbot-rag']), skipped: [], refundedInFull: false });
  });

  it('sees a refund recorded while it waited for the order’s ledger lock (a provider event overtook fulfilment)', async () => {
    const order = await paidOrder(uniqueEmail('meanwhile'), ['chatbot-rag']);
    const [row] = await sql<{ total_amount: number }[]>`SELECT total_amount FROM orders WHERE id = ${order.orderId}`;
    let grant: ReturnType<typeof activities.grantEnrollments> | undefined;
    await sql.begin(async (tx) => {
      await lockOrderLedger(tx, order.orderId);
      grant = activities.grantEnrollments(order);
      await eventually(async () => (await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)[0]!.n, (n) => n > 0, 'the grant waiting for the lock');
      await insertRefund(tx, { orderId: order.orderId, seq: 1, key: 'meanwhile', source: 'provider', reason: 'provider', amount: { amount: row!.total_amount, currency: 'PLN' }, packageIds: await ids(['chatbot-rag']) });
    });
    expect(await grant).toEqual({ granted: [], skipped: [], refundedInFull: true });
    expect(await enrolled(order.userId)).toEqual([]);
  });

  it('takes two statements inside its transaction: the order’s ledger lock, then one that decides and writes', async () => {
    const order = await paidOrder(uniqueEmail('count'), ['marketing-ai-bundle', 'chatbot-rag']);
    statements.length = 0;
    await activities.grantEnrollments(order);
    const sent = statements.map((s) => s.trim().split(/\s+/).slice(0, 2).join(' ').toLowerCase());
    console.info(`grantEnrollments: ${statements.length} statements (${sent.join('; ')})`);
    expect(sent[0]).toBe('begin');
    expect(sent.at(-1)).toBe('commit');
    expect(statements.slice(1, -1)).toHaveLength(2);
    expect(statements[1]).toMatch(/pg_advisory_xact_lock/);
  });
});

describe('findOrCreateUser', () => {
  /** An order as checkout leaves it (the account comes after payment, but needs only the order's email and name). */
  async function order(email: string): Promise<string> {
    const orderId = randomUUID();
    await activities.createOrder({ orderId, email, name: 'Ala', locale: 'en', provider: 'sandbox', packageIds: await ids(['chatbot-rag']), fingerprint: orderId });
    return orderId;
  }
  const linkedUser = async (orderId: string) => (await sql<{ user_id: string | null }[]>`SELECT user_id FROM orders WHERE id = ${orderId}`)[0]!.user_id;

  it('gives two orders of one new buyer, fulfilled at the same moment, one account that one of them created', async () => {
    const email = uniqueEmail('same-buyer');
    const [a, b] = [await order(email), await order(email.toUpperCase())];
    // And a retry of a beside its first attempt (its worker was thought dead).
    const [ua, ub, uaAgain] = await Promise.all([activities.findOrCreateUser({ orderId: a }), activities.findOrCreateUser({ orderId: b }), activities.findOrCreateUser({ orderId: a })]);
    expect(new Set([ua.userId, ub.userId, uaAgain.userId]).size).toBe(1);
    expect([ua.created, ub.created].filter(Boolean)).toHaveLength(1);
    expect(uaAgain.created).toBe(ua.created);
    const [account] = await sql<{ id: string; created_by_order_id: string }[]>`SELECT id, created_by_order_id FROM users WHERE email = ${email}`;
    expect(account!.created_by_order_id).toBe(ua.created ? a : b);
    expect([await linkedUser(a), await linkedUser(b)]).toEqual([account!.id, account!.id]);
  });

  it('refuses a disabled account without linking the order to it, and an order that does not exist', async () => {
    const email = uniqueEmail('closed');
    await sql`INSERT INTO users (email, name, disabled_at) VALUES (${email}, 'Closed', now())`;
    const orderId = await order(email);
    await expect(activities.findOrCreateUser({ orderId })).rejects.toMatchObject({ type: 'account_disabled', nonRetryable: true });
    expect(await linkedUser(orderId)).toBeNull();
    await expect(activities.findOrCreateUser({ orderId: randomUUID() })).rejects.toMatchObject({ type: 'order_not_found', nonRetryable: true });
  });
});
