// After the run settles: what PostgreSQL and the SMTP counter say, checked against what the buyers and the provider did.
import type { Client } from '@temporalio/client';
import type { Sql } from '../../src/db/client.js';
import type { HttpLog } from './http.js';
import { checkHttp, checkWorkflows, sample, type Check } from './runtimeChecks.js';
import type { MailCounter } from './mailCounter.js';
import type { CatalogItem } from './plan.js';
import type { OrderResult } from './traffic.js';


const STUCK = ['PENDING', 'PAID', 'HELD', 'PROCESSING'];

interface OrderRow {
  id: string;
  status: string;
  email: string;
  user_id: string | null;
}

export async function settledOrders(probe: Sql, orderIds: string[]): Promise<number> {
  const [row] = await probe<{ n: number }[]>`SELECT count(*)::int AS n FROM orders WHERE id IN ${probe(orderIds)} AND status NOT IN ${probe(STUCK)}`;
  return row?.n ?? 0;
}

function checkOrders(results: OrderResult[], rows: Map<string, OrderRow>, allRows: OrderRow[]): Record<string, Check> {
  const wrong: unknown[] = [];
  const refused: unknown[] = [];
  for (const r of results) {
    if (r.checkout?.status !== 201) {
      refused.push({ order: r.order.index, status: r.checkout?.status, attempts: r.checkout?.attempts, body: r.checkout?.body });
      continue;
    }
    const expected = r.order.outcome === 'pay' ? 'FULFILLED' : 'FAILED';
    const row = rows.get(r.order.orderId);
    if (row?.status !== expected) wrong.push({ order: r.order.index, orderId: r.order.orderId, expected, actual: row?.status ?? 'missing' });
  }
  const planned = new Set(results.map((r) => r.order.orderId));
  const strays = allRows.filter((o) => !planned.has(o.id)).map((o) => ({ orderId: o.id, status: o.status }));
  const stuck = allRows.filter((o) => STUCK.includes(o.status)).map((o) => ({ orderId: o.id, status: o.status }));
  return {
    everyCheckoutAnswered201: { ok: refused.length === 0, detail: { count: refused.length, sample: sample(refused) } },
    paidFulfilledDeclinedFailed: { ok: wrong.length === 0, detail: { count: wrong.length, sample: sample(wrong) } },
    noStuckOrder: { ok: stuck.length === 0, detail: { count: stuck.length, sample: sample(stuck) } },
    noStrayOrder: { ok: strays.length === 0, detail: { count: strays.length, sample: sample(strays) } },
  };
}

async function checkAccess(probe: Sql, results: OrderResult[], rows: Map<string, OrderRow>, catalog: CatalogItem[]): Promise<Record<string, Check>> {
  const users = await probe<{ id: string; email: string }[]>`SELECT id, email FROM users`;
  const byEmail = new Map<string, string[]>();
  for (const u of users) byEmail.set(u.email, [...(byEmail.get(u.email) ?? []), u.id]);
  const doubled = [...byEmail].filter(([, ids]) => ids.length > 1).map(([email]) => email);
  const enrolments = await probe<{ user_id: string; package_id: string; order_id: string | null; status: string }[]>`SELECT user_id, package_id, order_id, status FROM enrollments`;
  const pairs = new Map<string, number>();
  for (const e of enrolments) pairs.set(`${e.user_id}/${e.package_id}`, (pairs.get(`${e.user_id}/${e.package_id}`) ?? 0) + 1);
  const duplicates = [...pairs].filter(([, n]) => n > 1).map(([pair]) => pair);
  const bundleIds = new Set(catalog.filter((c) => c.isBundle).map((c) => c.id));
  const grants = new Map(catalog.map((c) => [c.id, c.grants]));
  const bundleEnrolled = enrolments.filter((e) => bundleIds.has(e.package_id));

  const missing: unknown[] = [];
  const expectedPairs = new Set<string>();
  for (const r of results) {
    const row = rows.get(r.order.orderId);
    if (row?.status !== 'FULFILLED') continue;
    const userId = byEmail.get(row.email)?.[0];
    if (!userId || row.user_id !== userId) missing.push({ order: r.order.index, problem: 'order has no user, or not the one of its email' });
    for (const pkg of r.order.packageIds.flatMap((id) => grants.get(id) ?? [id])) {
      expectedPairs.add(`${userId}/${pkg}`);
      const e = enrolments.find((x) => x.user_id === userId && x.package_id === pkg);
      if (e?.status !== 'active') missing.push({ order: r.order.index, package: pkg, enrolment: e?.status ?? 'none' });
    }
  }
  const unexpected = enrolments.filter((e) => !expectedPairs.has(`${e.user_id}/${e.package_id}`));
  return {
    oneUserPerEmail: { ok: doubled.length === 0, detail: { users: users.length, doubled: sample(doubled) } },
    noDuplicateEnrolment: { ok: duplicates.length === 0, detail: { enrolments: enrolments.length, duplicates: sample(duplicates) } },
    bundleChildrenEnrolledNeverBundle: { ok: bundleEnrolled.length === 0 && missing.length === 0, detail: { bundleEnrolments: bundleEnrolled.length, missing: missing.length, sample: sample(missing) } },
    noEnrolmentWithoutPayment: { ok: unexpected.length === 0, detail: { count: unexpected.length, sample: sample(unexpected) } },
  };
}

