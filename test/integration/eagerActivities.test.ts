// The Temporal server the product is run and tested on hands a scheduled activity to the worker in the same answer.
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { orderWorkflowId } from '../../src/workflows/definitions.js';
import { checkout, eventually, finished, packageId, sandboxAction, startHarness, uniqueEmail, type Harness } from '../support/harness.js';
import { sumSamples } from '../support/prometheus.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

/** The dev server's count of activities it started eagerly on this file's task queue (the harness's queue is its own). */
async function eagerStarts(): Promise<number> {
  const text = await (await fetch(inject('temporalMetricsUrl'))).text();
  // Its Prometheus labels spell every character outside [A-Za-z0-9_] as '_'.
  return sumSamples(text, 'activity_eager_execution', { taskqueue: h.config.temporal.taskQueue.replace(/[^A-Za-z0-9_]/g, '_') });
}

describe('eager activity dispatch', () => {
  it("starts a paid order's email activity in the answer to the workflow task that scheduled it", async () => {
    // Otherwise each activity is a round trip through the server's task matching: a transfer task, a poll, and a
    // separate write that records its start.
    const res = await checkout(h, { packageIds: [await packageId(h.sql, 'chatbot-rag')], email: uniqueEmail('eager') });
    expect(res.status).toBe(201);
    await sandboxAction(res.body.paymentUrl, 'pay');
    await finished(h, orderWorkflowId(res.body.orderId));
    const events = (await h.temporal.workflow.getHandle(orderWorkflowId(res.body.orderId)).fetchHistory()).events ?? [];
    const scheduled = events.filter((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
    expect(scheduled).toHaveLength(1);
    // The server publishes its counters about once a second, so the count is waited for, not read once.
    await eventually(eagerStarts, (n) => n === scheduled.length, 'the email activity counted as started eagerly');
  });
});
