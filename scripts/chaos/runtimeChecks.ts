// After the run settles: what Temporal says of the workflows, and what the API answered while things broke.
import type { Client } from '@temporalio/client';
import type { HttpLog } from './http.js';

export interface Check {
  ok: boolean;
  detail?: unknown;
}

/**
 * A checkout run that could not open checkout during an outage ends with this failure type (src/workflows/order.ts),
 * or fails in one of these activities: the case the `outage` branch closes, counted apart.
 */
const CHECKOUT_FAILURE_TYPE = 'checkout_unavailable';
const CHECKOUT_ACTIVITIES = ['createOrder', 'createPaymentSession'];
export const sample = <T>(items: T[]) => items.slice(0, 10);

/** The runs of every order workflow still open: the run settles once there are none. */
export async function openOrderRuns(temporal: Client): Promise<number> {
  return (await temporal.workflow.count('WorkflowType = "orderWorkflow" AND ExecutionStatus = "Running"')).count;
}

/** Which activity a failed run's failure came from, if any (a failure wraps its cause: ActivityFailure carries the type). */
function failedActivity(failure: unknown): string | undefined {
  for (let f = failure as { activityFailureInfo?: { activityType?: { name?: string } }; cause?: unknown } | undefined; f; f = f.cause as typeof f) {
    const name = f.activityFailureInfo?.activityType?.name;
    if (name) return name;
  }
  return undefined;
}

const failureType = (failure: unknown) => (failure as { applicationFailureInfo?: { type?: string } } | undefined)?.applicationFailureInfo?.type ?? undefined;

export async function checkWorkflows(temporal: Client): Promise<Record<string, Check>> {
  const closedBadly: Array<{ workflowId: string; type: string; status: string; failureType?: string; activity?: string; message?: string }> = [];
  for await (const w of temporal.workflow.list({ query: 'ExecutionStatus = "Failed" OR ExecutionStatus = "Terminated" OR ExecutionStatus = "TimedOut"' })) {
    const history = await temporal.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
    const last = history.events?.at(-1);
    const failure = last?.workflowExecutionFailedEventAttributes?.failure;
    closedBadly.push({ workflowId: w.workflowId, type: w.type, status: w.status.name, failureType: failureType(failure), activity: failedActivity(failure), message: failure?.message ?? undefined });
  }
  const duringCheckout = closedBadly.filter(
    (w) => w.type === 'orderWorkflow' && w.status === 'FAILED' && (w.failureType === CHECKOUT_FAILURE_TYPE || CHECKOUT_ACTIVITIES.includes(w.activity ?? '')),
  );
  const open = await openOrderRuns(temporal);
  return {
    // The goal: none. Runs that failed while opening checkout are counted apart: the `outage` branch makes them pass.
    noWorkflowFailedOrTerminated: {
      ok: closedBadly.length === 0,
      detail: { count: closedBadly.length, checkoutOpeningFailures: duringCheckout.length, other: closedBadly.length - duringCheckout.length, sample: sample(closedBadly) },
    },
    noOrderRunLeftOpen: { ok: open === 0, detail: { running: open } },
  };
}

/** 503 is the documented answer while a dependency is away (retry with the same key or event); any other 5xx is a bug. */
/** After a dependency returns, clients and pools reconnect with backoff: 503s this long after an outage still belong to it. */
const RECOVERY_S = 20;

/** A webhook is acknowledged once PostgreSQL has it (the relay waits out Temporal): only a database outage may 503 it. */
const WEBHOOK_503_OUTAGES = ['postgres_outage'];

export function checkHttp(http: HttpLog, outages: Array<{ kind: string; at: number; until: number }>): Record<string, Check> {
  const during = (s: number, kinds?: string[]) => outages.some((o) => (!kinds || kinds.includes(o.kind)) && s >= o.at && s <= o.until + RECOVERY_S);
  const stray503 = http.serverErrorLog.filter((e) => e.kind.startsWith('503 ') && !during(e.answeredS, e.endpoint === 'webhook' ? WEBHOOK_503_OUTAGES : undefined));
  const other5xx = http.serverErrorLog.filter((e) => !e.kind.startsWith('503 '));
  const noAnswer = http.noAnswers();
  return {
    no5xxBut503: { ok: other5xx.length === 0, detail: { count: other5xx.length, sample: sample(other5xx) } },
    no503OutsideOutages: { ok: stray503.length === 0, detail: { count: stray503.length, sample: sample(stray503) } },
    everyRequestAnswered: { ok: noAnswer === 0, detail: { noAnswer } },
  };
}