async function checkWebhooks(probe: Sql, results: OrderResult[]): Promise<Record<string, Check>> {
  const rows = await probe<{ event_id: string; undelivered: boolean }[]>`SELECT event_id, next_attempt_at IS NOT NULL AS undelivered FROM webhook_events WHERE provider = 'sandbox'`;
  const recorded = new Map(rows.map((r) => [r.event_id, r.undelivered]));
  const events = results.flatMap((r) => r.events);
  const lost = events.filter((e) => e.acked > 0 && !recorded.has(e.eventId)).map((e) => e.eventId);
  // Acknowledged means recorded; the relay hands each to its workflow, through Temporal outages, by the end of the run.
  const waiting = events.filter((e) => recorded.get(e.eventId) === true).map((e) => e.eventId);
  const neverAcked = events.filter((e) => e.acked === 0).map((e) => e.eventId);
  return {
    everyRecordedWebhookDelivered: { ok: waiting.length === 0, detail: { count: waiting.length, sample: sample(waiting) } },
    everyAckedWebhookRecorded: { ok: lost.length === 0, detail: { events: events.length, deliveries: events.reduce((n, e) => n + e.sent, 0), acked: events.reduce((n, e) => n + e.acked, 0), lost: sample(lost) } },
    everyWebhookAcked: { ok: neverAcked.length === 0, detail: { count: neverAcked.length, sample: sample(neverAcked) } },
  };
}

/** Message-IDs are `<order-<orderId>.<kind>[.ref]@domain>` (src/activities/email.ts): one per order email, stable across retries. */
function checkEmails(mail: MailCounter, results: OrderResult[], rows: Map<string, OrderRow>): { checks: Record<string, Check>; emails: unknown } {
  const byOrder = new Map<string, Array<{ kind: string; to: string[]; copies: number }>>();
  const byKind: Record<string, number> = {};
  let copies = 0;
  const duplicatesByKind: Record<string, number> = {};
  for (const m of mail.received.values()) {
    const match = /^<order-([0-9a-f-]{36})\.([a-z_]+)/.exec(m.messageId);
    const kind = match?.[2] ?? 'other';
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    copies += m.copies;
    if (m.copies > 1) duplicatesByKind[kind] = (duplicatesByKind[kind] ?? 0) + m.copies - 1;
    if (match) byOrder.set(match[1]!, [...(byOrder.get(match[1]!) ?? []), { kind, to: m.to, copies: m.copies }]);
  }
  const unwelcomed: unknown[] = [];
  const unnotified: unknown[] = [];
  const welcomes = new Map<string, number>();
  for (const r of results) {
    const row = rows.get(r.order.orderId);
    const got = byOrder.get(r.order.orderId) ?? [];
    const to = (kinds: string[]) => got.filter((m) => kinds.includes(m.kind) && m.to.includes(r.order.email));
    if (row?.status === 'FULFILLED') {
      const sent = to(['welcome', 'purchase_confirmation']);
      if (sent.length !== 1) unwelcomed.push({ order: r.order.index, got: got.map((m) => m.kind) });
      if (sent[0]?.kind === 'welcome') welcomes.set(r.order.email, (welcomes.get(r.order.email) ?? 0) + 1);
    }
    if (row?.status === 'FAILED' && to(['payment_failed']).length !== 1) unnotified.push({ order: r.order.index, got: got.map((m) => m.kind) });
  }
  const welcomedTwice = [...welcomes].filter(([, n]) => n > 1).map(([email]) => email);
  const distinct = mail.received.size;
  return {
    checks: {
      everyFulfilledBuyerEmailed: { ok: unwelcomed.length === 0, detail: { count: unwelcomed.length, sample: sample(unwelcomed) } },
      everyDeclinedBuyerEmailed: { ok: unnotified.length === 0, detail: { count: unnotified.length, sample: sample(unnotified) } },
      oneWelcomePerCustomer: { ok: welcomedTwice.length === 0, detail: { count: welcomedTwice.length } },
    },
    // At least once is the rule: exact copies (same Message-ID) are counted, not failed.
    emails: { received: copies, distinct, exactDuplicates: copies - distinct, duplicatesByKind, byKind },
  };
}

export interface CheckDeps {
  probe: Sql;
  temporal: Client;
  mail: MailCounter;
  http: HttpLog;
  catalog: CatalogItem[];
  /** The PostgreSQL and Temporal outages, in seconds since the traffic began: the only times a 503 is expected (for a webhook, PostgreSQL's alone). */
  outages: Array<{ kind: string; at: number; until: number }>;
}

export async function runChecks(deps: CheckDeps, results: OrderResult[]) {
  const allRows = await deps.probe<OrderRow[]>`SELECT id, status, email, user_id FROM orders`;
  const rows = new Map(allRows.map((r) => [r.id, r]));
  const mail = checkEmails(deps.mail, results, rows);
  const statuses: Record<string, number> = {};
  for (const r of allRows) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  const checks: Record<string, Check> = {
    ...checkOrders(results, rows, allRows),
    ...(await checkAccess(deps.probe, results, rows, deps.catalog)),
    ...(await checkWebhooks(deps.probe, results)),
    ...mail.checks,
    ...(await checkWorkflows(deps.temporal)),
    ...checkHttp(deps.http, deps.outages),
  };
  return { checks, statuses, emails: mail.emails };
}
