// One purchase seen by operators: /metrics counts it, one trace spans checkout to the email, Temporal keeps only ciphertext.
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { temporal } from '@temporalio/proto';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, type Tracing } from '../../src/observability/tracing.js';
import { orderWorkflowId } from '../../src/workflows/definitions.js';
import { FIXTURE_PAYLOAD_KEY, HISTORY_JSON } from '../support/histories.js';
import { admin, ADMIN_TOKEN, checkout, eventually, recordHistory, packageId, post, postJson, sandboxAction, setRejected, startHarness, uniqueEmail, waitForStatus, type Harness } from '../support/harness.js';

const BUYER_NAME = `Zofia Obserwowana ${randomBytes(3).toString('hex')}`;
const spans = new InMemorySpanExporter();

let h: Harness;
let tracing: Tracing;
let email: string;
let orderId: string;

beforeAll(async () => {
  tracing = startTracing('checkout-test', { spanProcessor: new SimpleSpanProcessor(spans) });
  // The fixtures' key, so the history recorded here (RECORD_HISTORIES=1) replays in test/workflow/replay.test.ts.
  h = await startHarness({ PAYLOAD_KEYS: `${FIXTURE_PAYLOAD_KEY.id}:${FIXTURE_PAYLOAD_KEY.key.toString('base64')}` }, { tracing });
  email = uniqueEmail('observed');
  const res = await checkout(h, { packageIds: [await packageId(h.sql, 'chatbot-rag')], email, name: BUYER_NAME, locale: 'en' });
  expect(res.status).toBe(201);
  orderId = res.body.orderId;
  // A forged webhook first: refused, and counted as such.
  const forged = await post(`${h.baseUrl}/api/v1/webhooks/sandbox`, JSON.stringify({ id: 'evt_forged' }), { 'sandbox-signature': 'nope' });
  expect(forged.status).toBe(400);
  expect((await sandboxAction(res.body.paymentUrl, 'pay')).status).toBe(303);
  await waitForStatus(h, orderId, 'FULFILLED');
  await h.temporal.workflow.getHandle(orderWorkflowId(orderId)).result();
  await recordHistory(h, orderWorkflowId(orderId), 'encrypted-purchase');
});
afterAll(async () => {
  await h?.close();
  await tracing?.shutdown();
});

async function scrape(): Promise<string> {
  const res = await fetch(`${h.baseUrl}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
}

/** The value of one series in Prometheus text, e.g. `checkout_webhooks_total{provider="sandbox",outcome="signalled"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics after one purchase', () => {
  it('count the request by route pattern, the webhooks by outcome, the order, the email and the time to fulfil', async () => {
    const text = await scrape();
    expect(sample(text, 'checkout_http_request_duration_seconds_count{method="POST",route="/api/v1/checkout",status="201"}')).toBe(1);
    expect(sample(text, 'checkout_http_request_duration_seconds_count{method="GET",route="/api/v1/orders/:orderId/status",status="200"}')).toBeGreaterThanOrEqual(1);
    // Never the raw path: an order id in a label would make one series per order.
    expect(text).not.toContain(orderId);
    expect(sample(text, 'checkout_webhooks_total{provider="sandbox",outcome="signalled"}')).toBe(1);
    expect(sample(text, 'checkout_webhooks_total{provider="sandbox",outcome="refused"}')).toBe(1);
    expect(sample(text, 'checkout_orders_created_total{provider="sandbox"}')).toBe(1);
    expect(sample(text, 'checkout_order_status_total{status="FULFILLED"}')).toBe(1);
    expect(sample(text, 'checkout_emails_total{kind="welcome",result="sent"}')).toBe(1);
    expect(sample(text, 'checkout_to_fulfilled_seconds_count')).toBe(1);
    expect(sample(text, 'checkout_to_fulfilled_seconds_bucket{le="60"}')).toBe(1);
  });

  it('report HELD orders from the database when scraped', async () => {
    const before = sample(await scrape(), 'checkout_held_orders')!;
    await h.sql`UPDATE orders SET status = 'HELD' WHERE id = ${orderId}`;
    try {
      expect(sample(await scrape(), 'checkout_held_orders')).toBe(before + 1);
    } finally {
      await h.sql`UPDATE orders SET status = 'FULFILLED' WHERE id = ${orderId}`;
    }
  });
});

describe('metrics after what comes later', () => {
  it('count an operator refund by source and status, and an email the server refused', async () => {
    const refund = await admin(h, 'POST', `/orders/${orderId}/refunds`, { reason: 'customer request' }, { authorization: `Bearer ${ADMIN_TOKEN}`, 'idempotency-key': `refund-${orderId}` });
    expect(refund.status).toBe(202);
    await waitForStatus(h, orderId, 'REFUNDED');

    const bounced = uniqueEmail('bounce');
    await setRejected(h, bounced, true);
    const res = await checkout(h, { packageIds: [await packageId(h.sql, 'chatbot-rag')], email: bounced, locale: 'en' });
    await sandboxAction(res.body.paymentUrl, 'pay');
    await waitForStatus(h, res.body.orderId, 'FULFILLED');
    // The failure is counted when it is recorded, after the email's retries: wait for the workflow to finish.
    await h.temporal.workflow.getHandle(orderWorkflowId(res.body.orderId)).result();

    const text = await eventually(scrape, (t) => sample(t, 'checkout_refunds_total{source="operator",status="succeeded"}') === 1, 'the refund to be counted');
    expect(sample(text, 'checkout_order_status_total{status="REFUNDED"}')).toBe(1);
    expect(sample(text, 'checkout_emails_total{kind="welcome",result="failed"}')).toBe(1);
    expect(sample(text, 'checkout_order_status_total{status="FULFILLED"}')).toBe(2);
  });
});

describe('tracing', () => {
  it('makes one trace of a purchase, from the checkout request through the workflow to the email activity', () => {
    const finished = spans.getFinishedSpans();
    const checkoutSpan = finished.find((s) => s.name === 'POST /api/v1/checkout');
    expect(checkoutSpan, finished.map((s) => s.name).join(', ')).toBeDefined();
    const trace = finished.filter((s) => s.spanContext().traceId === checkoutSpan!.spanContext().traceId);
    const names = trace.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['UpdateWithStartWorkflow:checkout', 'RunWorkflow:orderWorkflow', 'RunActivity:createOrder', 'RunActivity:deliverOrder', 'RunActivity:sendOrderEmail']));
    // Each span's parent is in the same trace, back to the HTTP request: one tree, not fragments.
    const byId = new Map(trace.map((s) => [s.spanContext().spanId, s]));
    const root = (s: ReadableSpan): ReadableSpan => (s.parentSpanId && byId.has(s.parentSpanId) ? root(byId.get(s.parentSpanId)!) : s);
    expect(root(trace.find((s) => s.name === 'RunActivity:sendOrderEmail')!).name).toBe('POST /api/v1/checkout');
  });
});

