// One purchase seen by operators: /metrics counts it, one trace spans checkout to the email, Temporal keeps only ciphertext.
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, type Tracing } from '../../src/observability/tracing.js';
import { CUSTOMER_EMAIL, orderWorkflowId } from '../../src/workflows/definitions.js';
import { FIXTURE_PAYLOAD_KEY, HISTORY_JSON } from '../support/histories.js';
import { admin, ADMIN_TOKEN, checkout, eventually, recordHistory, packageId, post, postJson, sandboxAction, setRejected, startHarness, uiLines, uniqueEmail, waitForStatus, type Harness } from '../support/harness.js';
import { sample } from '../support/prometheus.js';

const BUYER_NAME = `Zofia Obserwowana ${randomBytes(3).toString('hex')}`;
const spans = new InMemorySpanExporter();

let h: Harness;
let tracing: Tracing;
let email: string;
let orderId: string;
let orderNumber: string;
/** The operator refund's workflow (set by the refund test below). */
let refundWorkflowId: string;

beforeAll(async () => {
  tracing = startTracing('checkout-test', { spanProcessor: new SimpleSpanProcessor(spans) });
  // The fixtures' key, so the history recorded here (RECORD_HISTORIES=1) replays in test/workflow/replay.test.ts.
  h = await startHarness({ PAYLOAD_KEYS: `${FIXTURE_PAYLOAD_KEY.id}:${FIXTURE_PAYLOAD_KEY.key.toString('base64')}` }, { tracing });
  email = uniqueEmail('observed');
  const res = await checkout(h, { packageIds: [await packageId(h.sql, 'chatbot-rag')], email, name: BUYER_NAME, locale: 'en' });
  expect(res.status).toBe(201);
  orderId = res.body.orderId;
  orderNumber = res.body.orderNumber;
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

describe('metrics after one purchase', () => {
  it('count the request by route pattern, the webhooks by outcome, the order, the email and the time to fulfil', async () => {
    const text = await scrape();
    expect(sample(text, 'checkout_http_request_duration_seconds_count{method="POST",route="/api/v1/checkout",status="201"}')).toBe(1);
    expect(sample(text, 'checkout_http_request_duration_seconds_count{method="GET",route="/api/v1/orders/:orderId/status",status="200"}')).toBeGreaterThanOrEqual(1);
    // Never the raw path: an order id in a label would make one series per order.
    expect(text).not.toContain(orderId);
    expect(sample(text, 'checkout_webhooks_total{provider="sandbox",outcome="queued"}')).toBe(1);
    // Handed to the order's workflow by the relay after the answer; nothing waits any more.
    expect(sample(text, 'checkout_webhook_deliveries_total{outcome="signalled"}')).toBe(1);
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
    refundWorkflowId = refund.body.workflowId;
    await waitForStatus(h, orderId, 'REFUNDED');
    await h.temporal.workflow.getHandle(refundWorkflowId).result();

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

  it('makes no workflow spans for a run whose starter sent no trace (a schedule, a client without tracing)', async () => {
    const workflowId = `retention-untraced-${randomBytes(4).toString('hex')}`;
    // The harness's client carries its caller's trace; a client without the tracing interceptor sends none, as the
    // schedules do. A retention pass with nothing old enough to delete is a short run.
    const untraced = new Client({ connection: h.temporal.connection, namespace: h.config.temporal.namespace, dataConverter: h.temporal.options.dataConverter });
    await untraced.workflow.execute('retentionWorkflow', { workflowId, taskQueue: h.config.temporal.taskQueue, args: [{ retentionDays: 36_500 }] });
    const traced = await h.temporal.workflow.execute('retentionWorkflow', { workflowId: `${workflowId}-traced`, taskQueue: h.config.temporal.taskQueue, args: [{ retentionDays: 36_500 }] });
    expect(traced).toBeDefined();
    const runSpans = (id: string) => spans.getFinishedSpans().filter((s) => s.name === 'RunWorkflow:retentionWorkflow' && s.attributes.workflowId === id);
    // The traced one has its run span (so spans do get here), the other none.
    await eventually(async () => runSpans(`${workflowId}-traced`).length, (n) => n === 1, 'the traced run’s span');
    expect(runSpans(workflowId)).toEqual([]);
  });
});

/** Every run the purchase and its refund started: the checkout run, the refund, and the order run the refund refreshed. */
async function purchaseRuns(): Promise<WorkflowExecutionInfo[]> {
  const query = `WorkflowId = '${orderWorkflowId(orderId)}' OR WorkflowId = '${refundWorkflowId}'`;
  const list = async () => {
    const runs: WorkflowExecutionInfo[] = [];
    for await (const run of h.temporal.workflow.list({ query })) runs.push(run);
    return runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  };
  return eventually(list, (runs) => runs.length === 3 && runs.every((r) => r.status.name === 'COMPLETED'), 'the purchase’s and the refund’s runs, closed');
}

describe('workflows in the Temporal UI', () => {
  it('each run of a purchase and its refund has a start summary and answers its current details, without personal data', async () => {
    const runs = await purchaseRuns();
    const seen = [];
    // Closed runs still answer: the worker replays each and reports the line it ended on.
    for (const run of runs) seen.push({ type: run.type, ...(await uiLines(h, run.workflowId, run.runId)) });
    expect(seen).toEqual([
      { type: 'orderWorkflow', summary: 'Checkout: 1 item, 149.00 PLN via sandbox', currentDetails: `${orderNumber}: fulfilled` },
      { type: 'refundWorkflow', summary: `Order ${orderId}: operator refund`, currentDetails: 'refund 1 succeeded: order refunded' },
      { type: 'orderWorkflow', summary: `Order ${orderId}: refreshed after a refund (refunded)`, currentDetails: `${orderNumber}: refunded` },
    ]);
    expect(JSON.stringify(seen)).not.toContain(email);
    expect(JSON.stringify(seen)).not.toContain(BUYER_NAME);
  });
});

/** Every text Temporal stores: payload bytes, failure messages, ids, search attributes, memo, summaries. */
function storedTexts(node: unknown): string[] {
  if (node instanceof Uint8Array) return [Buffer.from(node).toString('utf8')];
  if (typeof node === 'string') return [node];
  if (Array.isArray(node)) return node.flatMap((n) => storedTexts(n));
  if (node && typeof node === 'object') return Object.values(node).flatMap((v) => storedTexts(v));
  return [];
}

describe('payload encryption', () => {
  it('keeps the buyer’s email and name out of everything Temporal stores, and the codec endpoint shows them to an operator', async () => {
    const texts: string[] = [];
    for (const { workflowId, runId, type } of await purchaseRuns()) {
      // Straight from the service, past the client's data converter: what Temporal (and its backups) hold.
      const history = await h.temporal.workflow.getHandle(workflowId, runId).fetchHistory();
      const described = await h.temporal.workflowService.describeWorkflowExecution({ namespace: h.config.temporal.namespace, execution: { workflowId, runId } });
      // Order runs name their buyer by the customer key, which is in what is checked here.
      if (type === 'orderWorkflow') expect(described.workflowExecutionInfo?.searchAttributes?.indexedFields?.[CUSTOMER_EMAIL.name]).toBeDefined();
      texts.push(workflowId, ...storedTexts(history), ...storedTexts(described));
    }
    expect(texts.length).toBeGreaterThan(100);
    const needles = [email, BUYER_NAME, email.split('@')[0]!, BUYER_NAME.split(' ')[1]!];
    expect(texts.filter((t) => needles.some((n) => t.includes(n)))).toEqual([]);

    const first = (await purchaseRuns())[0]!;
    const history = await h.temporal.workflow.getHandle(first.workflowId, first.runId).fetchHistory();
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
