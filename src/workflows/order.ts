// orderWorkflow: one order from checkout to its single outcome; the steps live in orderCheckout, orderFulfil and orderLate.
import { ApplicationFailure } from '@temporalio/workflow';
import type { OrderState, OrderWorkflowInput } from './definitions.js';
import { awaitPayment, openCheckout, resumeRun } from './orderCheckout.js';
import { registerOrderHandlers } from './orderHandlers.js';
import { drain } from './orderLate.js';
import { newOrderRun } from './orderRun.js';

export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderState> {
  const run = newOrderRun(input);
  registerOrderHandlers(run);
  if ('resume' in input) await resumeRun(run, input);
  else if (await openCheckout(run, input)) await awaitPayment(run, input);
  await drain(run);
  // Only runs from before KEEP_TRYING_PATCH get here after an outage: failing let a retry with the same key start afresh.
  const { failure } = run.state;
  if (failure && !failure.kind) throw ApplicationFailure.nonRetryable(failure.message, failure.code);
  return { ...run.state };
}
