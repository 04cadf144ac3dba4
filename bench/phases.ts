// The benchmark's measured phases: baseline GETs, checkouts, signed payment webhooks, and waiting for fulfilment.
import type { Client } from '@temporalio/client';
import type { Sql } from '../src/db/client.js';
import { SANDBOX_SIGNATURE_HEADER, signSandboxPayload, type SandboxEvent } from '../src/payments/sandbox.js';
import { runBounded, timedFetch, UnexpectedAnswer, type LoadResult } from './load.js';

export interface PhaseContext {
  baseUrl: string;
  concurrency: number;
  deadlineMs: number;
  signal: AbortSignal;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export function getMany(ctx: PhaseContext, path: string, count: number): Promise<LoadResult<null>> {
  return runBounded(range(count), ctx, async (_, signal) => {
    const answer = await timedFetch(`${ctx.baseUrl}${path}`, {}, signal);
    if (answer.status !== 200) throw new UnexpectedAnswer(answer, '200');
    return { ms: answer.ms, value: null };
  });
}

/** One package per order and a unique key and buyer each, so every request opens a new order and workflow. */
export function checkouts(ctx: PhaseContext, count: number, packageId: string, runId: string): Promise<LoadResult<string>> {
  return runBounded(range(count), ctx, async (i, signal) => {
    const body = JSON.stringify({ packageIds: [packageId], email: `bench-${runId}-${i}@example.com`, name: 'Bench Buyer', provider: 'sandbox', locale: 'pl' });
    const answer = await timedFetch(
      `${ctx.baseUrl}/api/v1/checkout`,
      { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': `bench-${runId}-${i}` }, body },
      signal,
    );
    if (answer.status !== 201 || !isRecord(answer.body) || typeof answer.body.orderId !== 'string') throw new UnexpectedAnswer(answer, '201 with an orderId');
    return { ms: answer.ms, value: answer.body.orderId };
  });
}

export interface PayableOrder {
  id: string;
  provider_session_id: string | null;
  total_amount: number;
  currency: string;
}

/** What the provider would send: the stored session and the order's own total, so the workflow fulfils rather than holds. */
export function loadPayableOrders(probe: Sql, orderIds: readonly string[]): Promise<PayableOrder[]> {
  return probe<PayableOrder[]>`SELECT id, provider_session_id, total_amount, currency FROM orders WHERE id IN ${probe(orderIds)} ORDER BY created_at`;
}

export function paymentWebhooks(ctx: PhaseContext, orders: readonly PayableOrder[], secret: string, runId: string): Promise<LoadResult<string>> {
  return runBounded(orders, ctx, async (order, signal) => {
    if (!order.provider_session_id) throw new Error(`order ${order.id} has no provider_session_id`);
    const event: SandboxEvent = {
      id: `evt_bench_${runId}_${order.id}`,
      type: 'payment.succeeded',
      created: Math.floor(Date.now() / 1000),
      data: { sessionId: order.provider_session_id, orderId: order.id, amount: order.total_amount, currency: order.currency, paymentId: `pay_bench_${order.id}` },
    };
    const body = JSON.stringify(event);
    // Signed just before sending: the signature's timestamp must be within the tolerance when it arrives.
    const headers = { 'content-type': 'application/json', [SANDBOX_SIGNATURE_HEADER]: signSandboxPayload(body, secret) };
    const answer = await timedFetch(`${ctx.baseUrl}/api/v1/webhooks/sandbox`, { method: 'POST', headers, body }, signal);
    if (answer.status !== 200 || !isRecord(answer.body) || answer.body.outcome !== 'signalled') throw new UnexpectedAnswer(answer, '200 signalled');
    return { ms: answer.ms, value: order.id };
  });
}

export interface Fulfilment {
  fulfilled: number;
  /** Orders that reached another final status (held, failed, …) and so will never be fulfilled. */
  settledOtherwise: number;
  seconds: number;
  timedOut: boolean;
}

const OTHER_FINAL = ['HELD', 'FAILED', 'EXPIRED', 'CANCELLED', 'REFUNDED', 'PARTIALLY_REFUNDED'];
const POLL_MS = 100;

/**
 * Polls the orders table from `startedAt` until `expected()` orders are FULFILLED (it shrinks once webhooks that failed are known),
 * the rest cannot be, or the timeout passes. The 100 ms poll period bounds the precision of `seconds`.
 */
export async function waitForFulfilment(
  probe: Sql,
  orderIds: readonly string[],
  expected: () => number,
  startedAt: number,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Fulfilment> {
  const deadline = startedAt + timeoutMs;
  for (;;) {
    const [row] = await probe<{ fulfilled: number; other: number }[]>`
      SELECT count(*) FILTER (WHERE status = 'FULFILLED')::int AS fulfilled, count(*) FILTER (WHERE status IN ${probe(OTHER_FINAL)})::int AS other
      FROM orders WHERE id IN ${probe(orderIds)}`;
    const now = performance.now();
    const fulfilled = row?.fulfilled ?? 0;
    const settledOtherwise = row?.other ?? 0;
    const seconds = (now - startedAt) / 1000;
    if (fulfilled >= expected() || fulfilled + settledOtherwise >= orderIds.length) return { fulfilled, settledOtherwise, seconds, timedOut: false };
    if (now >= deadline || signal.aborted) return { fulfilled, settledOtherwise, seconds, timedOut: true };
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * An order row turns FULFILLED one workflow task before its workflow completes. Waiting for those workflows to close
 * keeps the Temporal server from being stopped mid-write. `unpaid` workflows wait for a payment that will not come
 * and stay open; returns how many workflows are running when it stops waiting.
 */
export async function waitForWorkflowsToClose(temporal: Client, unpaid: number, timeoutMs: number, signal: AbortSignal): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const { count } = await temporal.workflow.count('ExecutionStatus = "Running"');
    if (count <= unpaid || performance.now() >= deadline || signal.aborted) return count;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