/** Every text Temporal stores for this workflow outside its search attributes: payload bytes, failure messages, ids. */
function storedTexts(node: unknown, key = ''): string[] {
  // Search attributes are indexed by the server and never pass a codec; keeping personal data out of them is issue 13's hashing part.
  if (key === 'searchAttributes') return [];
  if (node instanceof Uint8Array) return [Buffer.from(node).toString('utf8')];
  if (typeof node === 'string') return [node];
  if (Array.isArray(node)) return node.flatMap((n) => storedTexts(n));
  if (node && typeof node === 'object') return Object.entries(node).flatMap(([k, v]) => storedTexts(v, k));
  return [];
}

describe('payload encryption', () => {
  it('keeps the buyer’s email and name out of the stored history, and the codec endpoint shows them to an operator', async () => {
    // The checkout's own run: the refund above started a short refresh run of the order, which is now the newest.
    const runs = [];
    for await (const run of h.temporal.workflow.list({ query: `WorkflowId = '${orderWorkflowId(orderId)}'` })) runs.push(run);
    const first = runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime())[0]!;
    const history = await h.temporal.workflow.getHandle(orderWorkflowId(orderId), first.runId).fetchHistory();
    const texts = storedTexts(history);
    expect(texts.length).toBeGreaterThan(50);
    expect(texts.filter((t) => t.includes(email) || t.includes(BUYER_NAME))).toEqual([]);

    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const json = temporal.api.common.v1.Payloads.toObject(temporal.api.common.v1.Payloads.fromObject(started!.input!), HISTORY_JSON) as { payloads: unknown[] };
    const unauthorised = await postJson(`${h.baseUrl}/codec/decode`, json);
    expect(unauthorised.status).toBe(401);
    const decoded = await postJson(`${h.baseUrl}/codec/decode`, json, { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-namespace': 'default' });
    expect(decoded.status).toBe(200);
    const input = Buffer.from(decoded.body.payloads[0].data, 'base64').toString('utf8');
    expect(input).toContain(email);
    expect(input).toContain(BUYER_NAME);
  });

  it('answers the Temporal UI’s preflight from its origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${h.baseUrl}/codec/decode`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-namespace' } });
    const ui = await preflight(new URL(h.config.temporal.uiUrl).origin);
    expect(ui.status).toBe(204);
    expect(ui.headers.get('access-control-allow-origin')).toBe(new URL(h.config.temporal.uiUrl).origin);
    expect(ui.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });
});
